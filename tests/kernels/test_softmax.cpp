// Softmax, log-softmax, the fused log-softmax + NLL and the backward helpers: against naive loops
// (accumulated in double) and Eigen, float and double, row lengths that leave every vector tail;
// extreme logits, rows of length 1, ignore_index; backward helpers against finite differences.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own AVX-512 headers when Eigen's packet math is inlined (a GCC bug).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ink/core/threads.hpp"
#include "ink/kernels/softmax.hpp"
#include "support/check.hpp"

using namespace ink;

namespace {

constexpr index_t kCols[] = {1, 3, 7, 15, 16, 17, 63, 65, 129, 7000};

template <class T>
T tol() {
    return sizeof(T) == 4 ? T(2e-6) : T(1e-13);
}

// Naive log-softmax of one row, in double.
std::vector<double> ref_log_softmax(const std::vector<double>& x) {
    double m = -std::numeric_limits<double>::infinity();
    for (double v : x) m = std::max(m, v);
    double s = 0;
    for (double v : x) s += std::exp(v - m);
    std::vector<double> y(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) y[j] = x[j] - m - std::log(s);
    return y;
}

template <class T>
std::vector<double> row(const std::vector<T>& x, index_t r, index_t cols) {
    return std::vector<double>(x.begin() + r * cols, x.begin() + (r + 1) * cols);
}

// Eigen oracle: per row, exp(x - max) normalised.
template <class T>
std::vector<T> eigen_softmax(const std::vector<T>& x, index_t rows, index_t cols) {
    using A = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const A> xm(x.data(), rows, cols);
    A e = (xm.colwise() - xm.rowwise().maxCoeff()).exp();
    e.colwise() /= e.rowwise().sum();
    return std::vector<T>(e.data(), e.data() + e.size());
}

}  // namespace

TEST_CASE_TEMPLATE("softmax_rows and log_softmax_rows: naive loop, Eigen, rows sum to one", T, float, double) {
    const index_t rows = 5;
    for (index_t cols : kCols) {
        CAPTURE(cols);
        const auto x = test::random_vector<T>(rows * cols, 100 + cols, T(-8), T(8));
        std::vector<T> y(x.size()), ly(x.size()), want(x.size()), lwant(x.size());
        for (index_t r = 0; r < rows; ++r) {
            const auto l = ref_log_softmax(row(x, r, cols));
            for (index_t j = 0; j < cols; ++j) {
                lwant[r * cols + j] = T(l[j]);
                want[r * cols + j] = T(std::exp(l[j]));
            }
        }
        kernels::softmax_rows(rows, cols, x.data(), y.data());
        test::check_close(y, want, tol<T>(), "softmax vs naive");
        test::check_close(y, eigen_softmax(x, rows, cols), tol<T>(), "softmax vs Eigen");
        for (index_t r = 0; r < rows; ++r) {
            double s = 0;
            for (index_t j = 0; j < cols; ++j) s += y[r * cols + j];
            CHECK(s == doctest::Approx(1).epsilon(sizeof(T) == 4 ? 1e-5 : 1e-13));
        }
        kernels::log_softmax_rows(rows, cols, x.data(), ly.data());
        test::check_close(ly, lwant, tol<T>(), "log_softmax vs naive");

        // In place.
        std::vector<T> inplace = x;
        kernels::softmax_rows(rows, cols, inplace.data(), inplace.data());
        CHECK(inplace == y);
        inplace = x;
        kernels::log_softmax_rows(rows, cols, inplace.data(), inplace.data());
        CHECK(inplace == ly);
    }
}

