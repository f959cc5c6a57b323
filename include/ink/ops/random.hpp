#pragma once
// The reparameterised normal sample of a VAE.
//
//   normal_sample(mu, logvar, rng):  mu, logvar (...) -> z (...) = mu + exp(logvar / 2) * eps,
//   eps ~ N(0, I) drawn from rng (a constant of the graph: gradients flow to mu and logvar).
#include "ink/core/rng.hpp"
#include "ink/ops/arithmetic.hpp"

namespace ink {

template <class T>
Var<T> normal_sample(const Var<T>& mu, const Var<T>& logvar, Rng& rng) {
    INK_CHECK(mu.shape() == logvar.shape(), "normal_sample: shapes ", mu.shape().str(), " and ",
              logvar.shape().str(), " do not match: expected mu and logvar of the same shape");
    return mu + exp(logvar * T(0.5)) * Var<T>(Tensor<T>::normal(mu.shape(), rng, T(0), T(1)));
}

}  // namespace ink
