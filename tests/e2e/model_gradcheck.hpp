#pragma once
// Checks a whole model's backward against central differences, parameter by parameter, in double.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "ink/nn/module.hpp"

namespace ink::test {

// loss() builds the graph and returns a scalar. For every parameter, up to `per_param` elements
// (spread over the tensor) are perturbed by +-h and (L(p+h) - L(p-h)) / 2h is compared with grad().
inline void check_model_gradients(nn::Module<double>& model, const std::function<Var<double>()>& loss,
                                  index_t per_param = 6, double h = 1e-5, double tol = 1e-6) {
    model.zero_grad();
    loss().backward();
    for (auto& named : model.named_parameters()) {
        // Not a structured binding: doctest's macros capture `name` in a lambda, which clang 14 refuses.
        const std::string& name = named.first;
        Var<double>& p = named.second;
        REQUIRE_MESSAGE(p.grad().defined(), "no gradient reached ", name);
        const Tensor<double> g = p.grad().clone();
        const index_t n = p.numel(), stride = std::max<index_t>(1, n / per_param);
        for (index_t i = 0; i < n; i += stride) {
            double& v = p.value()[i];
            const double saved = v;
            v = saved + h;
            const double up = loss().item();
            v = saved - h;
            const double down = loss().item();
            v = saved;
            const double numeric = (up - down) / (2 * h);
            const double bound = tol * std::max(1.0, std::abs(numeric));
            if (!(std::abs(g[i] - numeric) <= bound)) {
                FAIL_CHECK("d loss / d " << name << "[" << i << "]: backward gives " << g[i]
                                         << ", central differences " << numeric);
                return;
            }
        }
    }
}

}  // namespace ink::test
