// Element-wise maps.
#include <doctest/doctest.h>

#include "ink/kernels/elementwise.hpp"
#include "support/check.hpp"

using namespace ink;

TEST_CASE_TEMPLATE("elementwise: exp against std::exp", T, float, double) {
    const index_t n = 17;
    const auto x = test::random_vector<T>(n, 1, T(-5), T(5));
    std::vector<T> y(n), want(n);
    kernels::exp(n, x.data(), y.data());
    for (index_t i = 0; i < n; ++i) want[i] = std::exp(x[i]);
    test::check_close(y, want, test::tolerance<T>(), "exp");
}
