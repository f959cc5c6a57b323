#pragma once
// bf16 GEMM: C = alpha * op(A) * op(B) + beta * C with the elements of A and B rounded to bf16 (round
// to nearest even) and the products summed in float. Same conventions as gemm (gemm.hpp): row-major,
// transposes, any leading dimensions; callers pass and get floats.
//
// The rounding is fused into the packing of A and B (each value is rounded once per packing); the
// micro-kernel multiplies pairs of depth steps with vdpbf16ps (AVX512-BF16), 24 accumulators. Built
// without AVX512-BF16, the same entry point gives the same bits with float FMAs (slower).
// Accumulation order and error bound: docs/kernels-bf16.md; the pair layout: detail/gemm_pack_bf16.hpp.
#include "ink/core/shape.hpp"
#include "ink/kernels/detail/gemm_pack_bf16.hpp"
#include "ink/kernels/gemm.hpp"

namespace ink::kernels {

inline void gemm_bf16(Trans ta, Trans tb, index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                      const float* B, index_t ldb, float beta, float* C, index_t ldc) {
    detail::gemm_strided<detail::Bf16Native>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace ink::kernels
