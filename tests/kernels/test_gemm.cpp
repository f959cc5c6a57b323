// ink::kernels::gemm against a naive loop and against Eigen: float and double, all transposes, odd
// shapes, alpha/beta, leading dimensions wider than the matrix, blocking edges and thread counts.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <vector>

#include "ink/core/threads.hpp"
#include "ink/kernels/gemm.hpp"
#include "support/kernel_cases.hpp"

using namespace ink;
using kernels::Trans;

namespace {

template <class T>
using Case = test::GemmCase<T>;

// Accumulates in long double, so the reference is exact to well below the tolerance.
template <class T>
std::vector<T> naive(const Case<T>& c, const std::vector<T>& A, const std::vector<T>& B, std::vector<T> C) {
    for (index_t i = 0; i < c.M; ++i)
        for (index_t j = 0; j < c.N; ++j) {
            long double s = 0;
            for (index_t k = 0; k < c.K; ++k) s += (long double)c.a(A, i, k) * c.b(B, k, j);
            T& cij = C[i * c.ldc() + j];
            cij = T(c.alpha * s + (c.beta == T(0) ? 0.0L : (long double)c.beta * cij));
        }
    return C;
}

template <class T>
std::vector<T> eigen(const Case<T>& c, const std::vector<T>& A, const std::vector<T>& B, std::vector<T> C) {
    using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Stride = Eigen::OuterStride<>;
    const bool at = c.ta == Trans::Yes, bt = c.tb == Trans::Yes;
    Eigen::Map<const Mat, 0, Stride> a(A.data(), at ? c.K : c.M, at ? c.M : c.K, Stride(c.lda()));
    Eigen::Map<const Mat, 0, Stride> b(B.data(), bt ? c.N : c.K, bt ? c.K : c.N, Stride(c.ldb()));
    Eigen::Map<Mat, 0, Stride> out(C.data(), c.M, c.N, Stride(c.ldc()));
    Mat prod = at ? (bt ? Mat(a.transpose() * b.transpose()) : Mat(a.transpose() * b))
                  : (bt ? Mat(a * b.transpose()) : Mat(a * b));
    if (c.beta == T(0))
        out = c.alpha * prod;
    else
        out = c.alpha * prod + c.beta * out;
    return C;
}

template <class T>
void check_case(const Case<T>& c, std::uint64_t seed) {
    INFO(c.describe());
    const test::GemmInputs<T> in(c, seed);
    const std::vector<T>&A = in.A, &B = in.B, &C0 = in.C0;
    std::vector<T> C = C0;
    kernels::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), c.lda(), B.data(), c.ldb(), c.beta, C.data(),
                     c.ldc());
    test::require_padding_untouched(c, C, C0);
    const T tol = test::tolerance<T>(c.K) * std::max<T>(1, std::abs(c.alpha));
    auto valid = [&](const std::vector<T>& v) {
        std::vector<T> out;
        for (index_t i = 0; i < c.M; ++i) out.insert(out.end(), v.begin() + i * c.ldc(), v.begin() + i * c.ldc() + c.N);
        return out;
    };
    test::check_close(valid(C), valid(naive(c, A, B, C0)), tol, "gemm vs naive");
    test::check_close(valid(C), valid(eigen(c, A, B, C0)), tol, "gemm vs Eigen");
}

constexpr Trans kTrans[] = {Trans::No, Trans::Yes};

}  // namespace

TEST_CASE_TEMPLATE("gemm: odd shapes, all transposes, against naive and Eigen", T, float, double) {
    const index_t sizes[] = {1, 3, 7, 17, 63, 65};
    std::uint64_t seed = 1;
    for (Trans ta : kTrans)
        for (Trans tb : kTrans)
            for (index_t M : sizes)
                for (index_t N : {index_t(1), index_t(7), index_t(33), index_t(65)})
                    for (index_t K : {index_t(1), index_t(5), index_t(63)})
                        check_case<T>({ta, tb, M, N, K, T(1), T(0)}, seed++);
}

TEST_CASE_TEMPLATE("gemm: alpha, beta (beta = 0 ignores NaN in C), wide leading dimensions", T, float, double) {
    std::uint64_t seed = 100;
    for (Trans ta : kTrans)
        for (Trans tb : kTrans)
            for (auto [alpha, beta] : {std::pair{T(1), T(1)}, {T(-0.5), T(0)}, {T(2), T(-1.5)}, {T(0), T(0.5)},
                                       {T(0), T(0)}, {T(0.75), T(0.25)}})
                for (index_t pad : {0, 5}) check_case<T>({ta, tb, 29, 45, 31, alpha, beta, pad}, seed++);
}

TEST_CASE_TEMPLATE("gemm: K = 0 scales C, empty shapes do nothing", T, float, double) {
    check_case<T>({Trans::No, Trans::No, 5, 9, 0, T(1), T(0.5)}, 7);
    check_case<T>({Trans::Yes, Trans::No, 5, 9, 0, T(1), T(0)}, 8);
    std::vector<T> C{T(3)};
    kernels::gemm<T>(Trans::No, Trans::No, 0, 1, 4, T(1), nullptr, 4, nullptr, 1, T(0), C.data(), 1);
    kernels::gemm<T>(Trans::No, Trans::No, 1, 0, 4, T(1), nullptr, 4, nullptr, 1, T(0), C.data(), 1);
    CHECK(C[0] == T(3));
}

TEST_CASE_TEMPLATE("gemm: several depth, row and column blocks (packing buffers, beta after the first block)", T,
                   float, double) {
    // K = 600 gives three depth blocks; N = 1100 gives several column blocks; M = 2100 (float) or
    // 1100 (double) crosses a row block.
    const index_t M = sizeof(T) == 4 ? 2100 : 1100;
    check_case<T>({Trans::No, Trans::No, M, 9, 600, T(1), T(0.5)}, 11);
    check_case<T>({Trans::Yes, Trans::Yes, 13, 1100, 300, T(1), T(0)}, 12);
}

TEST_CASE_TEMPLATE("gemm: threaded result equals the single-threaded bits", T, float, double) {
    const int saved = num_threads();
    for (Trans ta : kTrans)
        for (auto [M, N] : {std::pair{index_t(300), index_t(70)}, {index_t(70), index_t(300)}}) {
            const index_t K = 257;
            const index_t lda = ta == Trans::No ? K : M;
            const auto A = test::random_vector<T>(M * K, 21);
            const auto B = test::random_vector<T>(K * N, 22);
            std::vector<T> C1(M * N), C2(M * N);
            set_num_threads(1);
            kernels::gemm<T>(ta, Trans::No, M, N, K, T(1), A.data(), lda, B.data(), N, T(0), C1.data(), N);
            set_num_threads(2);
            kernels::gemm<T>(ta, Trans::No, M, N, K, T(1), A.data(), lda, B.data(), N, T(0), C2.data(), N);
            CHECK(C1 == C2);
        }
    set_num_threads(saved);
}
