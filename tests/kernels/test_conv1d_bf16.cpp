// conv1d in bf16 (forward, backward-data, backward-weight) against the definition with x, w and dy
// rounded to bf16 and summed in double; the emulated kernels against the AVX512-BF16 ones bit for bit.
//
// Error bound: as for gemm_bf16 (test_gemm_bf16.cpp), each output is a recursive float summation of
// its exact bf16 products over the GEMM depth D (K*Cin forward, K*Cout backward-data, B*Lout
// backward-weight) in blocks of at most 512, plus per block one rounding for the scaling and one for
// the add into the output (bias or accumulate): n = D + 2 * blocks + 1 roundings, and
//   |y - y_ref| <= gamma(n) * (sum |products| + |bias or previous value|),  gamma(n) = n u / (1 - n u).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d_bf16.hpp"
#include "support/kernel_cases.hpp"

using namespace ink;
using kernels::Conv1dParams;
using ink::Padding;

namespace {

float round_bf16(float x) { return simd::bf16_value(simd::bf16_bits(x)); }

// Exact sums (double) and sums of magnitudes of the bf16 products, one per output element.
struct Reference {
    std::vector<double> sum, magnitude;
    explicit Reference(std::size_t n) : sum(n, 0.0), magnitude(n, 0.0) {}
    void add(std::size_t i, float a, float b) {
        const double p = double(round_bf16(a)) * double(round_bf16(b));
        sum[i] += p;
        magnitude[i] += std::abs(p);
    }
};

// got = ref.sum + base within the bound, for depth D.
void check_bound(const std::vector<float>& got, const Reference& ref, const std::vector<float>& base, index_t depth,
                 const char* what) {
    const double g = test::float_summation_gamma(double(depth) + 2 * std::ceil(double(depth) / 512.0) + 1);
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double want = ref.sum[i] + base[i];
        const double bound = g * (ref.magnitude[i] + std::abs(double(base[i]))) + 1e-30;
        if (!(std::abs(got[i] - want) <= bound)) {
            FAIL_CHECK(what << ": element " << i << " is " << got[i] << ", expected " << want << " +- " << bound);
            return;
        }
    }
}

// The three products of p in bf16 (with bias and accumulate), each checked against the reference;
// returns the outputs (y, dx, dw) for the bit comparison.
template <class Arith>
std::vector<std::vector<float>> run(const Conv1dParams& p, std::uint64_t seed) {
    const index_t Lo = p.length_out(), Ci = p.channels_in, Co = p.channels_out;
    const auto x = test::random_vector<float>(p.batch * p.length * Ci, seed);
    const auto w = test::random_vector<float>(p.kernel * Ci * Co, seed + 1);
    const auto bias = test::random_vector<float>(Co, seed + 2);
    const auto dy = test::random_vector<float>(p.batch * Lo * Co, seed + 3);
    const auto dx0 = test::random_vector<float>(p.batch * p.length * Ci, seed + 4);
    const auto dw0 = test::random_vector<float>(p.kernel * Ci * Co, seed + 5);

    std::vector<float> y(dy.size()), dx = dx0, dw = dw0;
    kernels::conv1d_forward<float, Arith>(p, x.data(), w.data(), bias.data(), y.data());
    kernels::conv1d_backward_data<float, Arith>(p, dy.data(), w.data(), dx.data(), true);
    kernels::conv1d_backward_weight<float, Arith>(p, x.data(), dy.data(), dw.data(), true);

    Reference ry(y.size()), rdx(dx.size()), rdw(dw.size());
    test::for_each_window(p, [&](index_t b, index_t t, index_t k, index_t s) {
        for (index_t c = 0; c < Ci; ++c)
            for (index_t o = 0; o < Co; ++o) {
                const float xv = x[(b * p.length + s) * Ci + c], wv = w[(k * Ci + c) * Co + o];
                const float g = dy[(b * Lo + t) * Co + o];
                ry.add((b * Lo + t) * Co + o, xv, wv);
                rdx.add((b * p.length + s) * Ci + c, g, wv);
                rdw.add((k * Ci + c) * Co + o, xv, g);
            }
    });
    std::vector<float> ybase(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) ybase[i] = bias[i % Co];
    check_bound(y, ry, ybase, p.kernel * Ci, "forward");
    // Backward-data with stride > 1 runs over K*Cout depth steps, most of them zeros.
    check_bound(dx, rdx, dx0, p.kernel * Co, "backward-data");
    check_bound(dw, rdw, dw0, p.batch * Lo, "backward-weight");
    return {y, dx, dw};
}

Conv1dParams params(index_t B, index_t L, index_t Ci, index_t Co, index_t K, index_t stride, index_t dilation,
                    Padding pad) {
    Conv1dParams p;
    p.batch = B, p.length = L, p.channels_in = Ci, p.channels_out = Co, p.kernel = K;
    p.stride = stride, p.dilation = dilation;
    p.set_padding(pad);
    return p;
}

