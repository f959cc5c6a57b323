#pragma once
// Activation layers (no parameters), for Sequential: ReLU, Sigmoid, Tanh, LeakyReLU.
#include "ink/nn/module.hpp"
#include "ink/ops/activations.hpp"

namespace ink::nn {

template <class T>
struct ReLU : Module<T> {
    Var<T> operator()(const Var<T>& x) const { return relu(x); }
};

template <class T>
struct Sigmoid : Module<T> {
    Var<T> operator()(const Var<T>& x) const { return sigmoid(x); }
};

template <class T>
struct Tanh : Module<T> {
    Var<T> operator()(const Var<T>& x) const { return tanh(x); }
};

// y = x for x > 0, slope * x otherwise. Default slope 0.01 as PyTorch (Keras' LeakyReLU uses 0.3).
template <class T>
struct LeakyReLU : Module<T> {
    explicit LeakyReLU(T s = T(0.01)) : slope(s) {}
    Var<T> operator()(const Var<T>& x) const { return leaky_relu(x, slope); }
    T slope;
};

}  // namespace ink::nn
