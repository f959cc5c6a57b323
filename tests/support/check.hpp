#pragma once
// Helpers shared by ink's tests: random inputs and element-wise comparison with a useful message.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/core/shape.hpp"

namespace ink::test {

// n values uniform in [-1, 1), from a fixed seed so that failures reproduce.
template <class T>
std::vector<T> random_vector(index_t n, std::uint64_t seed, T lo = T(-1), T hi = T(1)) {
    std::vector<T> v(static_cast<std::size_t>(n));
    Rng rng(seed);
    rng.fill_uniform(v.data(), n, lo, hi);
    return v;
}

// Relative tolerance that suits a sum of `terms` products in precision T.
template <class T>
T tolerance(index_t terms = 1) {
    const double eps = sizeof(T) == 4 ? 1e-6 : 1e-14;
    return static_cast<T>(eps * (8.0 + 2.0 * std::sqrt(double(terms))) * 4.0);
}

// Checks |got[i] - want[i]| <= tol * max(1, |want[i]|) for every i; reports the first mismatch.
template <class T>
void check_close(const T* got, const T* want, index_t n, T tol, const std::string& what = "") {
    for (index_t i = 0; i < n; ++i) {
        const double g = got[i], w = want[i];
        const double bound = double(tol) * std::max(1.0, std::abs(w));
        if (!(std::abs(g - w) <= bound)) {
            FAIL_CHECK(what << ": element " << i << " is " << g << ", expected " << w << " (tolerance " << bound
                            << ")");
            return;
        }
    }
}
template <class T>
void check_close(const std::vector<T>& got, const std::vector<T>& want, T tol, const std::string& what = "") {
    REQUIRE(got.size() == want.size());
    check_close(got.data(), want.data(), static_cast<index_t>(got.size()), tol, what);
}

}  // namespace ink::test
