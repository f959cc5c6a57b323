#pragma once
// The reparameterised normal sample of a VAE.
//
//   normal_sample(mu, logvar, rng):  mu, logvar (...) -> z (...) = mu + exp(logvar / 2) * eps,
//   eps ~ N(0, I) drawn from rng (a constant of the graph: gradients flow to mu and logvar).
//   normal_sample(mu, logvar, eps):  the same with eps given (drawn by the caller, e.g. for a whole
//   global batch of which this rank takes its rows).
#include "ink/core/rng.hpp"
#include "ink/ops/arithmetic.hpp"

namespace ink {

template <class T>
Var<T> normal_sample(const Var<T>& mu, const Var<T>& logvar, const Tensor<T>& eps) {
    INK_CHECK(mu.shape() == logvar.shape() && mu.shape() == eps.shape(), "normal_sample: shapes ", mu.shape().str(), ", ",
              logvar.shape().str(), " and ", eps.shape().str(), " do not match: expected mu, logvar and eps of one shape");
    return mu + exp(logvar * T(0.5)) * Var<T>(eps);
}

template <class T>
Var<T> normal_sample(const Var<T>& mu, const Var<T>& logvar, Rng& rng) {
    INK_CHECK(mu.shape() == logvar.shape(), "normal_sample: shapes ", mu.shape().str(), " and ",
              logvar.shape().str(), " do not match: expected mu and logvar of the same shape");
    return normal_sample(mu, logvar, Tensor<T>::normal(mu.shape(), rng, T(0), T(1)));
}

}  // namespace ink
