// Reductions: sum, max, dot, sum of squares, mean, row and column sums.
#include <doctest/doctest.h>

#include "ink/kernels/reduce.hpp"
#include "support/check.hpp"

using namespace ink;

TEST_CASE_TEMPLATE("reduce: against naive loops", T, float, double) {
    for (index_t n : {0, 1, 3, 17, 1000}) {
        const auto x = test::random_vector<T>(n, 1), y = test::random_vector<T>(n, 2);
        double s = 0, d = 0, m = -1e300;
        for (index_t i = 0; i < n; ++i) s += x[i], d += double(x[i]) * y[i], m = std::max(m, double(x[i]));
        CHECK(kernels::sum(n, x.data()) == doctest::Approx(s).epsilon(test::tolerance<T>(n)));
        CHECK(kernels::dot(n, x.data(), y.data()) == doctest::Approx(d).epsilon(test::tolerance<T>(n)));
        if (n > 0) CHECK(kernels::max(n, x.data()) == T(m));
    }
}
