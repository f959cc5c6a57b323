#pragma once
// Losses: cross-entropy on logits with int32 targets, binary cross-entropy on logits, mean squared
// error, and the KL divergence of a diagonal Gaussian from N(0, I).
//
//   cross_entropy(z, t, opts):  z (..., C) logits, t (...) int32 in [0, C) or ignore_index -> (...) or ()
//       with label smoothing eps the target distribution is q = (1 - eps) onehot(t) + eps / C:
//       loss = -sum_c q_c log softmax(z)_c = logsumexp(z) - (1 - eps) z[t] - eps mean_c(z_c)
//       backward: gz = (softmax(z) - q) * gy. Rows whose target is ignore_index have loss 0 and gradient 0
//       and do not count in the mean (PyTorch's semantics).
//   binary_cross_entropy_with_logits(z, t, r):  z, t (same shape), t in [0, 1] -> (same) or ()
//       loss = softplus(z) - z t;  backward: gz = (sigmoid(z) - t) * gy
//   mse(a, b, r):  mean/sum/none of (a - b)^2
//   gaussian_kl(mu, logvar):  (..., D), (..., D) -> (...), -0.5 * sum(1 + logvar - mu^2 - exp(logvar), -1)
#include <algorithm>
#include <cstdint>
#include <utility>

#include "ink/kernels/softmax.hpp"
#include "ink/ops/activations.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/reductions.hpp"
#include "ink/ops/softmax.hpp"

