// Element-wise maps: accuracy of the vectorised float transcendentals in ulp against double
// references, special values, every map against a naive loop (float and double, sizes that leave
// every possible vector tail, in place), backward helpers against finite differences in double.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ink/core/threads.hpp"
#include "ink/kernels/elementwise.hpp"
#include "support/check.hpp"

using namespace ink;

namespace {

constexpr index_t kSizes[] = {1, 3, 7, 15, 16, 17, 63, 65, 129, 7000};
constexpr double kInf = std::numeric_limits<double>::infinity();

// Distance from got to the true value `want`, in units of the float spacing at want (subnormal
// spacing for tiny values). 0 when both are the same infinity or both NaN.
double ulp_error(float got, double want) {
    if (std::isnan(want)) return std::isnan(got) ? 0 : kInf;
    const float wf = static_cast<float>(want);
    if (std::isinf(wf) || std::isinf(got)) return got == wf ? 0 : kInf;
    if (std::isnan(got)) return kInf;
    const float a = std::abs(wf);
    const double spacing = double(std::nextafter(a, std::numeric_limits<float>::infinity())) - double(a);
    return std::abs(double(got) - want) / spacing;
}

using Kernel = std::function<void(index_t, const float*, float*)>;

// Largest ulp error of a float kernel against the double reference `ref` on the inputs xs; also
// fails when the kernel gives NaN or inf where the true result is finite.
double max_ulp(const Kernel& kernel, double (*ref)(double), const std::vector<float>& xs, const std::string& name) {
    std::vector<float> y(xs.size());
    kernel(static_cast<index_t>(xs.size()), xs.data(), y.data());
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double want = ref(xs[i]);
        const double e = ulp_error(y[i], want);
        if (std::isfinite(float(want)) && !std::isfinite(y[i]))
            FAIL_CHECK(name << "(" << xs[i] << ") = " << y[i] << ", expected " << want);
        if (e > worst) worst = e;
        if (e > 8) {
            FAIL_CHECK(name << "(" << xs[i] << ") = " << y[i] << ", expected " << want << " (" << e << " ulp)");
            break;
        }
    }
    MESSAGE(name << ": max error " << worst << " ulp over " << xs.size() << " inputs");
    return worst;
}

// n points evenly spread over [lo, hi], plus their negations when symmetric is set.
std::vector<float> linspace(double lo, double hi, int n) {
    std::vector<float> v;
    for (int i = 0; i < n; ++i) v.push_back(static_cast<float>(lo + (hi - lo) * i / (n - 1)));
    return v;
}

// Every 97th positive float bit pattern below +inf: all binades, subnormals included.
std::vector<float> positive_floats() {
    std::vector<float> v;
    for (std::uint32_t bits = 1; bits < 0x7f800000u; bits += 97 * 1024) {
        float f;
        std::memcpy(&f, &bits, sizeof f);
        v.push_back(f);
    }
    return v;
}

std::vector<float> signed_floats(double max_abs) {
    std::vector<float> v;
    for (float f : positive_floats())
        if (f <= max_abs) v.push_back(f), v.push_back(-f);
    v.push_back(0.0f);
    return v;
}

double ref_sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double ref_softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
double ref_exp(double x) { return std::exp(x); }
double ref_log(double x) { return std::log(x); }
double ref_tanh(double x) { return std::tanh(x); }

template <class T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("elementwise: float exp, log, sigmoid, tanh, softplus within a few ulp over the whole range") {
    MESSAGE("SIMD path: " << std::string(simd::kIsa));
    CHECK(max_ulp(kernels::exp<float>, ref_exp, concat(linspace(-110, 90, 400001), signed_floats(1)), "exp") <= 2);
    CHECK(max_ulp(kernels::log<float>, ref_log, concat(positive_floats(), linspace(0.5, 2, 100001)), "log") <= 2);
    const auto wide = concat(linspace(-120, 120, 400001), signed_floats(1e30));
    CHECK(max_ulp(kernels::sigmoid<float>, ref_sigmoid, wide, "sigmoid") <= 3);
    CHECK(max_ulp(kernels::tanh<float>, ref_tanh, concat(linspace(-12, 12, 400001), signed_floats(1e30)), "tanh") <= 3);
    CHECK(max_ulp(kernels::softplus<float>, ref_softplus, wide, "softplus") <= 3);
}