const Conv1dParams kCases[] = {
    params(1, 1, 1, 1, 1, 1, 1, Padding::Valid),     params(2, 7, 3, 5, 3, 1, 1, Padding::Same),
    params(3, 17, 7, 9, 5, 2, 1, Padding::Same),     params(2, 20, 5, 4, 3, 1, 2, Padding::Valid),
    params(4, 10, 64, 65, 3, 1, 1, Padding::Same),   params(2, 33, 63, 17, 4, 3, 2, Padding::Same),
    params(3, 64, 16, 33, 7, 1, 1, Padding::Valid),  params(5, 40, 130, 20, 3, 1, 1, Padding::Same),
    // Deep enough for backward-weight by groups of batch elements (2 groups of 2 + 1, 2 of 10, 8 of 5).
    params(3, 3000, 6, 5, 3, 1, 1, Padding::Same),   params(20, 1000, 7, 4, 3, 2, 2, Padding::Same),
    params(40, 1000, 4, 3, 2, 1, 1, Padding::Valid),
};

// fn(p, seed) for each case, its shape captured, seeds 10 apart from `seed`.
template <std::size_t N, class Fn>
void for_each_case(const Conv1dParams (&cases)[N], std::uint64_t seed, Fn&& fn) {
    for (const Conv1dParams& p : cases) {
        const std::string shape = test::describe(p);
        CAPTURE(shape);
        fn(p, seed);
        seed += 10;
    }
}

}  // namespace

TEST_CASE("conv1d_bf16: forward, backward-data, backward-weight against bf16-rounded inputs summed in double") {
    for_each_case(kCases, 1, [](const Conv1dParams& p, std::uint64_t seed) { run<kernels::detail::Bf16Native>(p, seed); });
}

TEST_CASE("conv1d_bf16: the public entry points are the bf16 GEMM products") {
    const Conv1dParams p = params(2, 9, 5, 6, 3, 1, 1, Padding::Same);
    const auto x = test::random_vector<float>(p.batch * p.length * p.channels_in, 7);
    const auto w = test::random_vector<float>(p.kernel * p.channels_in * p.channels_out, 8);
    std::vector<float> y1(p.batch * p.length_out() * p.channels_out), y2(y1.size());
    kernels::conv1d_forward_bf16(p, x.data(), w.data(), nullptr, y1.data());
    kernels::conv1d_forward<float, kernels::detail::Bf16Native>(p, x.data(), w.data(), nullptr, y2.data());
    CHECK(y1 == y2);
    std::vector<float> dx1(x.size()), dx2(x.size()), dw1(w.size()), dw2(w.size());
    kernels::conv1d_backward_data_bf16(p, y1.data(), w.data(), dx1.data());
    kernels::conv1d_backward_data<float, kernels::detail::Bf16Native>(p, y1.data(), w.data(), dx2.data());
    CHECK(dx1 == dx2);
    kernels::conv1d_backward_weight_bf16(p, x.data(), y1.data(), dw1.data());
    kernels::conv1d_backward_weight<float, kernels::detail::Bf16Native>(p, x.data(), y1.data(), dw2.data());
    CHECK(dw1 == dw2);
}

#if defined(INK_SIMD_BF16_NATIVE)
TEST_CASE("conv1d_bf16: the emulated kernels give the AVX512-BF16 kernels' bits") {
    std::uint64_t seed = 500;
    for (const Conv1dParams& p : kCases) {
        const auto native = run<kernels::detail::Bf16Arith<true>>(p, seed);
        const auto emulated = run<kernels::detail::Bf16Arith<false>>(p, seed);
        for (std::size_t k = 0; k < native.size(); ++k) {
            REQUIRE(native[k].size() == emulated[k].size());
            CHECK(std::memcmp(native[k].data(), emulated[k].data(), native[k].size() * sizeof(float)) == 0);
        }
        seed += 10;
    }
}
#endif

TEST_CASE("conv1d_bf16: backward-weight by groups of batch elements gives the same bits on 1 and 2 threads") {
    for_each_case(kCases, 700, [](const Conv1dParams& p, std::uint64_t seed) {
        const index_t outputs = p.kernel * p.channels_in * p.channels_out;
        if (kernels::detail::weight_group_batches(p.batch, p.length_out(), outputs) == p.batch) return;  // one group
        const auto x = test::random_vector<float>(p.batch * p.length * p.channels_in, seed);
        const auto dy = test::random_vector<float>(p.batch * p.length_out() * p.channels_out, seed + 1);
        const auto dw0 = test::random_vector<float>(p.kernel * p.channels_in * p.channels_out, seed + 2);
        const int saved = num_threads();
        std::vector<float> dw[2] = {dw0, dw0};
        for (int threads : {1, 2}) {
            set_num_threads(threads);
            kernels::conv1d_backward_weight_bf16(p, x.data(), dy.data(), dw[threads - 1].data(), true);
        }
        set_num_threads(saved);
        CHECK(std::memcmp(dw[0].data(), dw[1].data(), dw[0].size() * sizeof(float)) == 0);
        // Without accumulate, dw is overwritten (NaNs before): the sums added to zeros.
        std::vector<float> fresh(dw0.size(), std::numeric_limits<float>::quiet_NaN()), zeros(dw0.size(), 0.0f);
        kernels::conv1d_backward_weight_bf16(p, x.data(), dy.data(), fresh.data(), false);
        kernels::conv1d_backward_weight_bf16(p, x.data(), dy.data(), zeros.data(), true);
        CHECK(fresh == zeros);
    });
}
