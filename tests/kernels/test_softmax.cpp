// Softmax, log-softmax, fused log-softmax + NLL.
#include <doctest/doctest.h>

#include "ink/kernels/softmax.hpp"
#include "support/check.hpp"

using namespace ink;

TEST_CASE_TEMPLATE("softmax_rows: rows sum to one", T, float, double) {
    const index_t rows = 3, cols = 17;
    const auto x = test::random_vector<T>(rows * cols, 1, T(-5), T(5));
    std::vector<T> y(rows * cols);
    kernels::softmax_rows(rows, cols, x.data(), y.data());
    for (index_t r = 0; r < rows; ++r) {
        T s = 0;
        for (index_t j = 0; j < cols; ++j) s += y[r * cols + j];
        CHECK(s == doctest::Approx(1).epsilon(test::tolerance<T>(cols)));
    }
}