TEST_CASE_TEMPLATE("log_softmax_nll: loss and gradient against a naive loop", T, float, double) {
    const index_t rows = 6;
    const T scale = T(0.25);
    for (index_t cols : kCols) {
        CAPTURE(cols);
        const auto x = test::random_vector<T>(rows * cols, 200 + cols, T(-8), T(8));
        std::vector<std::int32_t> targets(rows);
        for (index_t r = 0; r < rows; ++r) targets[r] = static_cast<std::int32_t>((r * 7919 + 3) % cols);
        targets[2] = -100;  // ignored

        std::vector<T> loss(rows, T(-1)), grad(x.size(), T(-1)), want_loss(rows), want_grad(x.size());
        for (index_t r = 0; r < rows; ++r) {
            if (targets[r] == -100) {
                want_loss[r] = 0;
                for (index_t j = 0; j < cols; ++j) want_grad[r * cols + j] = 0;
                continue;
            }
            const auto l = ref_log_softmax(row(x, r, cols));
            want_loss[r] = T(-l[targets[r]]);
            for (index_t j = 0; j < cols; ++j)
                want_grad[r * cols + j] = T(scale * (std::exp(l[j]) - (j == targets[r] ? 1.0 : 0.0)));
        }
        kernels::log_softmax_nll(rows, cols, x.data(), targets.data(), loss.data(), grad.data(), scale);
        test::check_close(loss, want_loss, tol<T>(), "loss");
        test::check_close(grad, want_grad, tol<T>(), "grad");
        CHECK(loss[2] == 0);

        // Without a gradient, the same losses; with the gradient written over the logits, the same bits.
        std::vector<T> loss2(rows);
        kernels::log_softmax_nll(rows, cols, x.data(), targets.data(), loss2.data(), static_cast<T*>(nullptr), scale);
        CHECK(loss2 == loss);
        std::vector<T> inplace = x;
        kernels::log_softmax_nll(rows, cols, inplace.data(), targets.data(), loss2.data(), inplace.data(), scale);
        CHECK(loss2 == loss);
        CHECK(inplace == grad);
    }
}

TEST_CASE_TEMPLATE("log_softmax_nll: extreme logits stay finite", T, float, double) {
    // Row 0: +-1e4 mixed, target at the minimum; row 1: all equal; row 2: a huge gap.
    const index_t cols = 17;
    std::vector<T> x(3 * cols);
    for (index_t j = 0; j < cols; ++j) {
        x[j] = j % 2 ? T(1e4) : T(-1e4);
        x[cols + j] = T(3);
        x[2 * cols + j] = j == 5 ? T(1e4) : T(-1e4);
    }
    const std::vector<std::int32_t> targets{0, 4, 5};
    std::vector<T> loss(3), grad(x.size());
    kernels::log_softmax_nll(3, cols, x.data(), targets.data(), loss.data(), grad.data(), T(1));
    for (T v : loss) CHECK(std::isfinite(v));
    for (T v : grad) CHECK(std::isfinite(v));
    CHECK(loss[0] == doctest::Approx(2e4 + std::log(8.0)));
    CHECK(loss[1] == doctest::Approx(std::log(17.0)));
    CHECK(loss[2] == 0);
    CHECK(grad[0] == -1);  // p = 0 at the target: 1 * (0 - 1)
    CHECK(grad[1] == doctest::Approx(1.0 / 8));
    CHECK(grad[cols + 4] == doctest::Approx(1.0 / 17 - 1));
    CHECK(grad[2 * cols + 5] == 0);

    // Softmax of the same rows: finite, sums to one.
    std::vector<T> y(x.size());
    kernels::softmax_rows(3, cols, x.data(), y.data());
    for (T v : y) CHECK(std::isfinite(v));
    CHECK(y[2 * cols + 5] == 1);

    // Rows of length 1: loss 0, gradient 0, softmax 1, log-softmax 0, even for huge logits.
    const std::vector<T> one{T(1e4), T(-1e4), T(0)};
    const std::vector<std::int32_t> zeros{0, 0, 0};
    std::vector<T> l1(3), g1(3), y1(3);
    kernels::log_softmax_nll(3, 1, one.data(), zeros.data(), l1.data(), g1.data(), T(1));
    CHECK(l1 == std::vector<T>{0, 0, 0});
    CHECK(g1 == std::vector<T>{0, 0, 0});
    kernels::softmax_rows(3, 1, one.data(), y1.data());
    CHECK(y1 == std::vector<T>{1, 1, 1});
    kernels::log_softmax_rows(3, 1, one.data(), y1.data());
    CHECK(y1 == std::vector<T>{0, 0, 0});
}

namespace {
// d/dx of sum(w * f(x)) for a row map f, by central differences.
template <class F>
std::vector<double> numeric_grad(F f, std::vector<double> x, const std::vector<double>& w) {
    std::vector<double> g(x.size()), y(x.size());
    const auto objective = [&] {
        f(x, y);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += w[i] * y[i];
        return s;
    };
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double x0 = x[i], h = 1e-6;
        x[i] = x0 + h;
        const double up = objective();
        x[i] = x0 - h;
        const double down = objective();
        x[i] = x0;
        g[i] = (up - down) / (2 * h);
    }
    return g;
}
}  // namespace

