#pragma once
// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay,
// as PyTorch's torch.optim.SGD without dampening:
//   g = grad + weight_decay * p
//   b = momentum * b + g                      (b starts at 0, so the first step has b = g)
//   p -= lr * (nesterov ? g + momentum * b : b)       (p -= lr * g when momentum is 0)
#include "ink/optim/optimizer.hpp"
#include "ink/simd/vec.hpp"

namespace ink::optim {

struct SGDOptions {
    double lr = 0.01;
    double momentum = 0;
    bool nesterov = false;
    double weight_decay = 0;
};

template <class T>
class SGD final : public Optimizer<T> {
public:
    SGD(NamedParameters<T> params, SGDOptions o = {})
        : Optimizer<T>(std::move(params), o.lr, o.momentum != 0 ? std::vector<Slot>{{"momentum_buffer"}}
                                                                 : std::vector<Slot>{}),
          o_(o) {
        this->check_lr(o.lr, "SGD: lr");
        detail::check_fraction("SGD: momentum", o.momentum);
        detail::check_non_negative("SGD: weight_decay", o.weight_decay);
        INK_CHECK(!o.nesterov || o.momentum > 0, "SGD: Nesterov momentum needs momentum > 0");
    }
    SGD(const std::vector<Var<T>>& params, SGDOptions o = {}) : SGD(numbered(params), o) {}

    const char* name() const override { return "SGD"; }
    const SGDOptions& options() const { return o_; }

private:
    void update(std::size_t i, index_t n, T* p, const T* g) override {
        using V = simd::Vec<T>;
        const V lr{T(this->lr())}, mu{T(o_.momentum)}, wd{T(o_.weight_decay)};
        if (o_.momentum == 0) {
            simd::for_chunks<T>(n, [&](index_t j, auto l) {
                const V pj = l.load(p + j);
                l.store(p + j, pj - lr * fma(wd, pj, l.load(g + j)));
            });
            return;
        }
        T* b = this->slot(0, i);
        const bool nesterov = o_.nesterov;
        simd::for_chunks<T>(n, [&](index_t j, auto l) {
            const V pj = l.load(p + j), gj = fma(wd, pj, l.load(g + j));
            const V bj = fma(mu, l.load(b + j), gj);
            l.store(b + j, bj);
            l.store(p + j, pj - lr * (nesterov ? fma(mu, bj, gj) : bj));
        });
    }

    SGDOptions o_;
};

}  // namespace ink::optim