TEST_CASE_TEMPLATE("elementwise: special values", T, float, double) {
    constexpr T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    const auto run = [](void (*f)(index_t, const T*, T*), std::vector<T> x) {
        f(static_cast<index_t>(x.size()), x.data(), x.data());
        return x;
    };
    auto e = run(kernels::exp<T>, {-inf, inf, nan, T(0), T(-1e4), T(1e4)});
    CHECK(e[0] == 0);
    CHECK(e[1] == inf);
    CHECK(std::isnan(e[2]));
    CHECK(e[3] == 1);
    CHECK(e[4] == 0);
    CHECK(e[5] == inf);
    auto l = run(kernels::log<T>, {T(0), T(-1), inf, nan, T(1), -inf});
    CHECK(l[0] == -inf);
    CHECK(std::isnan(l[1]));
    CHECK(l[2] == inf);
    CHECK(std::isnan(l[3]));
    CHECK(l[4] == 0);
    CHECK(std::isnan(l[5]));
    auto s = run(kernels::sigmoid<T>, {-inf, inf, nan, T(0)});
    CHECK(s[0] == 0);
    CHECK(s[1] == 1);
    CHECK(std::isnan(s[2]));
    CHECK(s[3] == T(0.5));
    auto t = run(kernels::tanh<T>, {-inf, inf, nan, T(0), T(-0.0)});
    CHECK(t[0] == -1);
    CHECK(t[1] == 1);
    CHECK(std::isnan(t[2]));
    CHECK(t[3] == 0);
    auto p = run(kernels::softplus<T>, {-inf, inf, T(0), T(1e4), T(-1e4)});
    CHECK(p[0] == 0);
    CHECK(p[1] == inf);
    CHECK(p[2] == doctest::Approx(std::log(2.0)));
    CHECK(p[3] == T(1e4));
    CHECK(p[4] == 0);
}

namespace {
// Runs a unary kernel out of place and in place on every size, against the scalar reference.
template <class T>
void check_unary(const std::string& name, void (*kernel)(index_t, const T*, T*), const std::function<T(T)>& ref,
                 T lo, T hi, T tol) {
    for (index_t n : kSizes) {
        const auto x = test::random_vector<T>(n, 7 + n, lo, hi);
        std::vector<T> want(x.size()), y(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) want[i] = ref(x[i]);
        kernel(n, x.data(), y.data());
        test::check_close(y, want, tol, name + " n=" + std::to_string(n));
        std::vector<T> inplace = x;
        kernel(n, inplace.data(), inplace.data());
        CHECK(inplace == y);
    }
}

// Runs a binary kernel f(n, a, b, y) against the scalar reference, out of place and (with in_place)
// with y = a.
template <class T, class K>
void check_binary(const std::string& name, K kernel, const std::function<T(T, T)>& ref, T tol, bool in_place = true) {
    for (index_t n : kSizes) {
        const auto a = test::random_vector<T>(n, 11 + n, T(-3), T(3));
        const auto b = test::random_vector<T>(n, 13 + n, T(0.5), T(2));
        std::vector<T> want(a.size()), y(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) want[i] = ref(a[i], b[i]);
        kernel(n, a.data(), b.data(), y.data());
        test::check_close(y, want, tol, name + " n=" + std::to_string(n));
        if (!in_place) continue;
        std::vector<T> inplace = a;
        kernel(n, inplace.data(), b.data(), inplace.data());
        CHECK(inplace == y);
    }
}
}  // namespace

