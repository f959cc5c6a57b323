#pragma once
// Shared by the ops tests: random Var<double> inputs and doctest wrappers around ink::testing's checks.
#include <doctest/doctest.h>

#include "ink/ops.hpp"
#include "ink/testing.hpp"

namespace ink::test {

// A Var<double> of the given shape with values uniform in [lo, hi), from a fixed seed.
inline Var<double> random_var(const Shape& s, std::uint64_t seed, double lo = -1, double hi = 1) {
    Rng rng(seed);
    return Var<double>(Tensor<double>::uniform(s, rng, lo, hi), true);
}

inline void check_grad(const testing::Function& f, const std::vector<Var<double>>& inputs) {
    const auto r = testing::gradcheck(f, inputs);
    INFO(r.message);
    CHECK(r.ok);
}

inline void check_gradgrad(const testing::Function& f, const std::vector<Var<double>>& inputs) {
    check_grad(f, inputs);
    const auto r = testing::gradgradcheck(f, inputs);
    INFO(r.message);
    CHECK(r.ok);
}

}  // namespace ink::test
