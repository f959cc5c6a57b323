#pragma once
// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay,
// as PyTorch's torch.optim.SGD without dampening:
//   g = grad + weight_decay * p
//   b = momentum * b + g                      (b starts at 0, so the first step has b = g)
//   p -= lr * (nesterov ? g + momentum * b : b)       (p -= lr * g when momentum is 0)
#include "ink/optim/optimizer.hpp"

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
        : Optimizer<T>(std::move(params), o.lr, o.momentum != 0 ? std::vector<std::string>{"momentum_buffer"}
                                                                 : std::vector<std::string>{}),
          o_(o) {
        INK_CHECK(!o.nesterov || o.momentum > 0, "SGD: Nesterov momentum needs momentum > 0");
    }
    SGD(const std::vector<Var<T>>& params, SGDOptions o = {}) : SGD(numbered(params), o) {}

    const char* name() const override { return "SGD"; }
    const SGDOptions& options() const { return o_; }

private:
    void update(std::size_t i, index_t n, T* __restrict p, const T* __restrict g) override {
        const T lr = T(this->lr()), mu = T(o_.momentum), wd = T(o_.weight_decay);
        if (o_.momentum == 0) {
            for (index_t j = 0; j < n; ++j) p[j] -= lr * (g[j] + wd * p[j]);
            return;
        }
        T* __restrict b = this->slot(0, i);
        const T nesterov = o_.nesterov ? T(1) : T(0);
        for (index_t j = 0; j < n; ++j) {
            const T gj = g[j] + wd * p[j];
            b[j] = mu * b[j] + gj;
            p[j] -= lr * (nesterov * (gj + mu * b[j]) + (T(1) - nesterov) * b[j]);
        }
    }

    SGDOptions o_;
};

}  // namespace ink::optim