TEST_CASE_TEMPLATE("elementwise: maps against naive loops on every tail length", T, float, double) {
    const T tol = sizeof(T) == 4 ? T(4e-7) : T(1e-15);
    check_unary<T>("exp", kernels::exp<T>, [](T v) { return std::exp(v); }, T(-20), T(20), tol);
    check_unary<T>("log", kernels::log<T>, [](T v) { return std::log(v); }, T(1e-3), T(1e3), tol);
    check_unary<T>("sigmoid", kernels::sigmoid<T>, [](T v) { return T(1) / (T(1) + std::exp(-v)); }, T(-20), T(20),
                   tol);
    check_unary<T>("tanh", kernels::tanh<T>, [](T v) { return std::tanh(v); }, T(-5), T(5), tol);
    check_unary<T>("softplus", kernels::softplus<T>, [](T v) { return std::log1p(std::exp(v)); }, T(-20), T(20), tol);
    check_unary<T>("relu", kernels::relu<T>, [](T v) { return v > 0 ? v : T(0); }, T(-1), T(1), T(0));
    check_unary<T>("leaky_relu", [](index_t n, const T* x, T* y) { kernels::leaky_relu(n, x, y, T(0.2)); },
                   [](T v) { return v > 0 ? v : T(0.2) * v; }, T(-1), T(1), T(0));
    check_unary<T>("scale", [](index_t n, const T* x, T* y) { kernels::scale(n, T(-1.5), x, y); },
                   [](T v) { return T(-1.5) * v; }, T(-1), T(1), T(0));
    check_unary<T>("add_scalar", [](index_t n, const T* x, T* y) { kernels::add_scalar(n, x, T(0.25), y); },
                   [](T v) { return v + T(0.25); }, T(-1), T(1), T(0));

    check_binary<T>("add", kernels::add<T>, [](T a, T b) { return a + b; }, T(0));
    check_binary<T>("sub", kernels::sub<T>, [](T a, T b) { return a - b; }, T(0));
    check_binary<T>("mul", kernels::mul<T>, [](T a, T b) { return a * b; }, T(0));
    check_binary<T>("div", kernels::div<T>, [](T a, T b) { return a / b; }, T(0));
    // axpy updates y in place: the harness' output starts as a copy of b.
    check_binary<T>("axpy", [](index_t n, const T* x, const T* b, T* y) {
        std::copy(b, b + n, y);
        kernels::axpy(n, T(0.5), x, y);
    }, [](T x, T y) { return y + T(0.5) * x; }, tol, false);
    check_binary<T>("sigmoid_backward", kernels::sigmoid_backward<T>, [](T y, T g) { return g * y * (1 - y); }, tol);
    check_binary<T>("tanh_backward", kernels::tanh_backward<T>, [](T y, T g) { return g * (1 - y * y); }, tol);
    check_binary<T>("relu_backward", kernels::relu_backward<T>, [](T x, T g) { return x > 0 ? g : T(0); }, T(0));

    std::vector<T> f(19, T(1));
    kernels::fill(index_t{17}, T(3), f.data());
    CHECK(f[16] == 3);
    CHECK(f[17] == 1);
}

TEST_CASE_TEMPLATE("elementwise: add_row (bias add) and glu against naive loops", T, float, double) {
    const T tol = sizeof(T) == 4 ? T(4e-7) : T(1e-15);
    for (index_t cols : kSizes) {
        const index_t rows = 3;
        const auto x = test::random_vector<T>(rows * 2 * cols, 3, T(-4), T(4));
        const auto b = test::random_vector<T>(cols, 5);
        std::vector<T> y(rows * cols), want(rows * cols);
        kernels::add_row(rows, cols, x.data(), b.data(), y.data());
        for (index_t r = 0; r < rows; ++r)
            for (index_t j = 0; j < cols; ++j) want[r * cols + j] = x[r * cols + j] + b[j];
        test::check_close(y, want, T(0), "add_row cols=" + std::to_string(cols));

        kernels::glu(rows, cols, x.data(), y.data());
        for (index_t r = 0; r < rows; ++r)
            for (index_t j = 0; j < cols; ++j) {
                const T a = x[r * 2 * cols + j], g = x[r * 2 * cols + cols + j];
                want[r * cols + j] = a / (1 + std::exp(-g));
            }
        test::check_close(y, want, tol, "glu cols=" + std::to_string(cols));
    }
}

