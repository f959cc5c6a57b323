#pragma once
// GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, on raw pointers.
//
// op(A) is M x K: A is M x K (lda >= K) when ta == Trans::No, K x M (lda >= M) when Trans::Yes.
// op(B) is K x N: B is K x N (ldb >= N) when tb == Trans::No, N x K (ldb >= K) when Trans::Yes.
// C is M x N with ldc >= N. When beta == 0, C is not read (NaNs in C do not propagate).
//
// REFERENCE IMPLEMENTATION (placeholder for the packed, register-blocked kernel).
#include <algorithm>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"

namespace ink::kernels {

enum class Trans : bool { No = false, Yes = true };

template <class T>
void gemm(Trans ta, Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A, index_t lda, const T* B,
          index_t ldb, T beta, T* C, index_t ldc) {
    INK_ASSERT(M >= 0 && N >= 0 && K >= 0);
    INK_ASSERT(ldc >= N);
    for (index_t i = 0; i < M; ++i) {
        T* c = C + i * ldc;
        if (beta == T(0))
            std::fill(c, c + N, T(0));
        else if (beta != T(1))
            for (index_t j = 0; j < N; ++j) c[j] *= beta;
        for (index_t k = 0; k < K; ++k) {
            const T a = alpha * (ta == Trans::No ? A[i * lda + k] : A[k * lda + i]);
            if (tb == Trans::No) {
                const T* b = B + k * ldb;
                for (index_t j = 0; j < N; ++j) c[j] += a * b[j];
            } else {
                for (index_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
            }
        }
    }
}

}  // namespace ink::kernels