namespace ink {

enum class Reduction { None, Mean, Sum };

struct CrossEntropyOptions {
    Reduction reduction = Reduction::Mean;
    std::int32_t ignore_index = -100;  // PyTorch's default; any value outside [0, C) may be chosen
    double label_smoothing = 0;        // eps in [0, 1]
};

namespace detail {

// The forward reduction of per-term losses; the mean divides by `count` terms (ignored ones excluded).
template <class T>
Tensor<T> reduce_terms(Tensor<T> terms, Reduction r, index_t count) {
    if (r == Reduction::None) return terms;
    const T s = kernels::sum(terms.numel(), terms.data());
    return Tensor<T>::scalar(r == Reduction::Sum ? s : s / T(std::max<index_t>(count, 1)));
}
template <class T>
Tensor<T> reduce_terms(Tensor<T> terms, Reduction r) {
    const index_t n = terms.numel();
    return reduce_terms(std::move(terms), r, n);
}
// The upstream gradient of loss term i (of n), from gy of the reduced loss.
template <class T>
T term_grad(const T* gy, Reduction r, index_t i, index_t n) {
    return r == Reduction::None ? gy[i] : r == Reduction::Sum ? gy[0] : gy[0] / T(n);
}
// The same in ops: gy broadcast to the terms' shape (the mean over `count` terms).
template <class T>
Var<T> term_grads(const Var<T>& gy, Reduction r, const Shape& terms, index_t count) {
    if (r == Reduction::None) return gy;
    const Var<T> g = r == Reduction::Sum ? gy : gy * (T(1) / T(std::max<index_t>(count, 1)));
    return broadcast_to(g, terms);
}
template <class T>
Var<T> term_grads(const Var<T>& gy, Reduction r, const Shape& terms) {
    return term_grads(gy, r, terms, terms.numel());
}

// Inputs: the logits. Saves the targets and, computed in the forward pass by the fused kernel,
// softmax(z) - q (rows, C) for the fast backward.
template <class T>
class CrossEntropyNode final : public OpNode<T, 1> {
public:
    CrossEntropyNode(Tensor<T> y, Var<T> z, Tensor<std::int32_t> t, Tensor<T> dz, CrossEntropyOptions o, index_t count)
        : OpNode<T, 1>(std::move(y), {std::move(z)}), t_(std::move(t)), dz_(std::move(dz)), o_(o), count_(count) {}
    NodeKind kind() const override { return NodeKind::cross_entropy; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Var<T>& z = this->in_[0];
        const index_t C = z.dim(-1), rows = t_.numel();
        if (grad_enabled()) {
            const T eps = T(o_.label_smoothing);
            Tensor<T> q(Shape{rows, C}), kept(Shape{rows, 1});
            for (index_t i = 0; i < rows; ++i) {
                if (t_[i] == o_.ignore_index) continue;
                for (index_t c = 0; c < C; ++c) q[i * C + c] = eps / T(C);
                q[i * C + t_[i]] += T(1) - eps;
                kept[i] = T(1);
            }
            const Var<T> g = reshape(term_grads(gy, o_.reduction, t_.shape(), count_), {rows, 1}) * Var<T>(kept);
            gx[0] = reshape((reshape(softmax(z), {rows, C}) - Var<T>(q)) * g, z.shape());
            return;
        }
        Tensor<T> g = Tensor<T>::empty(z.shape());
        const T* pg = gy.value().data();
        for (index_t i = 0; i < rows; ++i)
            kernels::scale(C, term_grad(pg, o_.reduction, i, count_), dz_.data() + i * C, g.data() + i * C);
        gx[0] = Var<T>(std::move(g));
    }

private:
    void release_saved() override {
        t_ = Tensor<std::int32_t>();
        dz_ = Tensor<T>();
    }
    Tensor<std::int32_t> t_;
    Tensor<T> dz_;
    CrossEntropyOptions o_;
    index_t count_;  // rows not ignored
};

// Inputs: the logits. Saves the targets.
template <class T>
class BceWithLogitsNode final : public OpNode<T, 1> {
public:
    BceWithLogitsNode(Tensor<T> y, Var<T> z, Tensor<T> t, Reduction r)
        : OpNode<T, 1>(std::move(y), {std::move(z)}), t_(std::move(t)), r_(r) {}
    NodeKind kind() const override { return NodeKind::binary_cross_entropy_with_logits; }
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

// The per-row losses of logits z (..., C) and the number of rows not ignored; when `dz` is given,
// softmax(z) - q into it (zero rows for ignored targets).
template <class T>
std::pair<Tensor<T>, index_t> cross_entropy_terms(const Tensor<T>& z, const Tensor<std::int32_t>& t,
                                                  const CrossEntropyOptions& o, T* dz = nullptr) {
    const bool match = z.rank() >= 1 && t.rank() == z.rank() - 1 && std::equal(t.shape().begin(), t.shape().end(), z.shape().begin());
    INK_CHECK(match, "cross_entropy: shapes ", z.shape().str(), " and ", t.shape().str(),
              " do not match: expected logits (..., C) and targets (...)");
    INK_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, "cross_entropy: label_smoothing ", o.label_smoothing,
              " is outside [0, 1]");
    const index_t C = z.dim(-1);
    index_t count = 0;
    for (index_t i = 0; i < t.numel(); ++i) {
        if (t[i] == o.ignore_index) continue;
        INK_CHECK(t[i] >= 0 && t[i] < C, "cross_entropy: target ", t[i], " at position ", i, " is outside [0, ", C,
                  ") for logits of shape ", z.shape().str(), " (and is not ignore_index ", o.ignore_index, ")");
        ++count;
    }
    Tensor<T> loss = Tensor<T>::empty(t.shape());
    kernels::log_softmax_nll(t.numel(), C, z.data(), t.data(), loss.data(), dz, T(1), o.ignore_index);
    if (o.label_smoothing > 0) {  // loss += eps (z[t] - mean(z)), dz += eps (onehot - 1 / C)
        const T eps = T(o.label_smoothing);
        for (index_t i = 0; i < t.numel(); ++i) {
            if (t[i] == o.ignore_index) continue;
            const T* zr = z.data() + i * C;
            loss[i] += eps * (zr[t[i]] - kernels::sum(C, zr) / T(C));
            if (!dz) continue;
            kernels::add_scalar(C, dz + i * C, -eps / T(C), dz + i * C);
            dz[i * C + t[i]] += eps;
        }
    }
    return {std::move(loss), count};
}

template <class T>
Tensor<T> cross_entropy(const Tensor<T>& z, const Tensor<std::int32_t>& t, CrossEntropyOptions o) {
    auto [terms, count] = cross_entropy_terms(z, t, o);
    return detail::reduce_terms(std::move(terms), o.reduction, count);
}
template <class T>
Tensor<T> cross_entropy(const Tensor<T>& z, const Tensor<std::int32_t>& t, Reduction r = Reduction::Mean) {
    return cross_entropy(z, t, CrossEntropyOptions{.reduction = r});
}

template <class T>
Var<T> cross_entropy(const Var<T>& z, const Tensor<std::int32_t>& t, CrossEntropyOptions o) {
    if (!recording(z)) return Var<T>(cross_entropy(z.value(), t, o));
    Tensor<T> dz = Tensor<T>::empty(z.shape());
    auto [terms, count] = cross_entropy_terms(z.value(), t, o, dz.data());
    Tensor<T> y = detail::reduce_terms(std::move(terms), o.reduction, count);
    return make_result<detail::CrossEntropyNode<T>>(true, std::move(y), z, t, std::move(dz), o, count);
}
template <class T>
Var<T> cross_entropy(const Var<T>& z, const Tensor<std::int32_t>& t, Reduction r = Reduction::Mean) {
    return cross_entropy(z, t, CrossEntropyOptions{.reduction = r});
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