namespace {
// Central finite difference of sum_i w[i] * f(x)[i] with respect to each x[i], for a map f.
std::vector<double> numeric_grad(const std::function<void(const std::vector<double>&, std::vector<double>&)>& f,
                                 std::vector<double> x, const std::vector<double>& w, std::size_t out_size) {
    std::vector<double> g(x.size()), y(out_size);
    const auto objective = [&](const std::vector<double>& at) {
        f(at, y);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += w[i] * y[i];
        return s;
    };
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double h = 1e-6 * std::max(1.0, std::abs(x[i])), x0 = x[i];
        x[i] = x0 + h;
        const double up = objective(x);
        x[i] = x0 - h;
        const double down = objective(x);
        x[i] = x0;
        g[i] = (up - down) / (2 * h);
    }
    return g;
}
}  // namespace

TEST_CASE("elementwise: backward helpers against finite differences (double)") {
    using V = std::vector<double>;
    const index_t n = 37;
    const V x = test::random_vector<double>(n, 21, -3, 3), w = test::random_vector<double>(n, 22);
    V dx(n), y(n);
    const double tol = 1e-7;
    const auto unary = [](void (*k)(index_t, const double*, double*)) {
        return [k](const V& at, V& out) { k(static_cast<index_t>(at.size()), at.data(), out.data()); };
    };

    kernels::sigmoid(n, x.data(), y.data());
    kernels::sigmoid_backward(n, y.data(), w.data(), dx.data());
    test::check_close(dx, numeric_grad(unary(kernels::sigmoid<double>), x, w, n), tol, "sigmoid_backward");

    kernels::tanh(n, x.data(), y.data());
    kernels::tanh_backward(n, y.data(), w.data(), dx.data());
    test::check_close(dx, numeric_grad(unary(kernels::tanh<double>), x, w, n), tol, "tanh_backward");

    kernels::softplus_backward(n, x.data(), w.data(), dx.data());
    test::check_close(dx, numeric_grad(unary(kernels::softplus<double>), x, w, n), tol, "softplus_backward");

    kernels::relu_backward(n, x.data(), w.data(), dx.data());
    test::check_close(dx, numeric_grad(unary(kernels::relu<double>), x, w, n), tol, "relu_backward");

    kernels::leaky_relu_backward(n, x.data(), w.data(), dx.data(), 0.1);
    const auto leaky = [](const V& at, V& out) {
        kernels::leaky_relu(static_cast<index_t>(at.size()), at.data(), out.data(), 0.1);
    };
    test::check_close(dx, numeric_grad(leaky, x, w, n), tol, "leaky_relu_backward");

    // glu: rows x (2 * half) -> rows x half.
    const index_t rows = 3, half = 17;
    const V gx = test::random_vector<double>(rows * 2 * half, 23, -3, 3);
    const V gw = test::random_vector<double>(rows * half, 24);
    V gdx(gx.size());
    kernels::glu_backward(rows, half, gx.data(), gw.data(), gdx.data());
    const auto glu = [&](const V& at, V& out) { kernels::glu(rows, half, at.data(), out.data()); };
    test::check_close(gdx, numeric_grad(glu, gx, gw, gw.size()), tol, "glu_backward");
    V inplace = gx;
    kernels::glu_backward(rows, half, inplace.data(), gw.data(), inplace.data());
    CHECK(inplace == gdx);
}

TEST_CASE("elementwise: large arrays give the same bits on 1 and 2 threads") {
    const index_t n = (index_t{1} << 20) + 5;
    const auto x = test::random_vector<float>(n, 31, -10, 10);
    std::vector<float> y1(n), y2(n);
    const int saved = num_threads();
    set_num_threads(1);
    kernels::tanh(n, x.data(), y1.data());
    set_num_threads(2);
    kernels::tanh(n, x.data(), y2.data());
    set_num_threads(saved);
    CHECK(y1 == y2);
}
