#pragma once
// Weight initialisers, all drawn from an ink::Rng so that a model is reproducible from its seed.
//
// Init is a small value type so that layer options can carry one:
//   Init::glorot_uniform()    U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Keras' default for Dense/Conv)
//   Init::uniform(a)          U(-a, a) (Keras' Embedding default is a = 0.05)
//   Init::normal(mean, std)   N(mean, std^2)
//   Init::zeros()
// Fans: a Linear weight (in, out) has fan_in = in, fan_out = out; a conv1d weight (K, Cin, Cout) has
// fan_in = K * Cin, fan_out = K * Cout (the receptive field times the channels, as Keras counts them).
#include <cmath>

#include "ink/core/error.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/tensor.hpp"

namespace ink::nn {

class Init {
public:
    enum class Kind { GlorotUniform, Uniform, Normal, Zeros };

    static Init glorot_uniform() { return Init(Kind::GlorotUniform, 0, 0); }
    static Init uniform(double limit) {
        INK_CHECK(limit >= 0, "Init::uniform: expected a non-negative limit, got ", limit);
        return Init(Kind::Uniform, limit, 0);
    }
    static Init normal(double mean, double stddev) {
        INK_CHECK(stddev >= 0, "Init::normal: expected a non-negative stddev, got ", stddev);
        return Init(Kind::Normal, mean, stddev);
    }
    static Init zeros() { return Init(Kind::Zeros, 0, 0); }

    Kind kind() const { return kind_; }

    // Fills t; fan_in and fan_out are used by glorot_uniform only.
    template <class T>
    void operator()(Tensor<T>& t, index_t fan_in, index_t fan_out, Rng& rng) const {
        switch (kind_) {
            case Kind::GlorotUniform: {
                INK_CHECK(fan_in + fan_out > 0, "Init::glorot_uniform: fan_in + fan_out is 0 for shape ",
                          t.shape().str());
                const T limit = T(std::sqrt(6.0 / double(fan_in + fan_out)));
                rng.fill_uniform(t.data(), t.numel(), -limit, limit);
                break;
            }
            case Kind::Uniform: rng.fill_uniform(t.data(), t.numel(), T(-a_), T(a_)); break;
            case Kind::Normal: rng.fill_normal(t.data(), t.numel(), T(a_), T(b_)); break;
            case Kind::Zeros: t.fill(T(0)); break;
        }
    }

    // A new tensor of `shape` filled by this initialiser.
    template <class T>
    Tensor<T> make(const Shape& shape, index_t fan_in, index_t fan_out, Rng& rng) const {
        Tensor<T> t = Tensor<T>::empty(shape);
        (*this)(t, fan_in, fan_out, rng);
        return t;
    }

private:
    Init(Kind k, double a, double b) : kind_(k), a_(a), b_(b) {}

    Kind kind_;
    double a_, b_;  // uniform: limit; normal: mean, stddev
};

// How a layer with a weight and an optional bias (nn::Linear, nn::Conv1d) makes its parameters.
struct ParameterOptions {
    bool bias = true;
    Init weight_init = Init::glorot_uniform();
    Init bias_init = Init::zeros();
};

}  // namespace ink::nn
