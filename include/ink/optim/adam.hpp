#pragma once
// Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter), with PyTorch's formula. At step t:
//   g = grad + weight_decay * p                        (Adam: L2 penalty in the gradient)
//   p = p * (1 - lr * weight_decay)                    (AdamW instead: decoupled decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// Keras puts eps elsewhere: p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps), i.e.
// Keras' eps equals PyTorch's eps times sqrt(1 - beta2^t). Both agree once v >> eps^2; they differ only
// for parameters whose gradients are ~eps. Defaults: eps 1e-8 (PyTorch); pass 1e-7 for Keras' models.
#include <cmath>

#include "ink/optim/optimizer.hpp"
#include "ink/simd/vec.hpp"

namespace ink::optim {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0;  // Adam: L2 in the gradient; AdamW: decoupled (default 1e-2 there)
};

template <class T>
class Adam : public Optimizer<T> {
public:
    Adam(NamedParameters<T> params, AdamOptions o = {}) : Adam(std::move(params), o, false) {}
    Adam(const std::vector<Var<T>>& params, AdamOptions o = {}) : Adam(numbered(params), o, false) {}

    const char* name() const override { return decoupled_ ? "AdamW" : "Adam"; }
    const AdamOptions& options() const { return o_; }

protected:
    Adam(NamedParameters<T> params, AdamOptions o, bool decoupled)
        : Optimizer<T>(std::move(params), o.lr, {{"exp_avg"}, {"exp_avg_sq", true}}), o_(o), decoupled_(decoupled) {
        const std::string who = name();
        this->check_lr(o.lr, who + ": lr");
        detail::check_fraction(who + ": beta1", o.beta1);
        detail::check_fraction(who + ": beta2", o.beta2);
        detail::check_positive(who + ": eps", o.eps);
        detail::check_non_negative(who + ": weight_decay", o.weight_decay);
    }

private:
    void begin_step() override {
        const double t = static_cast<double>(this->steps());
        step_size_ = this->lr() / (1 - std::pow(o_.beta1, t));
        inv_sqrt_bc2_ = 1 / std::sqrt(1 - std::pow(o_.beta2, t));
    }

    void update(std::size_t i, index_t n, T* p, const T* g) override {
        using V = simd::Vec<T>;
        T* m = this->slot(0, i);
        T* v = this->slot(1, i);
        const V b1{T(o_.beta1)}, b2{T(o_.beta2)}, c1{T(1 - o_.beta1)}, c2{T(1 - o_.beta2)}, eps{T(o_.eps)};
        const V step{T(step_size_)}, inv_sqrt_bc2{T(inv_sqrt_bc2_)};
        // L2 coefficient in the gradient (Adam) and the decay factor of p (AdamW): one is neutral.
        const V l2{decoupled_ ? T(0) : T(o_.weight_decay)};
        const V keep{decoupled_ ? T(1 - this->lr() * o_.weight_decay) : T(1)};
        simd::for_chunks<T>(n, [&](index_t j, auto l) {
            const V pj = l.load(p + j), gj = fma(l2, pj, l.load(g + j));
            const V mj = fma(b1, l.load(m + j), c1 * gj);
            const V vj = fma(b2, l.load(v + j), c2 * gj * gj);
            l.store(m + j, mj);
            l.store(v + j, vj);
            l.store(p + j, keep * pj - step * mj / fma(simd::sqrt(vj), inv_sqrt_bc2, eps));
        });
    }

    AdamOptions o_;
    bool decoupled_;
    double step_size_ = 0, inv_sqrt_bc2_ = 0;
};

// AdamW: Adam with decoupled weight decay, default weight_decay 1e-2 as in PyTorch.
template <class T>
class AdamW final : public Adam<T> {
public:
    static AdamOptions defaults() {
        AdamOptions o;
        o.weight_decay = 1e-2;
        return o;
    }
    AdamW(NamedParameters<T> params, AdamOptions o = defaults()) : Adam<T>(std::move(params), o, true) {}
    AdamW(const std::vector<Var<T>>& params, AdamOptions o = defaults()) : Adam<T>(numbered(params), o, true) {}
};

}  // namespace ink::optim
