#pragma once
// Losses: cross-entropy on logits with int32 targets, binary cross-entropy on logits, mean squared
// error, and the KL divergence of a diagonal Gaussian from N(0, I).
//
//   cross_entropy(z, t, r):  z (..., C) logits, t (...) int32 in [0, C) -> (...) or () per r
//       loss = logsumexp(z) - z[t];  backward: gz = (softmax(z) - onehot(t)) * gy
//   binary_cross_entropy_with_logits(z, t, r):  z, t (same shape), t in [0, 1] -> (same) or ()
//       loss = softplus(z) - z t;  backward: gz = (sigmoid(z) - t) * gy
//   mse(a, b, r):  mean/sum/none of (a - b)^2
//   gaussian_kl(mu, logvar):  (..., D), (..., D) -> (...), -0.5 * sum(1 + logvar - mu^2 - exp(logvar), -1)
#include <algorithm>
#include <cstdint>

#include "ink/kernels/softmax.hpp"
#include "ink/ops/activations.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/reductions.hpp"
#include "ink/ops/softmax.hpp"

namespace ink {

enum class Reduction { None, Mean, Sum };

namespace detail {

// The forward reduction of per-term losses.
template <class T>
Tensor<T> reduce_terms(Tensor<T> terms, Reduction r) {
    if (r == Reduction::None) return terms;
    const T s = kernels::sum(terms.numel(), terms.data());
    return Tensor<T>::scalar(r == Reduction::Sum ? s : s / T(std::max<index_t>(terms.numel(), 1)));
}
// The upstream gradient of loss term i (of n), from gy of the reduced loss.
template <class T>
T term_grad(const T* gy, Reduction r, index_t i, index_t n) {
    return r == Reduction::None ? gy[i] : r == Reduction::Sum ? gy[0] : gy[0] / T(n);
}
// The same in ops: gy broadcast to the terms' shape.
template <class T>
Var<T> term_grads(const Var<T>& gy, Reduction r, const Shape& terms) {
    if (r == Reduction::None) return gy;
    const Var<T> g = r == Reduction::Sum ? gy : gy * (T(1) / T(std::max<index_t>(terms.numel(), 1)));
    return broadcast_to(g, terms);
}

// Inputs: the logits. Saves the targets and, computed in the forward pass by the fused kernel,
// softmax(z) - onehot(t) for the fast backward.
template <class T>
class CrossEntropyNode final : public OpNode<T, 1> {
public:
    CrossEntropyNode(Tensor<T> y, Var<T> z, Tensor<std::int32_t> t, Tensor<T> dz, Reduction r)
        : OpNode<T, 1>(std::move(y), {std::move(z)}), t_(std::move(t)), dz_(std::move(dz)), r_(r) {}
    const char* name() const override { return "cross_entropy"; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Var<T>& z = this->in_[0];
        const index_t C = z.dim(-1), rows = t_.numel();
        if (grad_enabled()) {
            Tensor<T> onehot(Shape{rows, C});
            for (index_t i = 0; i < rows; ++i) onehot[i * C + t_[i]] = T(1);
            const Var<T> g = reshape(term_grads(gy, r_, t_.shape()), {rows, 1});
            gx[0] = reshape((reshape(softmax(z), {rows, C}) - Var<T>(onehot)) * g, z.shape());
            return;
        }
        Tensor<T> g = Tensor<T>::empty(z.shape());
        const T* pg = gy.value().data();
        for (index_t i = 0; i < rows; ++i)
            kernels::scale(C, term_grad(pg, r_, i, rows), dz_.data() + i * C, g.data() + i * C);
        gx[0] = Var<T>(std::move(g));
    }

private:
    void release_saved() override {
        t_ = Tensor<std::int32_t>();
        dz_ = Tensor<T>();
    }
    Tensor<std::int32_t> t_;
    Tensor<T> dz_;
    Reduction r_;
};

// Inputs: the logits. Saves the targets.
template <class T>
class BceWithLogitsNode final : public OpNode<T, 1> {
public:
    BceWithLogitsNode(Tensor<T> y, Var<T> z, Tensor<T> t, Reduction r)
        : OpNode<T, 1>(std::move(y), {std::move(z)}), t_(std::move(t)), r_(r) {}
    const char* name() const override { return "binary_cross_entropy_with_logits"; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Var<T>& z = this->in_[0];
        if (grad_enabled()) {
            gx[0] = (sigmoid(z) - Var<T>(t_)) * term_grads(gy, r_, z.shape());
            return;
        }
        Tensor<T> g = Tensor<T>::empty(z.shape());
        const T* pz = z.value().data();
        const T* pt = t_.data();
        const T* pg = gy.value().data();
        kernels::sigmoid(g.numel(), pz, g.data());
        for (index_t i = 0, n = g.numel(); i < n; ++i) g[i] = (g[i] - pt[i]) * term_grad(pg, r_, i, n);
        gx[0] = Var<T>(std::move(g));
    }

private:
    void release_saved() override { t_ = Tensor<T>(); }
    Tensor<T> t_;
    Reduction r_;
};

}  // namespace detail

// The per-row losses (and, when `dz` is given, softmax(z) - onehot(t) into it) of logits z (..., C).
template <class T>
Tensor<T> cross_entropy_terms(const Tensor<T>& z, const Tensor<std::int32_t>& t, T* dz = nullptr) {
    const bool match = z.rank() >= 1 && t.rank() == z.rank() - 1 && std::equal(t.shape().begin(), t.shape().end(), z.shape().begin());
    INK_CHECK(match, "cross_entropy: shapes ", z.shape().str(), " and ", t.shape().str(),
              " do not match: expected logits (..., C) and targets (...)");
    const index_t C = z.dim(-1);
    for (index_t i = 0; i < t.numel(); ++i)
        INK_CHECK(t[i] >= 0 && t[i] < C, "cross_entropy: target ", t[i], " at position ", i, " is outside [0, ", C,
                  ") for logits of shape ", z.shape().str());
    Tensor<T> loss = Tensor<T>::empty(t.shape());
    kernels::log_softmax_nll(t.numel(), C, z.data(), t.data(), loss.data(), dz, T(1));
    return loss;
}

template <class T>
Tensor<T> cross_entropy(const Tensor<T>& z, const Tensor<std::int32_t>& t, Reduction r = Reduction::Mean) {
    return detail::reduce_terms(cross_entropy_terms(z, t), r);
}

template <class T>
Var<T> cross_entropy(const Var<T>& z, const Tensor<std::int32_t>& t, Reduction r = Reduction::Mean) {
    if (!recording(z)) return Var<T>(cross_entropy(z.value(), t, r));
    Tensor<T> dz = Tensor<T>::empty(z.shape());
    Tensor<T> y = detail::reduce_terms(cross_entropy_terms(z.value(), t, dz.data()), r);
    return make_result<detail::CrossEntropyNode<T>>(true, std::move(y), z, t, std::move(dz), r);
}

template <class T>
Tensor<T> binary_cross_entropy_with_logits(const Tensor<T>& z, const Tensor<T>& t, Reduction r = Reduction::Mean) {
    INK_CHECK(z.shape() == t.shape(), "binary_cross_entropy_with_logits: shapes ", z.shape().str(), " and ",
              t.shape().str(), " do not match: expected logits and targets of the same shape");
    Tensor<T> terms = softplus(z);
    for (index_t i = 0, n = terms.numel(); i < n; ++i) terms[i] -= z[i] * t[i];
    return detail::reduce_terms(std::move(terms), r);
}

template <class T>
Var<T> binary_cross_entropy_with_logits(const Var<T>& z, const Tensor<T>& t, Reduction r = Reduction::Mean) {
    return make_result<detail::BceWithLogitsNode<T>>(recording(z), binary_cross_entropy_with_logits(z.value(), t, r),
                                                     z, t, r);
}

// A loss reduction in ops.
template <class T>
Var<T> reduce(const Var<T>& terms, Reduction r) {
    return r == Reduction::None ? terms : r == Reduction::Sum ? sum(terms) : mean(terms);
}

// Targets as a Var: the fused op when they are constants, else (rarely) the composite
// softplus(z) - z t, so that gradients reach the targets too.
template <class T>
Var<T> binary_cross_entropy_with_logits(const Var<T>& z, const Var<T>& t, Reduction r = Reduction::Mean) {
    if (!recording(t)) return binary_cross_entropy_with_logits(z, t.value(), r);
    INK_CHECK(z.shape() == t.shape(), "binary_cross_entropy_with_logits: shapes ", z.shape().str(), " and ",
              t.shape().str(), " do not match: expected logits and targets of the same shape");
    return reduce(softplus(z) - z * t, r);
}

template <class T>
Var<T> mse(const Var<T>& a, const Var<T>& b, Reduction r = Reduction::Mean) {
    INK_CHECK(a.shape() == b.shape(), "mse: shapes ", a.shape().str(), " and ", b.shape().str(),
              " do not match: expected equal shapes");
    return reduce(square(a - b), r);
}

// KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over the last dimension: (..., D) -> (...).
template <class T>
Var<T> gaussian_kl(const Var<T>& mu, const Var<T>& logvar) {
    INK_CHECK(mu.shape() == logvar.shape() && mu.rank() >= 1, "gaussian_kl: shapes ", mu.shape().str(), " and ",
              logvar.shape().str(), " do not match: expected mu and logvar of the same shape (..., D)");
    return sum(logvar + T(1) - square(mu) - exp(logvar), -1) * T(-0.5);
}

}  // namespace ink
