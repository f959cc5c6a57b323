// Reductions: sum, max, dot, sum of squares, mean, row and column sums, against double-accumulated
// naive loops on every tail length; the same bits on any thread count.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own AVX-512 headers when Eigen's packet math is inlined (a GCC bug).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ink/core/threads.hpp"
#include "ink/kernels/reduce.hpp"
#include "support/check.hpp"

using namespace ink;

namespace {
constexpr index_t kSizes[] = {0, 1, 3, 7, 15, 16, 17, 63, 65, 129, 7000, 100003};
}

TEST_CASE_TEMPLATE("reduce: sum, max, dot, sum_squares, mean against naive loops", T, float, double) {
    for (index_t n : kSizes) {
        CAPTURE(n);
        const auto x = test::random_vector<T>(n, 1 + n), y = test::random_vector<T>(n, 2 + n);
        double s = 0, d = 0, q = 0, abs_s = 0, m = -std::numeric_limits<double>::infinity();
        for (index_t i = 0; i < n; ++i) {
            s += x[i], abs_s += std::abs(x[i]), d += double(x[i]) * y[i], q += double(x[i]) * x[i];
            m = std::max(m, double(x[i]));
        }
        // Error bounds relative to the sum of magnitudes (the sums themselves may cancel).
        const double eps = sizeof(T) == 4 ? 1e-6 : 1e-14;
        CHECK(std::abs(kernels::sum(n, x.data()) - s) <= eps * (abs_s + 1));
        CHECK(std::abs(kernels::dot(n, x.data(), y.data()) - d) <= eps * (abs_s + 1));
        CHECK(std::abs(kernels::sum_squares(n, x.data()) - q) <= eps * (q + 1));
        CHECK(std::abs(kernels::mean(n, x.data()) - (n ? s / n : 0.0)) <= eps * (abs_s + 1) / std::max<index_t>(n, 1));
        CHECK(kernels::max(n, x.data()) == T(m));
    }
}

TEST_CASE_TEMPLATE("reduce: row_sums and col_sums against naive loops and Eigen", T, float, double) {
    using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (index_t cols : {1, 3, 7, 15, 16, 17, 63, 65, 129, 7000}) {
        for (index_t rows : {1, 5, 64}) {
            CAPTURE(rows);
            CAPTURE(cols);
            const auto x = test::random_vector<T>(rows * cols, 10 + rows * cols);
            std::vector<T> rs(rows), cs(cols), want_r(rows, 0), want_c(cols, 0);
            for (index_t r = 0; r < rows; ++r)
                for (index_t j = 0; j < cols; ++j) {
                    want_r[r] += x[r * cols + j];
                    want_c[j] += x[r * cols + j];
                }
            kernels::row_sums(rows, cols, x.data(), rs.data());
            kernels::col_sums(rows, cols, x.data(), cs.data());
            test::check_close(rs, want_r, test::tolerance<T>(cols), "row_sums");
            test::check_close(cs, want_c, test::tolerance<T>(rows), "col_sums");

            const Eigen::Map<const M> xm(x.data(), rows, cols);
            const Eigen::Matrix<T, 1, Eigen::Dynamic> ec = xm.colwise().sum();
            test::check_close(cs.data(), ec.data(), cols, test::tolerance<T>(rows), "col_sums vs Eigen");

            // Accumulating adds to what is there.
            std::vector<T> rs2(rows, T(1)), cs2(cols, T(2));
            kernels::row_sums(rows, cols, x.data(), rs2.data(), true);
            kernels::col_sums(rows, cols, x.data(), cs2.data(), true);
            for (index_t r = 0; r < rows; ++r) CHECK(rs2[r] == rs[r] + T(1));
            for (index_t j = 0; j < cols; ++j)
                CHECK(cs2[j] == doctest::Approx(cs[j] + T(2)).epsilon(test::tolerance<T>(rows)));
        }
    }
}

TEST_CASE("reduce: the same bits on 1 and 2 threads") {
    const index_t n = 3'001'017, rows = 1000, cols = 3001;
    const auto x = test::random_vector<float>(n, 77);
    const auto run = [&](int threads) {
        set_num_threads(threads);
        std::vector<float> out{kernels::sum(n, x.data()), kernels::dot(n, x.data(), x.data()),
                               kernels::max(n, x.data())};
        std::vector<float> rs(rows), cs(cols);
        kernels::row_sums(rows, cols, x.data(), rs.data());
        kernels::col_sums(rows, cols, x.data(), cs.data());
        out.insert(out.end(), rs.begin(), rs.end());
        out.insert(out.end(), cs.begin(), cs.end());
        return out;
    };
    const int saved = num_threads();
    const auto one = run(1), two = run(2);
    set_num_threads(saved);
    CHECK(one == two);
}
