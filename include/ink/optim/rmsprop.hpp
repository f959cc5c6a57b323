#pragma once
// RMSprop (Hinton's lecture 6e) with Keras' defaults (lr 1e-3, rho 0.9, eps 1e-7):
//   g = grad + weight_decay * p
//   v = rho * v + (1 - rho) * g^2                     (v starts at 0)
//   p -= lr * g / (sqrt(v) + eps)
// eps outside the square root, as in Keras 2's original optimizer, Keras 3 and PyTorch (TensorFlow's
// fused kernel puts it inside: sqrt(v + eps); the difference only matters for gradients ~ sqrt(eps)).
#include <cmath>

#include "ink/optim/optimizer.hpp"
#include "ink/simd/vec.hpp"

namespace ink::optim {

struct RMSpropOptions {
    double lr = 1e-3;
    double rho = 0.9;
    double eps = 1e-7;
    double weight_decay = 0;
};

template <class T>
class RMSprop final : public Optimizer<T> {
public:
    RMSprop(NamedParameters<T> params, RMSpropOptions o = {})
        : Optimizer<T>(std::move(params), o.lr, {{"square_avg", true}}), o_(o) {
        this->check_lr(o.lr, "RMSprop: lr");
        detail::check_fraction("RMSprop: rho", o.rho);
        detail::check_positive("RMSprop: eps", o.eps);
        detail::check_non_negative("RMSprop: weight_decay", o.weight_decay);
    }
    RMSprop(const std::vector<Var<T>>& params, RMSpropOptions o = {}) : RMSprop(numbered(params), o) {}

    const char* name() const override { return "RMSprop"; }
    const RMSpropOptions& options() const { return o_; }

private:
    void update(std::size_t i, index_t n, T* p, const T* g) override {
        using V = simd::Vec<T>;
        T* v = this->slot(0, i);
        const V lr{T(this->lr())}, rho{T(o_.rho)}, c{T(1 - o_.rho)}, eps{T(o_.eps)}, wd{T(o_.weight_decay)};
        simd::for_chunks<T>(n, [&](index_t j, auto l) {
            const V pj = l.load(p + j), gj = fma(wd, pj, l.load(g + j));
            const V vj = fma(rho, l.load(v + j), c * gj * gj);
            l.store(v + j, vj);
            l.store(p + j, pj - lr * gj / (simd::sqrt(vj) + eps));
        });
    }

    RMSpropOptions o_;
};

}  // namespace ink::optim
