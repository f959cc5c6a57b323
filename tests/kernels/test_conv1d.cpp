// conv1d (forward, backward-data, backward-weight, bias) against naive loops and against an Eigen
// im2col + product: float and double, every padding mode with strides and dilations, accumulate.
#include <doctest/doctest.h>

#include <vector>

#include "../../bench/eigen_baselines.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d.hpp"
#include "support/kernel_cases.hpp"

using namespace ink;
using kernels::Conv1dParams;
using ink::Padding;

namespace {

// The definition, summed in long double: y[b,t,o] = bias[o] + sum_{k,c} x[b, t*s + k*d - pl, c] w[k,c,o].
using test::for_each_window;

template <class T>
struct Naive {
    const Conv1dParams& p;
    index_t Lo = p.length_out(), Ci = p.channels_in, Co = p.channels_out;

    std::vector<T> forward(const std::vector<T>& x, const std::vector<T>& w, const T* bias) const {
        std::vector<long double> y(p.batch * Lo * Co, 0.0L);
        for_each_window(p, [&](index_t b, index_t t, index_t k, index_t s) {
            for (index_t c = 0; c < Ci; ++c)
                for (index_t o = 0; o < Co; ++o)
                    y[(b * Lo + t) * Co + o] += (long double)x[(b * p.length + s) * Ci + c] * w[(k * Ci + c) * Co + o];
        });
        std::vector<T> out(y.size());
        for (std::size_t i = 0; i < y.size(); ++i) out[i] = T(y[i] + (bias ? bias[i % Co] : T(0)));
        return out;
    }
    std::vector<T> backward_data(const std::vector<T>& dy, const std::vector<T>& w, std::vector<T> dx) const {
        std::vector<long double> acc(dx.begin(), dx.end());
        for_each_window(p, [&](index_t b, index_t t, index_t k, index_t s) {
            for (index_t c = 0; c < Ci; ++c)
                for (index_t o = 0; o < Co; ++o)
                    acc[(b * p.length + s) * Ci + c] +=
                        (long double)dy[(b * Lo + t) * Co + o] * w[(k * Ci + c) * Co + o];
        });
        for (std::size_t i = 0; i < dx.size(); ++i) dx[i] = T(acc[i]);
        return dx;
    }
    std::vector<T> backward_weight(const std::vector<T>& x, const std::vector<T>& dy, std::vector<T> dw) const {
        std::vector<long double> acc(dw.begin(), dw.end());
        for_each_window(p, [&](index_t b, index_t t, index_t k, index_t s) {
            for (index_t c = 0; c < Ci; ++c)
                for (index_t o = 0; o < Co; ++o)
                    acc[(k * Ci + c) * Co + o] +=
                        (long double)x[(b * p.length + s) * Ci + c] * dy[(b * Lo + t) * Co + o];
        });
        for (std::size_t i = 0; i < dw.size(); ++i) dw[i] = T(acc[i]);
        return dw;
    }
};

// Runs all four kernels with and without accumulate and compares with both oracles.
template <class T>
void check_conv(const Conv1dParams& p, std::uint64_t seed) {
    CAPTURE(p.batch);
    CAPTURE(p.length);
    CAPTURE(p.channels_in);
    CAPTURE(p.channels_out);
    CAPTURE(p.kernel);
    CAPTURE(p.stride);
    CAPTURE(p.dilation);
    CAPTURE(p.pad_left);
    CAPTURE(p.pad_right);
    const index_t Lo = p.length_out();
    REQUIRE(Lo >= 1);
    const index_t nx = p.batch * p.length * p.channels_in, ny = p.batch * Lo * p.channels_out;
    const index_t nw = p.kernel * p.channels_in * p.channels_out;
    const auto x = test::random_vector<T>(nx, seed), w = test::random_vector<T>(nw, seed + 1);
    const auto bias = test::random_vector<T>(p.channels_out, seed + 2);
    const auto dy = test::random_vector<T>(ny, seed + 3);
    const Naive<T> naive{p};
    bench::EigenConv1d<T> eigen(p);
    const T tol = test::tolerance<T>(p.kernel * std::max(p.channels_in, p.channels_out) * p.batch * Lo);

    for (const T* b : {bias.data(), static_cast<const T*>(nullptr)}) {
        std::vector<T> y(ny, T(7)), ye(ny);
        kernels::conv1d_forward(p, x.data(), w.data(), b, y.data());
        eigen.forward(x.data(), w.data(), b, ye.data());
        test::check_close(y, naive.forward(x, w, b), tol, "forward vs naive");
        test::check_close(y, ye, tol, "forward vs Eigen");
    }
    for (bool acc : {false, true}) {
        CAPTURE(acc);
        const auto dx0 = test::random_vector<T>(nx, seed + 4), dw0 = test::random_vector<T>(nw, seed + 5);
        std::vector<T> dx = dx0, dxe = dx0, dw = dw0, dwe = dw0;
        kernels::conv1d_backward_data(p, dy.data(), w.data(), dx.data(), acc);
        eigen.backward_data(dy.data(), w.data(), dxe.data(), acc);
        test::check_close(dx, naive.backward_data(dy, w, acc ? dx0 : std::vector<T>(nx)), tol,
                          "backward-data vs naive");
        test::check_close(dx, dxe, tol, "backward-data vs Eigen");
        kernels::conv1d_backward_weight(p, x.data(), dy.data(), dw.data(), acc);
        eigen.backward_weight(x.data(), dy.data(), dwe.data(), acc);
        test::check_close(dw, naive.backward_weight(x, dy, acc ? dw0 : std::vector<T>(nw)), tol,
                          "backward-weight vs naive");
        test::check_close(dw, dwe, tol, "backward-weight vs Eigen");

        std::vector<T> db(p.channels_out, T(acc ? 1 : 9)), want(p.channels_out, T(acc ? 1 : 0));
        kernels::conv1d_backward_bias(p, dy.data(), db.data(), acc);
        for (index_t r = 0; r < p.batch * Lo; ++r)
            for (index_t o = 0; o < p.channels_out; ++o) want[o] += dy[r * p.channels_out + o];
        test::check_close(db, want, tol, "backward-bias");
    }
}

}  // namespace

