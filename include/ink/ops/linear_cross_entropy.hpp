#pragma once
// linear_cross_entropy: cross_entropy(linear(x, w, b), t, r) as one op, for output layers whose logits
// are most of a model's work (the poem decoder's (B*10 x 64) by (64 x V ~ 7,900) layer).
//
//   x (..., K), w (K, C), b (C) or undefined, t (...) int32 in [0, C)  ->  (...) or () per r
//
// Forward: one GEMM writes the logits (beta 0: no bias rows copied in first); then, one row at a time
// while it is in cache, the bias is added, the loss computed, and g = softmax - onehot written over the
// logits by the fused kernel, whose column sums (the bias gradient) are taken in the same visit.
// Backward: gx = s g w^T and gw = s x^T g with the reduction's scale s as the GEMMs' alpha, gb = s
// colsum(g). Against linear followed by cross_entropy, a training step saves three passes over the
// rows x C array (bias copy, gradient scaling, bias column sums) and one allocation of it.
// With create_graph the backward is written in differentiable ops, as linear's and cross_entropy's.
#include <algorithm>
#include <cstdint>

#include "ink/core/threads.hpp"
#include "ink/kernels/mixed_precision.hpp"
#include "ink/kernels/softmax.hpp"
#include "ink/ops/losses.hpp"
#include "ink/ops/matmul.hpp"

namespace ink {

namespace detail {

// Logits z = x w (+ b) into dz (rows, C) and per-row losses; when `grad`, dz becomes softmax - onehot
// and colsum (C) its column sums. Rows are split over threads in fixed chunks; each chunk sums its
// columns separately and the chunks are added in order, so results depend on the thread count only.
template <class T>
void linear_cross_entropy_rows(const Tensor<T>& x, const Tensor<T>& w, const T* b, const Tensor<std::int32_t>& t,
                               T* dz, T* loss, T* colsum, bool grad) {
    const index_t K = w.dim(0), C = w.dim(1), rows = t.numel();
    kernels::mixed::gemm(kernels::Trans::No, kernels::Trans::No, rows, C, K, T(1), x.data(), K, w.data(), C, T(0), dz,
                         C);
    const int nt = threads_for(double(rows) * double(C), 1 << 18);
    Tensor<T> partial = grad ? Tensor<T>::zeros(Shape{nt, C}) : Tensor<T>();
    parallel_for(nt, nt, [&](index_t first, index_t last) {
        for (index_t chunk = first; chunk < last; ++chunk)
            for (index_t r = rows * chunk / nt; r < rows * (chunk + 1) / nt; ++r) {
                T* zr = dz + r * C;
                if (b) kernels::add(C, zr, b, zr);
                kernels::log_softmax_nll(1, C, zr, t.data() + r, loss + r, grad ? zr : nullptr, T(1));
                if (grad) kernels::add(C, partial.data() + chunk * C, zr, partial.data() + chunk * C);
            }
    });
    if (grad) {
        std::fill(colsum, colsum + C, T(0));
        for (int chunk = 0; chunk < nt; ++chunk) kernels::add(C, colsum, partial.data() + chunk * C, colsum);
    }
}

// Inputs (x, w, b). Saves the targets, g = softmax - onehot (rows, C) and its column sums.
template <class T>
class LinearCrossEntropyNode final : public OpNode<T, 3> {
public:
    LinearCrossEntropyNode(Tensor<T> y, Var<T> x, Var<T> w, Var<T> b, Tensor<std::int32_t> t, Tensor<T> dz,
                           Tensor<T> colsum, Reduction r)
        : OpNode<T, 3>(std::move(y), {std::move(x), std::move(w), std::move(b)}),
          t_(std::move(t)), dz_(std::move(dz)), colsum_(std::move(colsum)), r_(r) {}
    NodeKind kind() const override { return NodeKind::linear_cross_entropy; }

