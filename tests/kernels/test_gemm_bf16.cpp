// ink::kernels::gemm_bf16 against a reference that rounds A and B to bf16 (an independent scalar
// rounding written here) and accumulates in double; the emulated kernel against the AVX512-BF16 one
// bit for bit; the hardware's rounding (vcvtne2ps2bf16, vdpbf16ps) against the model the emulation
// implements.
//
// Error bound. The products of two bf16 values are exact in float, so the only errors are the float
// additions: each output sums its K products one by one into a float accumulator per depth block
// of at most 512 steps (two FMAs per pair, each one rounding), then C = alpha * acc + beta * C (one
// rounding for alpha * acc, one for the fused add) once per block. That is a recursive summation
// with n = K + 2 * blocks roundings, so (Higham, Accuracy and Stability, 4.2)
//   |C - C_ref| <= gamma(n) * (|alpha| * sum_k |a_k b_k| + |beta * C0|),  gamma(n) = n u / (1 - n u),
// u = 2^-24, with a_k, b_k the bf16-rounded inputs. Any rounding other than nearest-even of the
// inputs (truncation, say) is off by ~2^-9 of a term and fails it at once.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/gemm_bf16.hpp"
#include "support/kernel_cases.hpp"

using namespace ink;
using kernels::Trans;

namespace {

float from_bits(std::uint32_t u) {
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}
std::uint32_t to_bits(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    return u;
}

// Round to the nearest bf16, ties to even, by comparing the two neighbours in double (independent of
// the bit trick in simd/bf16.hpp). Subnormal floats flush to signed zero, as vcvtne2ps2bf16 does.
float reference_bf16(float x) {
    if (std::isnan(x)) return x;
    if (x != 0 && std::abs(x) < std::numeric_limits<float>::min()) return std::copysign(0.0f, x);
    const std::uint32_t u = to_bits(x);
    const float down = from_bits(u & 0xffff0000u);  // toward zero
    if (down == x || std::isinf(x)) return x;
    const float up = from_bits((u & 0xffff0000u) + 0x10000u);  // away from zero (inf past the largest)
    // The distance to `up` as if the exponent range went on (so that a tie at the top rounds to inf).
    const double ulp = std::ldexp(1.0, std::ilogb(down) - 7);
    const double dd = std::abs(double(x) - double(down)), du = ulp - dd;
    if (dd != du) return dd < du ? down : up;
    return (to_bits(down) >> 16) & 1 ? up : down;
}

using Case = test::GemmCase<float>;

// Runs gemm_bf16 on c and checks every output against the bound of the header comment, and the
// padding columns of C for being untouched.
std::vector<float> check_case(const Case& c, std::uint64_t seed) {
    INFO(c.describe());
    const test::GemmInputs<float> in(c, seed);
    const std::vector<float>&A = in.A, &B = in.B, &C0 = in.C0;
    std::vector<float> C = C0;
    kernels::gemm_bf16(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), c.lda(), B.data(), c.ldb(), c.beta, C.data(),
                       c.ldc());
    const double blocks = std::ceil(double(c.K) / 512.0);
    const double g = test::float_summation_gamma(double(c.K) + 2 * blocks);
    test::require_padding_untouched(c, C, C0);
    for (index_t i = 0; i < c.M; ++i) {
        for (index_t j = 0; j < c.N; ++j) {
            double sum = 0, magnitude = 0;
            for (index_t k = 0; k < c.K; ++k) {
                const double p = double(reference_bf16(c.a(A, i, k))) * double(reference_bf16(c.b(B, k, j)));
                sum += p;
                magnitude += std::abs(p);
            }
            const double c0 = c.beta == 0 ? 0.0 : double(c.beta) * C0[i * c.ldc() + j];
            const double want = c.alpha * sum + c0;
            const double bound = g * (std::abs(c.alpha) * magnitude + std::abs(c0)) + 1e-30;
            const double got = C[i * c.ldc() + j];
            if (!(std::abs(got - want) <= bound)) {
                FAIL_CHECK("C(" << i << ", " << j << ") = " << got << ", expected " << want << " +- " << bound);
                return C;
            }
        }
    }
    return C;
}

constexpr Trans kTrans[] = {Trans::No, Trans::Yes};

}  // namespace

TEST_CASE("gemm_bf16: the scalar f32 -> bf16 rounding is nearest-even with vcvtne2ps2bf16's special cases") {
    // Every 2^16-th float and its neighbours (ties, carries into the exponent, subnormals, inf, NaN).
    for (std::uint64_t hi = 0; hi < (1u << 16); ++hi)
        for (std::uint32_t lo : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu, 0x1234u}) {
            const float x = from_bits(std::uint32_t(hi << 16) | lo);
            const float got = simd::bf16_value(simd::bf16_bits(x));
            const float want = reference_bf16(x);
            if (std::isnan(x)) {
                REQUIRE(std::isnan(got));
                REQUIRE((to_bits(got) >> 31) == (to_bits(x) >> 31));
            } else if (to_bits(got) != to_bits(want)) {
                FAIL("bf16 of " << x << " (bits " << std::hex << to_bits(x) << ") is " << got << ", expected " << want);
            }
        }
}

TEST_CASE("gemm_bf16: odd shapes, all transposes, against bf16-rounded inputs summed in double") {
    std::uint64_t seed = 1;
    for (Trans ta : kTrans)
        for (Trans tb : kTrans)
            for (index_t M : {1, 7, 12, 13, 63, 65})
                for (index_t N : {1, 7, 33, 65})
                    for (index_t K : {1, 2, 7, 63, 64, 65}) check_case({ta, tb, M, N, K, 1.0f, 0.0f}, seed++);
}

