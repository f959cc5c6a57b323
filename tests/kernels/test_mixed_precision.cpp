// The precision setting (core/precision.hpp and the guard of ink/precision.hpp) and the kernels the
// ops call through it (kernels/mixed_precision.hpp): bf16 inside a guard, f32 outside, double never in
// bf16.
#include <doctest/doctest.h>

#include <vector>

#include "ink/kernels/mixed_precision.hpp"
#include "ink/precision.hpp"
#include "support/check.hpp"

using namespace ink;
using kernels::Trans;

TEST_CASE("mixed precision: the guard is scoped and nests; parse_precision refuses unknown values") {
    CHECK(matmul_precision() == Precision::f32);
    {
        const MatmulPrecision outer(Precision::bf16);
        CHECK(matmul_precision() == Precision::bf16);
        {
            const MatmulPrecision inner(Precision::f32);
            CHECK(matmul_precision() == Precision::f32);
        }
        CHECK(matmul_precision() == Precision::bf16);
    }
    CHECK(matmul_precision() == Precision::f32);
    CHECK(parse_precision("bf16") == Precision::bf16);
    CHECK(parse_precision("f32") == Precision::f32);
    CHECK_THROWS_WITH_AS(parse_precision("fp16", "--precision"), "--precision: expected one of f32, bf16, got 'fp16'",
                         Error);
}

TEST_CASE("mixed precision: mixed::gemm and conv1d run the bf16 kernels inside the guard only") {
    const index_t M = 9, N = 21, K = 70;
    const auto A = test::random_vector<float>(M * K, 1);
    const auto B = test::random_vector<float>(K * N, 2);
    std::vector<float> f32(M * N), bf16(M * N), got(M * N);
    kernels::gemm<float>(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, f32.data(), N);
    kernels::gemm_bf16(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, bf16.data(), N);
    REQUIRE(f32 != bf16);  // the inputs are not all bf16 values, so the two must differ
    kernels::mixed::gemm<float>(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, got.data(), N);
    CHECK(got == f32);
    {
        const MatmulPrecision guard(Precision::bf16);
        kernels::mixed::gemm<float>(Trans::No, Trans::No, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, got.data(),
                                    N);
        CHECK(got == bf16);
        // double stays double.
        const std::vector<double> Ad(A.begin(), A.end()), Bd(B.begin(), B.end());
        std::vector<double> want(M * N), gotd(M * N);
        kernels::gemm<double>(Trans::No, Trans::No, M, N, K, 1.0, Ad.data(), K, Bd.data(), N, 0.0, want.data(), N);
        kernels::mixed::gemm<double>(Trans::No, Trans::No, M, N, K, 1.0, Ad.data(), K, Bd.data(), N, 0.0, gotd.data(),
                                     N);
        CHECK(gotd == want);
        // conv1d: forward, backward-data, backward-weight.
        kernels::Conv1dParams p;
        p.batch = 2, p.length = 11, p.channels_in = 5, p.channels_out = 7, p.kernel = 3;
        p.set_padding(Padding::Same);
        const auto x = test::random_vector<float>(p.batch * p.length * p.channels_in, 3);
        const auto w = test::random_vector<float>(p.kernel * p.channels_in * p.channels_out, 4);
        std::vector<float> y1(p.batch * p.length_out() * p.channels_out), y2(y1.size());
        kernels::mixed::conv1d_forward<float>(p, x.data(), w.data(), nullptr, y1.data());
        kernels::conv1d_forward_bf16(p, x.data(), w.data(), nullptr, y2.data());
        CHECK(y1 == y2);
        std::vector<float> dx1(x.size()), dx2(x.size()), dw1(w.size()), dw2(w.size());
        kernels::mixed::conv1d_backward_data<float>(p, y1.data(), w.data(), dx1.data());
        kernels::conv1d_backward_data_bf16(p, y1.data(), w.data(), dx2.data());
        CHECK(dx1 == dx2);
        kernels::mixed::conv1d_backward_weight<float>(p, x.data(), y1.data(), dw1.data());
        kernels::conv1d_backward_weight_bf16(p, x.data(), y1.data(), dw2.data());
        CHECK(dw1 == dw2);
    }
}
