#pragma once
// The products of the ops (matmul, linear, conv1d, linear_cross_entropy) at the thread's matmul
// precision (core/precision.hpp): kernels::mixed::gemm and conv1d_* take the arguments of
// kernels::gemm and conv1d_* and run the f32 or the bf16 kernel. double always runs in double.
//
// Asking for bf16 in a build without AVX512-BF16 says so once on stderr: the products are then
// emulated with float FMAs (the same bits, no speed-up).
#include <cstdio>
#include <mutex>
#include <type_traits>

#include "ink/core/precision.hpp"
#include "ink/kernels/conv1d_bf16.hpp"
#include "ink/kernels/gemm_bf16.hpp"

namespace ink::kernels::mixed {

// True when this thread's float products run in bf16.
inline bool float_products_in_bf16() {
    if (matmul_precision() != Precision::bf16) return false;
    if constexpr (!simd::kHasBf16Dot) {
        static std::once_flag told;
        std::call_once(told, [] {
            std::fputs("ink: bf16 products requested, but this build has no AVX512-BF16 (-mavx512bf16 or -march=native "
                       "on a CPU with it): they are emulated with float FMAs (same results, no speed-up)\n",
                       stderr);
        });
    }
    return true;
}

template <class T>
void gemm(Trans ta, Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A, index_t lda, const T* B,
          index_t ldb, T beta, T* C, index_t ldc) {
    if constexpr (std::is_same_v<T, float>)
        if (float_products_in_bf16()) return gemm_bf16(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    kernels::gemm<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void conv1d_forward(const Conv1dParams& p, const T* x, const T* w, const T* bias, T* y) {
    if constexpr (std::is_same_v<T, float>)
        if (float_products_in_bf16()) return conv1d_forward_bf16(p, x, w, bias, y);
    kernels::conv1d_forward<T>(p, x, w, bias, y);
}

template <class T>
void conv1d_backward_data(const Conv1dParams& p, const T* dy, const T* w, T* dx, bool accumulate = false) {
    if constexpr (std::is_same_v<T, float>)
        if (float_products_in_bf16()) return conv1d_backward_data_bf16(p, dy, w, dx, accumulate);
    kernels::conv1d_backward_data<T>(p, dy, w, dx, accumulate);
}

template <class T>
void conv1d_backward_weight(const Conv1dParams& p, const T* x, const T* dy, T* dw, bool accumulate = false) {
    if constexpr (std::is_same_v<T, float>)
        if (float_products_in_bf16()) return conv1d_backward_weight_bf16(p, x, dy, dw, accumulate);
    kernels::conv1d_backward_weight<T>(p, x, dy, dw, accumulate);
}

}  // namespace ink::kernels::mixed