    void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) override {
        const Var<T>& x = this->in_[0];
        const Var<T>& w = this->in_[1];
        const index_t K = w.dim(0), C = w.dim(1), rows = t_.numel();
        if (grad_enabled()) {  // the gradients as a graph: softmax of the recomputed logits
            Tensor<T> onehot(Shape{rows, C});
            for (index_t i = 0; i < rows; ++i) onehot[i * C + t_[i]] = T(1);
            const Var<T> z = reshape(linear(x, w, this->in_[2]), {rows, C});
            const Var<T> g = (softmax(z) - Var<T>(onehot)) * reshape(term_grads(gy, r_, t_.shape()), {rows, 1});
            if (needs[0]) gx[0] = reshape(matmul(g, transpose(w)), x.shape());
            if (needs[1]) gx[1] = matmul(transpose(reshape(x, {rows, K})), g);
            if (needs[2]) gx[2] = sum(g, 0);
            return;
        }
        // The scale of every row's gradient: one number unless the losses are not reduced; then the rows
        // are scaled into a copy, since the saved g must survive for a second backward (retain_graph).
        T s = gy.value().data()[0];
        if (r_ == Reduction::Mean) s /= T(std::max<index_t>(rows, 1));
        const T* g = dz_.data();
        const T* g_colsum = colsum_.data();
        Tensor<T> scaled, scaled_colsum;
        if (r_ == Reduction::None) {
            scaled = Tensor<T>::empty(Shape{rows, C});
            scaled_colsum = Tensor<T>::empty(Shape{C});
            for (index_t i = 0; i < rows; ++i) kernels::scale(C, gy.value()[i], g + i * C, scaled.data() + i * C);
            kernels::col_sums(rows, C, scaled.data(), scaled_colsum.data());
            g = scaled.data();
            g_colsum = scaled_colsum.data();
            s = T(1);
        }
        if (needs[0]) {
            Tensor<T> gx0 = Tensor<T>::empty(x.shape());
            kernels::mixed::gemm(kernels::Trans::No, kernels::Trans::Yes, rows, K, C, s, g, C, w.value().data(), C,
                                 T(0), gx0.data(), K);
            gx[0] = Var<T>(std::move(gx0));
        }
        if (needs[1]) {
            Tensor<T> gw = Tensor<T>::empty(w.shape());
            kernels::mixed::gemm(kernels::Trans::Yes, kernels::Trans::No, K, C, rows, s, x.value().data(), K, g, C,
                                 T(0), gw.data(), C);
            gx[1] = Var<T>(std::move(gw));
        }
        if (needs[2]) {
            Tensor<T> gb = Tensor<T>::empty(Shape{C});
            kernels::scale(C, s, g_colsum, gb.data());
            gx[2] = Var<T>(std::move(gb));
        }
    }

private:
    void release_saved() override {
        t_ = Tensor<std::int32_t>();
        dz_ = Tensor<T>();
        colsum_ = Tensor<T>();
    }
    Tensor<std::int32_t> t_;
    Tensor<T> dz_, colsum_;
    Reduction r_;
};

// Checks shapes and targets; returns the number of rows.
template <class T>
index_t check_linear_cross_entropy(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>* b,
                                   const Tensor<std::int32_t>& t) {
    check_matmul("linear_cross_entropy", x.shape(), w.shape());
    const index_t C = w.dim(1);
    INK_CHECK(!b || b->shape() == Shape{C}, "linear_cross_entropy: bias shape ", b->shape().str(),
              " and weight shape ", w.shape().str(), " do not match: expected a bias of shape [", C, "]");
    const bool match = t.rank() == x.rank() - 1 && std::equal(t.shape().begin(), t.shape().end(), x.shape().begin());
    INK_CHECK(match, "linear_cross_entropy: inputs ", x.shape().str(), " and targets ", t.shape().str(),
              " do not match: expected x (..., K) and targets (...)");
    for (index_t i = 0; i < t.numel(); ++i)
        INK_CHECK(t[i] >= 0 && t[i] < C, "linear_cross_entropy: target ", t[i], " at position ", i,
                  " is outside [0, ", C, ")");
    return t.numel();
}

}  // namespace detail

template <class T>
Tensor<T> linear_cross_entropy(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b,
                               const Tensor<std::int32_t>& t, Reduction r = Reduction::Mean) {
    const Tensor<T>* pb = b.defined() ? &b : nullptr;
    const index_t rows = detail::check_linear_cross_entropy(x, w, pb, t);
    Tensor<T> z = Tensor<T>::empty(Shape{rows, w.dim(1)});
    Tensor<T> loss = Tensor<T>::empty(t.shape());
    detail::linear_cross_entropy_rows(x, w, pb ? pb->data() : nullptr, t, z.data(), loss.data(), static_cast<T*>(nullptr), false);
    return detail::reduce_terms(std::move(loss), r);
}

// b may be undefined (no bias).
template <class T>
Var<T> linear_cross_entropy(const Var<T>& x, const Var<T>& w, const Var<T>& b, const Tensor<std::int32_t>& t,
                            Reduction r = Reduction::Mean) {
    if (!recording(x, w, b))
        return Var<T>(linear_cross_entropy(x.value(), w.value(), b.defined() ? b.value() : Tensor<T>(), t, r));
    const Tensor<T>* pb = b.defined() ? &b.value() : nullptr;
    const index_t rows = detail::check_linear_cross_entropy(x.value(), w.value(), pb, t), C = w.dim(1);
    Tensor<T> dz = Tensor<T>::empty(Shape{rows, C});
    Tensor<T> colsum = Tensor<T>::empty(Shape{C});
    Tensor<T> loss = Tensor<T>::empty(t.shape());
    detail::linear_cross_entropy_rows(x.value(), w.value(), pb ? pb->data() : nullptr, t, dz.data(), loss.data(),
                                      colsum.data(), true);
    return make_result<detail::LinearCrossEntropyNode<T>>(true, detail::reduce_terms(std::move(loss), r), x, w, b, t,
                                                          std::move(dz), std::move(colsum), r);
}

}  // namespace ink
