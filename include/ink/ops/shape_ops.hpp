#pragma once
// Shape ops: reshape, transpose of the last two dimensions, slice, concat, split.
//
//   reshape(x, dims):           x (any) -> same elements, new shape (a view)   backward: reshape back
//   transpose(x):               x (..., M, N) -> (..., N, M)                  backward: transpose
//   slice(x, dim, begin, end):  x (..., n, ...) -> (..., end - begin, ...)     backward: pad with zeros
//   concat(xs, dim):            xs[i] (..., n_i, ...) -> (..., sum n_i, ...)   backward: slices
//   split(x, dim, sizes):       slices of x along dim
#include <algorithm>
#include <initializer_list>
#include <vector>

#include "ink/autograd/engine.hpp"

namespace ink {

namespace detail {
// Views a tensor as (outer, n, inner) around dimension `dim`.
struct AroundDim {
    index_t outer = 1, n = 1, inner = 1;
    AroundDim(const Shape& s, int dim) {
        for (int i = 0; i < s.rank(); ++i) (i < dim ? outer : i == dim ? n : inner) *= s[i];
    }
};
inline int normalize_dim(const char* what, const Shape& s, int dim) {
    const int d = dim < 0 ? dim + s.rank() : dim;
    INK_CHECK(d >= 0 && d < s.rank(), what, ": dimension ", dim, " is out of range for shape ", s.str());
    return d;
}
// Copies, for each of `outer` blocks, `count` contiguous elements from src (block stride src_stride,
// starting at src_off) to dst (block stride dst_stride, starting at dst_off).
template <class T>
void copy_blocks(index_t outer, index_t count, const T* src, index_t src_stride, T* dst, index_t dst_stride) {
    for (index_t o = 0; o < outer; ++o) std::copy(src + o * src_stride, src + o * src_stride + count, dst + o * dst_stride);
}
}  // namespace detail

// ---- reshape -----------------------------------------------------------------------------------------

template <class T>
class ReshapeNode final : public OpNode<T, 1> {
public:
    ReshapeNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::reshape; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override;
};

// One extent may be -1 (inferred). The result shares x's storage.
template <class T>
Var<T> reshape(const Var<T>& x, const std::vector<index_t>& dims) {
    return make_result<ReshapeNode<T>>(recording(x), x.value().reshape(dims), x);
}
template <class T>
Var<T> reshape(const Var<T>& x, std::initializer_list<index_t> dims) {
    return make_result<ReshapeNode<T>>(recording(x), x.value().reshape(dims), x);
}
// Allocates nothing (shapes live inline): backward passes call it every step.
template <class T>
Var<T> reshape(const Var<T>& x, const Shape& s) {
    return s == x.shape() ? x : make_result<ReshapeNode<T>>(recording(x), x.value().reshape(s), x);
}

template <class T>
void ReshapeNode<T>::backward(const Var<T>& gy, Var<T>* gx, const bool*) {
    gx[0] = reshape(gy, this->in_[0].shape());
}

// ---- transpose of the last two dimensions ------------------------------------------------------------

template <class T>
Tensor<T> transpose(const Tensor<T>& x) {
    INK_CHECK(x.rank() >= 2, "transpose: shape ", x.shape().str(), " has rank < 2: expected (..., M, N)");
    const index_t M = x.dim(-2), N = x.dim(-1), batch = x.numel() / std::max<index_t>(M * N, 1);
    index_t dims[Shape::kMaxRank];
    std::copy(x.shape().begin(), x.shape().end(), dims);
    std::swap(dims[x.rank() - 2], dims[x.rank() - 1]);
    Tensor<T> y = Tensor<T>::empty(Shape(dims, dims + x.rank()));
    for (index_t b = 0; b < batch; ++b) {
        const T* px = x.data() + b * M * N;
        T* py = y.data() + b * M * N;
        for (index_t i = 0; i < M; ++i)
            for (index_t j = 0; j < N; ++j) py[j * M + i] = px[i * N + j];
    }
    return y;
}

template <class T>
class TransposeNode final : public OpNode<T, 1> {
public:
    TransposeNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::transpose; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override;
};

template <class T>
Var<T> transpose(const Var<T>& x) {
    return make_result<TransposeNode<T>>(recording(x), transpose(x.value()), x);
}

template <class T>
void TransposeNode<T>::backward(const Var<T>& gy, Var<T>* gx, const bool*) {
    gx[0] = transpose(gy);
}

// ---- slice and its adjoint (pad) -----------------------------------------------------------------------

template <class T>
Tensor<T> slice(const Tensor<T>& x, int dim, index_t begin, index_t end) {
    const int d = detail::normalize_dim("slice", x.shape(), dim);
    INK_CHECK(0 <= begin && begin <= end && end <= x.dim(d), "slice: range [", begin, ", ", end,
              ") is outside dimension ", dim, " of shape ", x.shape().str());
    const detail::AroundDim v(x.shape(), d);
    Tensor<T> y = Tensor<T>::empty(x.shape().with_dim(d, end - begin));
    detail::copy_blocks(v.outer, (end - begin) * v.inner, x.data() + begin * v.inner, v.n * v.inner, y.data(),
                        (end - begin) * v.inner);
    return y;
}

// The adjoint of slice: zeros of `shape` with x placed at [begin, begin + x.dim(dim)) along dim.
template <class T>
Tensor<T> pad(const Tensor<T>& x, const Shape& shape, int dim, index_t begin) {
    const int d = detail::normalize_dim("pad", shape, dim);
    INK_CHECK(x.shape() == shape.with_dim(d, x.dim(d)) && begin + x.dim(d) <= shape[d], "pad: shape ",
              x.shape().str(), " does not fit into ", shape.str(), " at ", begin, " along dimension ", dim);
    const detail::AroundDim v(shape, d);
    Tensor<T> y(shape);
    const index_t count = x.dim(d) * v.inner;
    detail::copy_blocks(v.outer, count, x.data(), count, y.data() + begin * v.inner, v.n * v.inner);
    return y;
}

template <class T> Var<T> slice(const Var<T>& x, int dim, index_t begin, index_t end);
template <class T> Var<T> pad(const Var<T>& x, const Shape& shape, int dim, index_t begin);

template <class T>
class SliceNode final : public OpNode<T, 1> {
public:
    SliceNode(Tensor<T> y, Var<T> x, int dim, index_t begin)
        : OpNode<T, 1>(std::move(y), {std::move(x)}), dim_(dim), begin_(begin) {}
    NodeKind kind() const override { return NodeKind::slice; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        gx[0] = pad(gy, this->in_[0].shape(), dim_, begin_);
    }

private:
    int dim_;
    index_t begin_;
};

template <class T>
class PadNode final : public OpNode<T, 1> {
public:
    PadNode(Tensor<T> y, Var<T> x, int dim, index_t begin)
        : OpNode<T, 1>(std::move(y), {std::move(x)}), dim_(dim), begin_(begin) {}
    NodeKind kind() const override { return NodeKind::pad; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        gx[0] = slice(gy, dim_, begin_, begin_ + this->in_[0].shape()[dim_]);
    }

private:
    int dim_;
    index_t begin_;
};

// Elements [begin, end) of x along dimension `dim` (negative counts from the end).
template <class T>
Var<T> slice(const Var<T>& x, int dim, index_t begin, index_t end) {
    return make_result<SliceNode<T>>(recording(x), slice(x.value(), dim, begin, end), x, dim, begin);
}
template <class T>
Var<T> pad(const Var<T>& x, const Shape& shape, int dim, index_t begin) {
    return make_result<PadNode<T>>(recording(x), pad(x.value(), shape, dim, begin), x, dim, begin);
}

// ---- concat and split ------------------------------------------------------------------------------------

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, int dim) {
    INK_CHECK(!xs.empty(), "concat: expected at least one tensor");
    const int d = detail::normalize_dim("concat", xs[0].shape(), dim);
    index_t total = 0;
    for (const auto& x : xs) {
        INK_CHECK(x.rank() == xs[0].rank() && x.shape().with_dim(d, 0) == xs[0].shape().with_dim(d, 0),
                  "concat: shapes ", xs[0].shape().str(), " and ", x.shape().str(),
                  " do not match: expected equal extents except along dimension ", dim);
        total += x.dim(d);
    }
    const Shape s = xs[0].shape().with_dim(d, total);
    const detail::AroundDim v(s, d);
    Tensor<T> y = Tensor<T>::empty(s);
    index_t at = 0;
    for (const auto& x : xs) {
        const index_t count = x.dim(d) * v.inner;
        detail::copy_blocks(v.outer, count, x.data(), count, y.data() + at * v.inner, v.n * v.inner);
        at += x.dim(d);
    }
    return y;
}