TEST_CASE("softmax and log-softmax backward helpers against finite differences (double)") {
    const index_t rows = 3, cols = 19;
    const auto x = test::random_vector<double>(rows * cols, 300, -3, 3);
    const auto w = test::random_vector<double>(rows * cols, 301);
    std::vector<double> y(x.size()), dx(x.size());

    kernels::softmax_rows(rows, cols, x.data(), y.data());
    kernels::softmax_backward_rows(rows, cols, y.data(), w.data(), dx.data());
    const auto softmax = [&](const std::vector<double>& at, std::vector<double>& out) {
        kernels::softmax_rows(rows, cols, at.data(), out.data());
    };
    test::check_close(dx, numeric_grad(softmax, x, w), 1e-7, "softmax_backward_rows");
    std::vector<double> inplace = w;
    kernels::softmax_backward_rows(rows, cols, y.data(), inplace.data(), inplace.data());
    CHECK(inplace == dx);

    kernels::log_softmax_rows(rows, cols, x.data(), y.data());
    kernels::log_softmax_backward_rows(rows, cols, y.data(), w.data(), dx.data());
    const auto log_softmax = [&](const std::vector<double>& at, std::vector<double>& out) {
        kernels::log_softmax_rows(rows, cols, at.data(), out.data());
    };
    test::check_close(dx, numeric_grad(log_softmax, x, w), 1e-7, "log_softmax_backward_rows");
    inplace = w;
    kernels::log_softmax_backward_rows(rows, cols, y.data(), inplace.data(), inplace.data());
    CHECK(inplace == dx);

    // The fused kernel's gradient is the log-softmax backward of -onehot, scaled.
    std::vector<std::int32_t> targets{4, 0, 18};
    std::vector<double> loss(rows), grad(x.size()), onehot(x.size(), 0.0);
    for (index_t r = 0; r < rows; ++r) onehot[r * cols + targets[r]] = -0.5;
    kernels::log_softmax_nll(rows, cols, x.data(), targets.data(), loss.data(), grad.data(), 0.5);
    kernels::log_softmax_backward_rows(rows, cols, y.data(), onehot.data(), dx.data());
    test::check_close(grad, dx, 1e-14, "log_softmax_nll gradient");
}

TEST_CASE_TEMPLATE("softmax backward helpers: float against double on every tail length", T, float, double) {
    for (index_t cols : kCols) {
        CAPTURE(cols);
        const index_t rows = 2;
        const auto x = test::random_vector<T>(rows * cols, 400 + cols, T(-4), T(4));
        const auto w = test::random_vector<T>(rows * cols, 500 + cols);
        std::vector<T> y(x.size()), dx(x.size()), want(x.size());
        kernels::softmax_rows(rows, cols, x.data(), y.data());
        kernels::softmax_backward_rows(rows, cols, y.data(), w.data(), dx.data());
        for (index_t r = 0; r < rows; ++r) {
            double d = 0;
            for (index_t j = 0; j < cols; ++j) d += double(w[r * cols + j]) * y[r * cols + j];
            for (index_t j = 0; j < cols; ++j) want[r * cols + j] = T(y[r * cols + j] * (w[r * cols + j] - d));
        }
        test::check_close(dx, want, tol<T>(), "softmax_backward_rows");

        kernels::log_softmax_rows(rows, cols, x.data(), y.data());
        kernels::log_softmax_backward_rows(rows, cols, y.data(), w.data(), dx.data());
        for (index_t r = 0; r < rows; ++r) {
            double d = 0;
            for (index_t j = 0; j < cols; ++j) d += w[r * cols + j];
            for (index_t j = 0; j < cols; ++j)
                want[r * cols + j] = T(w[r * cols + j] - std::exp(double(y[r * cols + j])) * d);
        }
        test::check_close(dx, want, T(cols) * tol<T>(), "log_softmax_backward_rows");
    }
}

TEST_CASE("softmax kernels: the same bits on 1 and 2 threads") {
    const index_t rows = 64, cols = 7000;
    const auto x = test::random_vector<float>(rows * cols, 600, -6, 6);
    std::vector<std::int32_t> targets(rows);
    for (index_t r = 0; r < rows; ++r) targets[r] = static_cast<std::int32_t>(r * 101 % cols);
    const auto run = [&](int threads) {
        set_num_threads(threads);
        std::vector<float> y(x.size()), g(x.size()), loss(rows);
        kernels::softmax_rows(rows, cols, x.data(), y.data());
        kernels::log_softmax_nll(rows, cols, x.data(), targets.data(), loss.data(), g.data(), 1.0f / 64);
        y.insert(y.end(), g.begin(), g.end());
        y.insert(y.end(), loss.begin(), loss.end());
        return y;
    };
    const int saved = num_threads();
    const auto one = run(1), two = run(2);
    set_num_threads(saved);
    CHECK(one == two);
}
