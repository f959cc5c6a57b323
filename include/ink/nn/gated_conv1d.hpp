#pragma once
// GatedConv1d: the GCNN block of the poem VAE (Dauphin et al.'s gated linear unit over a conv1d).
//   x (B, L, C) -> h = conv1d(x) (B, L, 2C), kernel 3, 'same' padding, no bias
//               -> y = h[..., :C] * sigmoid(h[..., C:])  (+ x when residual)    y (B, L, C)
// Its one parameter is "conv.weight" (K, C, 2C), so a block named "gcnn1" in an encoder saves as
// "encoder.gcnn1.conv.weight".
#include "ink/nn/conv1d.hpp"
#include "ink/ops/activations.hpp"

namespace ink::nn {

struct GatedConv1dOptions {
    index_t kernel = 3;
    bool residual = true;
    index_t dilation = 1;
    Init weight_init = Init::glorot_uniform();
};

template <class T>
class GatedConv1d : public Module<T> {
public:
    Conv1d<T> conv;

    GatedConv1d(index_t channels, Rng& rng, GatedConv1dOptions o = {})
        : conv(channels, 2 * channels, o.kernel, rng,
               {.padding = Padding::Same, .dilation = o.dilation},
               {.bias = false, .weight_init = o.weight_init}),
          residual_(o.residual) {
        this->register_module("conv", conv);
    }

    Var<T> operator()(const Var<T>& x) const {
        const Var<T> y = glu(conv(x));
        return residual_ ? y + x : y;
    }

    bool residual() const { return residual_; }

private:
    bool residual_;
};

}  // namespace ink::nn