TEST_CASE("gemm_bf16: alpha, beta (beta = 0 ignores NaN in C), wide leading dimensions, several blocks") {
    std::uint64_t seed = 100;
    for (Trans ta : kTrans)
        for (Trans tb : kTrans) {
            for (auto [alpha, beta] : {std::pair{1.0f, 1.0f}, {-0.5f, 0.0f}, {2.0f, -1.5f}, {0.0f, 0.5f},
                                       {0.75f, 0.25f}})
                for (index_t pad : {0, 5}) check_case({ta, tb, 29, 45, 31, alpha, beta, pad}, seed++);
            // K = 600: two depth blocks of 300 (beta applies to the first only); N = 1400: two column
            // blocks (a block holds 512 KiB / (150 pairs * 4 bytes) = 873 columns).
            check_case({ta, tb, 13, 1400, 600, 1.0f, 0.5f, 3}, seed++);
        }
}

TEST_CASE("gemm_bf16: threaded result equals the single-threaded bits") {
    const int saved = num_threads();
    for (auto [M, N] : {std::pair{index_t(300), index_t(70)}, {index_t(70), index_t(300)}}) {
        const index_t K = 257;
        const auto A = test::random_vector<float>(M * K, 21);
        const auto B = test::random_vector<float>(K * N, 22);
        std::vector<float> C1(M * N), C2(M * N);
        set_num_threads(1);
        kernels::gemm_bf16(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C1.data(), N);
        set_num_threads(2);
        kernels::gemm_bf16(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C2.data(), N);
        CHECK(C1 == C2);
    }
    set_num_threads(saved);
}

#if defined(INK_SIMD_BF16_NATIVE)
TEST_CASE("gemm_bf16: vdpbf16ps is two flushed FMAs, odd product first (the model the emulation follows)") {
    using V = simd::Vec<float>;
    constexpr index_t W = V::width;
    Rng rng(5);
    std::int64_t mismatches = 0;
    for (int it = 0; it < 20000; ++it) {
        // Magnitudes spread over 2^-12 .. 2^12 (cancellation, ties) and a few near the subnormal range.
        float acc[W], a[W], b[W], got[W], want[W];
        auto random_float = [&](int spread) {
            const float m = float(1 + rng.uniform()) * (rng.uniform() < 0.5 ? -1.0f : 1.0f);
            const int e = it % 97 == 0 ? -126 + int(8 * rng.uniform()) : int(2 * spread * rng.uniform()) - spread;
            return std::ldexp(m, e);
        };
        for (index_t l = 0; l < W; ++l) {
            acc[l] = random_float(12);
            a[l] = simd::bf16_pair(random_float(6), random_float(6));
            b[l] = simd::bf16_pair(random_float(6), random_float(6));
        }
        simd::Vec<float>(simd::isa::dot_bf16(V::load(acc).v, V::load(a).v, V::load(b).v)).store(got);
        simd::dot_bf16_emulated(V::load(acc), V::load(a), V::load(b)).store(want);
        for (index_t l = 0; l < W; ++l) mismatches += to_bits(got[l]) != to_bits(want[l]);
    }
    CHECK(mismatches == 0);
}

TEST_CASE("gemm_bf16: vcvtne2ps2bf16 rounds as simd::bf16_bits") {
    using V = simd::Vec<float>;
    constexpr index_t W = V::width;
    for (std::uint64_t u0 = 0; u0 < (std::uint64_t{1} << 32); u0 += 2 * W * 4099) {
        float x[2 * W], pairs[W];
        for (index_t l = 0; l < 2 * W; ++l) x[l] = from_bits(std::uint32_t(u0 + std::uint64_t(l) * 131));
        V(simd::isa::bf16_pairs_of_run(V::load(x).v, V::load(x + W).v)).store(pairs);
        for (index_t l = 0; l < W; ++l) REQUIRE(to_bits(pairs[l]) == to_bits(simd::bf16_pair(x[2 * l], x[2 * l + 1])));
    }
}

TEST_CASE("gemm_bf16: the emulated kernel gives the AVX512-BF16 kernel's bits") {
    using Emulated = kernels::detail::Bf16Arith<false>;
    std::uint64_t seed = 300;
    for (Trans ta : kTrans)
        for (Trans tb : kTrans)
            for (auto [M, N, K] : {std::tuple{index_t(1), index_t(1), index_t(1)}, {7, 65, 63}, {65, 7, 600},
                                   {100, 130, 257}, {13, 33, 2}})
                for (float beta : {0.0f, 0.5f}) {
                    const Case c{ta, tb, M, N, K, 0.75f, beta, 2};
                    const auto native = check_case(c, seed);
                    const auto A = test::random_vector<float>((ta == Trans::No ? M : K) * c.lda(), seed);
                    const auto B = test::random_vector<float>((tb == Trans::No ? K : N) * c.ldb(), seed + 1);
                    auto C = test::random_vector<float>(M * c.ldc(), seed + 2);
                    if (beta == 0) std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
                    kernels::detail::gemm_strided<Emulated>(ta, tb, M, N, K, c.alpha, A.data(), c.lda(), B.data(),
                                                            c.ldb(), beta, C.data(), c.ldc());
                    for (std::size_t i = 0; i < C.size(); ++i)
                        if (!std::isnan(C[i])) REQUIRE(to_bits(C[i]) == to_bits(native[i]));
                    seed += 3;
                }
}
#endif