template <class T>
class ConcatNode final : public Node<T> {
public:
    ConcatNode(Tensor<T> y, std::vector<Var<T>> xs, int dim) : Node<T>(std::move(y), true), in_(std::move(xs)), dim_(dim) {
        this->set_inputs(in_.data(), static_cast<int>(in_.size()));
    }
    NodeKind kind() const override { return NodeKind::concat; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) override {
        index_t at = 0;
        for (std::size_t i = 0; i < in_.size(); ++i) {
            const index_t n = in_[i].shape()[dim_];
            if (needs[i]) gx[i] = slice(gy, dim_, at, at + n);
            at += n;
        }
    }

private:
    std::vector<Var<T>> in_;
    int dim_;
};

template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, int dim) {
    std::vector<Tensor<T>> values;
    values.reserve(xs.size());
    bool record = false;
    for (const auto& x : xs) {
        values.push_back(x.value());
        record = record || recording(x);
    }
    Tensor<T> y = concat(values, dim);
    if (!record) return Var<T>(std::move(y));
    return Var<T>(static_cast<Node<T>*>(new ConcatNode<T>(std::move(y), xs, dim)));
}

// concat({a, b}, dim): a braced list deduces T here, not in the std::vector overloads.
template <class T>
Var<T> concat(std::initializer_list<Var<T>> xs, int dim) {
    return concat(std::vector<Var<T>>(xs), dim);
}
template <class T>
Tensor<T> concat(std::initializer_list<Tensor<T>> xs, int dim) {
    return concat(std::vector<Tensor<T>>(xs), dim);
}

