#pragma once
// GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, on raw pointers.
//
// op(A) is M x K: A is M x K (lda >= K) when ta == Trans::No, K x M (lda >= M) when Trans::Yes.
// op(B) is K x N: B is K x N (ldb >= N) when tb == Trans::No, N x K (ldb >= K) when Trans::Yes.
// C is M x N with ldc >= N. When beta == 0, C is not read (NaNs in C do not propagate).
//
// Packed panels, a register-blocked micro-kernel and cache blocking: see detail/gemm_driver.hpp and
// docs/kernels.md. Threads (ink::num_threads()) are used above a work threshold; the result does not
// depend on scheduling.
#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"
#include "ink/kernels/detail/gemm_driver.hpp"

namespace ink::kernels {

enum class Trans : bool { No = false, Yes = true };

namespace detail {
// gemm below, multiplying as Arith says (gemm_microkernel.hpp).
template <class Arith, class T>
void gemm_strided(Trans ta, Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A, index_t lda, const T* B,
                  index_t ldb, T beta, T* C, index_t ldc) {
    INK_ASSERT(M >= 0 && N >= 0 && K >= 0);
    INK_ASSERT(ldc >= N);
    INK_ASSERT(lda >= (ta == Trans::No ? K : M) && ldb >= (tb == Trans::No ? N : K));
    using Rows = StridedRows<T>;
    const bool at = ta == Trans::Yes, bt = tb == Trans::Yes;
    // A's rows run along K exactly when A is transposed; B's rows run along K when B is not.
    const Operand<Rows> a{Rows{A, lda, at ? M : K}, at};
    const Operand<Rows> b{Rows{B, ldb, bt ? K : N}, !bt};
    gemm_sources<Arith>(M, N, K, alpha, a, b, beta, static_cast<const T*>(nullptr), C, ldc);
}
}  // namespace detail

template <class T>
void gemm(Trans ta, Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A, index_t lda, const T* B,
          index_t ldb, T beta, T* C, index_t ldc) {
    detail::gemm_strided<detail::FmaArith<T>>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace ink::kernels
