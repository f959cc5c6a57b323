#pragma once
// Conv1d on NLC sequences (Keras' Conv1D layout):
//   x (B, L, Cin) -> y (B, Lout, Cout); weight (K, Cin, Cout), bias (Cout).
// Padding 'valid' (default, as Keras), 'same' (Lout = ceil(L / stride)) or explicit; stride and dilation.
// Default init as Keras: weight glorot_uniform with fan_in = K * Cin, fan_out = K * Cout; bias zeros.
#include "ink/nn/init.hpp"
#include "ink/nn/module.hpp"
#include "ink/ops/conv1d.hpp"

namespace ink::nn {

template <class T>
class Conv1d : public Module<T> {
public:
    Var<T> weight, bias;  // bias is undefined when o.bias is false

    // `conv` sets the convolution (padding, stride, dilation), `o` the parameters (bias, inits).
    Conv1d(index_t in_channels, index_t out_channels, index_t kernel, Rng& rng, Conv1dOptions conv = {},
           ParameterOptions o = {})
        : opts_(conv) {
        INK_CHECK(in_channels > 0 && out_channels > 0 && kernel > 0, "Conv1d: expected positive sizes, got ",
                  in_channels, " -> ", out_channels, " channels, kernel ", kernel);
        weight = this->register_parameter(
            "weight", o.weight_init.make<T>(Shape{kernel, in_channels, out_channels}, kernel * in_channels,
                                            kernel * out_channels, rng));
        if (o.bias)
            bias = this->register_parameter("bias", o.bias_init.make<T>(Shape{out_channels}, kernel * in_channels,
                                                                        kernel * out_channels, rng));
    }

    Var<T> operator()(const Var<T>& x) const { return conv1d(x, weight, bias, opts_); }

    index_t kernel_size() const { return weight.dim(0); }
    index_t in_channels() const { return weight.dim(1); }
    index_t out_channels() const { return weight.dim(2); }

private:
    Conv1dOptions opts_;
};

}  // namespace ink::nn