// Splits x along `dim` into pieces of the given sizes (which must add up to x.dim(dim)).
template <class T>
std::vector<Var<T>> split(const Var<T>& x, int dim, const std::vector<index_t>& sizes) {
    const int d = detail::normalize_dim("split", x.shape(), dim);
    index_t total = 0;
    for (index_t s : sizes) total += s;
    INK_CHECK(total == x.dim(d), "split: sizes add up to ", total, " but dimension ", dim, " of shape ",
              x.shape().str(), " is ", x.dim(d));
    std::vector<Var<T>> out;
    out.reserve(sizes.size());
    index_t at = 0;
    for (index_t s : sizes) {
        out.push_back(slice(x, d, at, at + s));
        at += s;
    }
    return out;
}
// Splits x along `dim` into `parts` equal pieces.
template <class T>
std::vector<Var<T>> split(const Var<T>& x, int dim, int parts) {
    const int d = detail::normalize_dim("split", x.shape(), dim);
    INK_CHECK(parts > 0 && x.dim(d) % parts == 0, "split: dimension ", dim, " of shape ", x.shape().str(),
              " does not split into ", parts, " equal parts");
    return split(x, d, std::vector<index_t>(static_cast<std::size_t>(parts), x.dim(d) / parts));
}

}  // namespace ink
