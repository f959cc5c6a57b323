#pragma once
// Matrix products on our GEMM.
//
//   matmul(a, b):     a (..., K), b (K, N) -> y (..., N)       the rows of a times b
//                     backward: ga = gy b^T (..., K),  gb = a^T gy (K, N)   [a, gy flattened to rows]
//   linear(x, w, b):  x (..., in), w (in, out) as in Keras, b (out) or undefined -> y (..., out)
//                     y = x w + b;  backward: gx = gy w^T,  gw = x^T gy,  gb = column sums of gy
#include "ink/kernels/mixed_precision.hpp"
#include "ink/kernels/reduce.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/shape_ops.hpp"

namespace ink {

namespace detail {
inline void check_matmul(const char* what, const Shape& a, const Shape& b) {
    INK_CHECK(a.rank() >= 1 && b.rank() == 2 && a[-1] == b[0], what, ": shapes ", a.str(), " and ", b.str(),
              " do not match: expected a.dim(-1) == b.dim(0) with b of rank 2");
}
// y = a b (+ bias on every row) for a viewed as rows x K.
template <class T>
Tensor<T> matmul_rows(const Tensor<T>& a, const Tensor<T>& b, const Tensor<T>* bias) {
    const index_t K = b.dim(0), N = b.dim(1), M = a.numel() / std::max<index_t>(K, 1);
    Tensor<T> y = Tensor<T>::empty(a.shape().with_dim(-1, N));
    if (bias) {  // C = bias rows, then C += a b
        for (index_t r = 0; r < M; ++r) std::copy(bias->data(), bias->data() + N, y.data() + r * N);
    }
    kernels::mixed::gemm(kernels::Trans::No, kernels::Trans::No, M, N, K, T(1), a.data(), K, b.data(), N,
                         bias ? T(1) : T(0), y.data(), N);
    return y;
}
// ga = gy b^T: gy (M, N), b (K, N) -> (M, K), shaped like a.
template <class T>
Tensor<T> matmul_grad_a(const Tensor<T>& gy, const Tensor<T>& b, const Shape& a_shape) {
    const index_t K = b.dim(0), N = b.dim(1), M = gy.numel() / std::max<index_t>(N, 1);
    Tensor<T> ga = Tensor<T>::empty(a_shape);
    kernels::mixed::gemm(kernels::Trans::No, kernels::Trans::Yes, M, K, N, T(1), gy.data(), N, b.data(), N, T(0),
                         ga.data(), K);
    return ga;
}
// gb = a^T gy: a (M, K), gy (M, N) -> (K, N).
template <class T>
Tensor<T> matmul_grad_b(const Tensor<T>& a, const Tensor<T>& gy, index_t K, index_t N) {
    const index_t M = a.numel() / std::max<index_t>(K, 1);
    Tensor<T> gb = Tensor<T>::empty(Shape{K, N});
    kernels::mixed::gemm(kernels::Trans::Yes, kernels::Trans::No, K, N, M, T(1), a.data(), K, gy.data(), N, T(0),
                         gb.data(), N);
    return gb;
}
}  // namespace detail

template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b) {
    detail::check_matmul("matmul", a.shape(), b.shape());
    return detail::matmul_rows(a, b, static_cast<const Tensor<T>*>(nullptr));
}

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b = Tensor<T>()) {
    detail::check_matmul("linear", x.shape(), w.shape());
    INK_CHECK(!b.defined() || b.shape() == Shape{w.dim(1)}, "linear: bias shape ", b.shape().str(),
              " and weight shape ", w.shape().str(), " do not match: expected a bias of shape [", w.dim(1), "]");
    return detail::matmul_rows(x, w, b.defined() ? &b : nullptr);
}

template <class T> Var<T> matmul(const Var<T>& a, const Var<T>& b);

// Both matmul and linear: inputs (x, w[, b]).
template <class T>
class LinearNode final : public OpNode<T, 3> {
public:
    LinearNode(Tensor<T> y, Var<T> x, Var<T> w, Var<T> b)
        : OpNode<T, 3>(std::move(y), {std::move(x), std::move(w), std::move(b)}) {}
    NodeKind kind() const override { return this->in_[2].defined() ? NodeKind::linear : NodeKind::matmul; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) override {
        const Var<T>& x = this->in_[0];
        const Var<T>& w = this->in_[1];
        const index_t K = w.dim(0), N = w.dim(1);
        if (!grad_enabled()) {  // fast path: GEMMs with transposes, no copies
            const Tensor<T>& g = gy.value();
            if (needs[0]) gx[0] = Var<T>(detail::matmul_grad_a(g, w.value(), x.shape()));
            if (needs[1]) gx[1] = Var<T>(detail::matmul_grad_b(x.value(), g, K, N));
            if (needs[2]) gx[2] = Var<T>(sum_to(g, Shape{N}));
            return;
        }
        const auto rows = [](const Var<T>& v, index_t cols) { return v.rank() == 2 ? v : reshape(v, {-1, cols}); };
        const Var<T> g2 = rows(gy, N);
        if (needs[0]) gx[0] = reshape(matmul(g2, transpose(w)), x.shape());
        if (needs[1]) gx[1] = matmul(transpose(rows(x, K)), g2);
        if (needs[2]) gx[2] = sum_to(gy, Shape{N});
    }
};

template <class T>
Var<T> matmul(const Var<T>& a, const Var<T>& b) {
    return make_result<LinearNode<T>>(recording(a, b), matmul(a.value(), b.value()), a, b, Var<T>());
}

// y = x w + b over the last dimension of x; b may be undefined (no bias).
template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& w, const Var<T>& b = Var<T>()) {
    Tensor<T> y = linear(x.value(), w.value(), b.defined() ? b.value() : Tensor<T>());
    return make_result<LinearNode<T>>(recording(x, w, b), std::move(y), x, w, b);
}

}  // namespace ink
