#pragma once
// Broadcasting (NumPy rules: shapes aligned on the right, an extent of 1 or a missing extent stretches)
// and its adjoint, summing a gradient back to an input's shape.
//
//   broadcast_to(x, s): x (shape a, broadcastable to s) -> (s)      backward: sum_to(gy, a)
//   sum_to(x, s):       x (shape a, s broadcastable to a) -> (s)    backward: broadcast_to(gy, a)
#include <algorithm>
#include <array>
#include <vector>

#include "ink/autograd/engine.hpp"
#include "ink/kernels/reduce.hpp"

namespace ink {

namespace detail {

using Strides = std::array<index_t, Shape::kMaxRank>;

// A Shape from a list of extents, without a heap allocation in steady state (Shape is built from a
// vector; this one is reused).
inline Shape make_shape(const index_t* first, const index_t* last) {
    thread_local std::vector<index_t> dims;
    dims.assign(first, last);
    return Shape(dims);
}

// The shape a op b broadcasts to; throws naming both shapes when they do not broadcast.
inline Shape broadcast_shapes(const char* what, const Shape& a, const Shape& b) {
    const int rank = std::max(a.rank(), b.rank());
    index_t out[Shape::kMaxRank];
    for (int i = 1; i <= rank; ++i) {
        const index_t x = i <= a.rank() ? a[-i] : 1, y = i <= b.rank() ? b[-i] : 1;
        INK_CHECK(x == y || x == 1 || y == 1, what, ": shapes ", a.str(), " and ", b.str(),
                  " do not broadcast: expected equal extents or 1 in dimension ", -i);
        out[rank - i] = x == 1 ? y : x;
    }
    return Shape(out, out + rank);  // checked: [n, 1] and [1, m] can broadcast to more than 2^63 elements
}

// Row-major strides of `s` laid over `out` (right-aligned), 0 along the dimensions that stretch.
inline Strides broadcast_strides(const Shape& s, const Shape& out) {
    Strides st{};
    index_t stride = 1;
    for (int d = out.rank() - 1, k = s.rank() - 1; d >= 0; --d, --k) {
        if (k < 0) continue;
        st[static_cast<std::size_t>(d)] = (s[k] == 1 && out[d] != 1) ? 0 : stride;
        stride *= s[k];
    }
    return st;
}

// Calls fn(i_out, i_a, i_b) for every element of `out` in row-major order, where i_a and i_b are the
// offsets of the elements of a and b (with strides sa, sb) that broadcast to it.
template <class Fn>
void for_each_broadcast(const Shape& out, const Strides& sa, const Strides& sb, Fn fn) {
    const int r = out.rank();
    if (r == 0) {
        fn(index_t{0}, index_t{0}, index_t{0});
        return;
    }
    const index_t n = out.numel(), inner = out[r - 1];
    const index_t ia = sa[static_cast<std::size_t>(r - 1)], ib = sb[static_cast<std::size_t>(r - 1)];
    std::array<index_t, Shape::kMaxRank> idx{};
    index_t oa = 0, ob = 0;
    for (index_t o = 0; o < n; o += inner) {
        for (index_t j = 0; j < inner; ++j) fn(o + j, oa + j * ia, ob + j * ib);
        for (int d = r - 2; d >= 0; --d) {  // odometer over the outer dimensions
            const auto u = static_cast<std::size_t>(d);
            oa += sa[u];
            ob += sb[u];
            if (++idx[u] < out[d]) break;
            oa -= sa[u] * out[d];
            ob -= sb[u] * out[d];
            idx[u] = 0;
        }
    }
}

// True when `small` is a suffix of `big` (e.g. a bias (N) under (B, L, N)): then big is rows x cols
// with cols = small.numel(), and small repeats along the rows.
inline bool is_suffix(const Shape& small, const Shape& big) {
    if (small.rank() > big.rank()) return false;
    for (int i = 1; i <= small.rank(); ++i)
        if (small[-i] != big[-i]) return false;
    return true;
}

}  // namespace detail

// ---- tensor level ----------------------------------------------------------------------------------

template <class T>
Tensor<T> broadcast_to(const Tensor<T>& x, const Shape& shape) {
    INK_CHECK(detail::broadcast_shapes("broadcast_to", x.shape(), shape) == shape, "broadcast_to: shape ",
              x.shape().str(), " cannot broadcast to ", shape.str());
    if (x.shape() == shape) return x;
    Tensor<T> y = Tensor<T>::empty(shape);
    const T* px = x.data();
    T* py = y.data();
    if (detail::is_suffix(x.shape(), shape)) {  // repeat whole rows
        const index_t cols = x.numel();
        for (index_t r = 0, rows = y.numel() / std::max<index_t>(cols, 1); r < rows; ++r)
            std::copy(px, px + cols, py + r * cols);
        return y;
    }
    const auto sx = detail::broadcast_strides(x.shape(), shape);
    detail::for_each_broadcast(shape, sx, sx, [&](index_t o, index_t i, index_t) { py[o] = px[i]; });
    return y;
}

// Sums x over the dimensions along which `shape` broadcasts to x's shape.
template <class T>
Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape) {
    INK_CHECK(detail::broadcast_shapes("sum_to", shape, x.shape()) == x.shape(), "sum_to: shape ", shape.str(),
              " does not broadcast to ", x.shape().str());
    if (x.shape() == shape) return x;
    Tensor<T> y(shape);
    const T* px = x.data();
    T* py = y.data();
    if (detail::is_suffix(shape, x.shape())) {  // the bias gradient: column sums
        const index_t cols = y.numel();
        kernels::col_sums(x.numel() / std::max<index_t>(cols, 1), cols, px, py);
        return y;
    }
    const auto sy = detail::broadcast_strides(shape, x.shape());
    detail::for_each_broadcast(x.shape(), sy, sy, [&](index_t o, index_t i, index_t) { py[i] += px[o]; });
    return y;
}

// ---- Var level -------------------------------------------------------------------------------------

template <class T>
Var<T> sum_to(const Var<T>& x, const Shape& shape);

template <class T>
class BroadcastToNode final : public OpNode<T, 1> {
public:
    BroadcastToNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::broadcast_to; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override { gx[0] = sum_to(gy, this->in_[0].shape()); }
};

template <class T>
class SumToNode final : public OpNode<T, 1> {
public:
    SumToNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::sum_to; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override;
};

template <class T>
Var<T> broadcast_to(const Var<T>& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    return make_result<BroadcastToNode<T>>(recording(x), broadcast_to(x.value(), shape), x);
}

template <class T>
Var<T> sum_to(const Var<T>& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    return make_result<SumToNode<T>>(recording(x), sum_to(x.value(), shape), x);
}

template <class T>
void SumToNode<T>::backward(const Var<T>& gy, Var<T>* gx, const bool*) {
    gx[0] = broadcast_to(gy, this->in_[0].shape());
}

}  // namespace ink
