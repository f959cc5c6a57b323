#pragma once
// Sequential: a chain of layers, each a Module with `Var<T> operator()(const Var<T>&) const`.
// The layers are owned (on the heap, so a Sequential moves) and named "0", "1", ... as in PyTorch (checkpoint keys "0.weight", ...).
//
//   nn::Sequential<float> mlp;
//   mlp.emplace<nn::Linear<float>>(2, 16, rng);
//   mlp.emplace<nn::ReLU<float>>();
//   Var<float> y = mlp(x);
#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ink/nn/module.hpp"

namespace ink::nn {

template <class T>
class Sequential : public Module<T> {
public:
    Sequential() = default;

    // Builds a layer in place at the end of the chain; returns it.
    template <class M, class... Args>
        requires std::derived_from<M, Module<T>> && std::invocable<const M&, const Var<T>&>
    M& emplace(Args&&... args) {
        M& ref = this->adopt_module(std::to_string(layers_.size()), std::make_unique<M>(std::forward<Args>(args)...));
        calls_.push_back([&ref](const Var<T>& x) { return ref(x); });
        layers_.push_back(&ref);
        return ref;
    }

    Var<T> operator()(const Var<T>& x) const {
        Var<T> y = x;
        for (const auto& call : calls_) y = call(y);
        return y;
    }

    std::size_t size() const { return layers_.size(); }
    Module<T>& operator[](std::size_t i) const { return *layers_.at(i); }

private:
    std::vector<Module<T>*> layers_;  // owned by the registry, on the heap: a move keeps them
    std::vector<std::function<Var<T>(const Var<T>&)>> calls_;
};

}  // namespace ink::nn
