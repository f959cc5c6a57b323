#pragma once
// Reductions: sum and mean (of all elements, or over one dimension), and the per-sample L2 norm.
//
//   sum(x):              x (any) -> () scalar                   backward: broadcast gy to x's shape
//   sum(x, dim, keep):   x (..., n, ...) -> (..., ...)          backward: broadcast gy back along dim
//                        (keep: (..., 1, ...))
//   mean(...):           sum(...) / n
//   norm_per_sample(x):  x (B, ...) -> (B), sqrt(sum of squares over all non-batch dims + eps)
#include "ink/kernels/reduce.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/broadcast.hpp"
#include "ink/ops/shape_ops.hpp"

namespace ink {

// ---- tensor level ------------------------------------------------------------------------------------

template <class T>
Tensor<T> sum(const Tensor<T>& x) {
    return Tensor<T>::scalar(kernels::sum(x.numel(), x.data()));
}

template <class T>
Tensor<T> sum(const Tensor<T>& x, int dim, bool keepdim = false) {
    const int d = detail::normalize_dim("sum", x.shape(), dim);
    const detail::AroundDim v(x.shape(), d);
    index_t dims[Shape::kMaxRank];
    std::copy(x.shape().begin(), x.shape().end(), dims);
    if (keepdim) dims[d] = 1;
    else std::copy(dims + d + 1, dims + x.rank(), dims + d);
    Tensor<T> y = Tensor<T>::empty(detail::make_shape(dims, dims + x.rank() - (keepdim ? 0 : 1)));
    if (v.inner == 1) {
        kernels::row_sums(v.outer, v.n, x.data(), y.data());
    } else {
        for (index_t o = 0; o < v.outer; ++o)
            kernels::col_sums(v.n, v.inner, x.data() + o * v.n * v.inner, y.data() + o * v.inner);
    }
    return y;
}

// ---- Var level ---------------------------------------------------------------------------------------

template <class T>
class SumNode final : public OpNode<T, 1> {
public:
    SumNode(Tensor<T> y, Var<T> x, int dim) : OpNode<T, 1>(std::move(y), {std::move(x)}), dim_(dim) {}
    NodeKind kind() const override { return NodeKind::sum; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Shape& s = this->in_[0].shape();
        if (dim_ < 0) {  // all elements
            gx[0] = broadcast_to(gy, s);
            return;
        }
        gx[0] = broadcast_to(reshape(gy, s.with_dim(dim_, 1)), s);  // reinsert the summed dimension
    }

private:
    int dim_;  // the normalised dimension, or -1 for all
};

// The sum of all elements, shape ().
template <class T>
Var<T> sum(const Var<T>& x) {
    return make_result<SumNode<T>>(recording(x), sum(x.value()), x, -1);
}
// The sum over dimension `dim` (negative counts from the end), removed unless keepdim.
template <class T>
Var<T> sum(const Var<T>& x, int dim, bool keepdim = false) {
    const int d = detail::normalize_dim("sum", x.shape(), dim);
    return make_result<SumNode<T>>(recording(x), sum(x.value(), d, keepdim), x, d);
}

template <class T>
Var<T> mean(const Var<T>& x) {
    return sum(x) * (T(1) / T(std::max<index_t>(x.numel(), 1)));
}
template <class T>
Var<T> mean(const Var<T>& x, int dim, bool keepdim = false) {
    const int d = detail::normalize_dim("mean", x.shape(), dim);
    return sum(x, d, keepdim) * (T(1) / T(std::max<index_t>(x.dim(d), 1)));
}

template <class T> Tensor<T> mean(const Tensor<T>& x) { return scale(sum(x), T(1) / T(std::max<index_t>(x.numel(), 1))); }

// ---- per-sample norm ---------------------------------------------------------------------------------

// ||x[b]||_2 over all non-batch dimensions: x (B, ...) -> (B). Computed as sqrt(sum x^2 + eps) with
// eps = 1e-12 (T = double) or 1e-10 (float): the gradient x / ||x|| is then 0, not NaN, at x = 0, and the
// value is off by at most sqrt(eps) there. This is the WGAN-GP penalty's norm of d critic / d x.
template <class T>
Var<T> norm_per_sample(const Var<T>& x) {
    INK_CHECK(x.rank() >= 1, "norm_per_sample: expected a batch dimension, got shape ", x.shape().str());
    constexpr T eps = sizeof(T) == 4 ? T(1e-10) : T(1e-12);
    return sqrt(sum(square(reshape(x, {x.dim(0), -1})), 1) + eps);
}

}  // namespace ink
