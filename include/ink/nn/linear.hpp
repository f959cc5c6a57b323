#pragma once
// Linear (Keras' Dense without activation): y = x W + b over the last dimension.
//   x (..., in) -> y (..., out); weight (in, out) as in Keras, bias (out).
// Default init as Keras: weight glorot_uniform (fan_in = in, fan_out = out), bias zeros.
#include "ink/nn/init.hpp"
#include "ink/nn/module.hpp"
#include "ink/ops/matmul.hpp"

namespace ink::nn {

template <class T>
class Linear : public Module<T> {
public:
    Var<T> weight, bias;  // bias is undefined when o.bias is false

    Linear(index_t in, index_t out, Rng& rng, ParameterOptions o = {}) : in_(in), out_(out) {
        INK_CHECK(in > 0 && out > 0, "Linear: expected positive sizes, got ", in, " -> ", out);
        weight = this->register_parameter("weight", o.weight_init.make<T>(Shape{in, out}, in, out, rng));
        if (o.bias) bias = this->register_parameter("bias", o.bias_init.make<T>(Shape{out}, in, out, rng));
    }

    Var<T> operator()(const Var<T>& x) const { return linear(x, weight, bias); }

    index_t in_features() const { return in_; }
    index_t out_features() const { return out_; }

private:
    index_t in_, out_;
};

}  // namespace ink::nn