TEST_CASE_TEMPLATE("conv1d: padding modes x stride x dilation, odd sizes", T, float, double) {
    std::uint64_t seed = 1;
    for (Padding mode : {Padding::Same, Padding::Valid, Padding::Explicit})
        for (index_t stride : {1, 2, 3})
            for (index_t dilation : {1, 2})
                for (index_t kernel : {1, 3, 4}) {
                    Conv1dParams p{.batch = 2, .length = 13, .channels_in = 3, .channels_out = 7, .kernel = kernel,
                                   .stride = stride, .dilation = dilation};
                    p.set_padding(mode, 2, 1);
                    check_conv<T>(p, seed++);
                }
}

TEST_CASE_TEMPLATE("conv1d: channel counts across micro-panel edges", T, float, double) {
    std::uint64_t seed = 100;
    for (auto [ci, co] : {std::pair{index_t(1), index_t(1)}, {index_t(17), index_t(33)}, {index_t(65), index_t(9)},
                          {index_t(8), index_t(129)}}) {
        Conv1dParams p{.batch = 3, .length = 11, .channels_in = ci, .channels_out = co, .kernel = 3};
        p.set_padding(Padding::Same);
        check_conv<T>(p, seed++);
    }
    // Padding wider than the kernel's reach: whole rows of zeros in the implicit im2col.
    Conv1dParams p{.batch = 2, .length = 5, .channels_in = 4, .channels_out = 5, .kernel = 2};
    p.set_padding(Padding::Explicit, 4, 3);
    check_conv<T>(p, seed++);
}

TEST_CASE("conv1d: threaded result equals the single-threaded bits, large enough to thread") {
    Conv1dParams p{.batch = 16, .length = 64, .channels_in = 32, .channels_out = 48, .kernel = 3};
    p.set_padding(Padding::Same);
    check_conv<float>(p, 500);
    const auto x = test::random_vector<float>(16 * 64 * 32, 1), w = test::random_vector<float>(3 * 32 * 48, 2);
    const auto dy = test::random_vector<float>(16 * 64 * 48, 3);
    const int saved = num_threads();
    std::vector<float> y[2], dx[2], dw[2];
    for (int n : {1, 2}) {
        set_num_threads(n);
        y[n - 1].resize(dy.size());
        dx[n - 1].resize(x.size());
        dw[n - 1].resize(w.size());
        kernels::conv1d_forward(p, x.data(), w.data(), static_cast<const float*>(nullptr), y[n - 1].data());
        kernels::conv1d_backward_data(p, dy.data(), w.data(), dx[n - 1].data());
        kernels::conv1d_backward_weight(p, x.data(), dy.data(), dw[n - 1].data());
    }
    set_num_threads(saved);
    CHECK(y[0] == y[1]);
    CHECK(dx[0] == dx[1]);
    CHECK(dw[0] == dw[1]);
}
