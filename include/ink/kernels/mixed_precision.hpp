#pragma once
// The products of the ops (matmul, linear, conv1d, linear_cross_entropy) at the thread's matmul
// precision (core/precision.hpp): kernels::mixed::gemm and conv1d_* take the arguments of
// kernels::gemm and conv1d_* and run the f32 kernel, or inside an ink::MatmulPrecision guard for
// bf16 the bf16 one. double always runs in double.
//
// The bf16 kernels are reached through a table of function pointers that the guard's header
// (ink/precision.hpp) fills in, not called from here: a translation unit that multiplies but never
// switches to bf16 then does not compile the bf16 GEMM and conv1d a second time beside the f32 ones
// (docs/benchmarks.md, "Compile time"). Only a guard sets the precision to bf16, and the guard fills
// the table first, so bf16 never finds it empty.
#include <atomic>
#include <type_traits>

#include "ink/core/error.hpp"
#include "ink/core/precision.hpp"
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/gemm.hpp"

namespace ink::kernels::mixed {

// The float products in bf16: kernels/gemm_bf16.hpp and conv1d_bf16.hpp, same arguments as f32.
struct Bf16Products {
    void (*gemm)(Trans, Trans, index_t, index_t, index_t, float, const float*, index_t, const float*, index_t, float,
                 float*, index_t);
    void (*conv1d_forward)(const Conv1dParams&, const float*, const float*, const float*, float*);
    void (*conv1d_backward_data)(const Conv1dParams&, const float*, const float*, float*, bool);
    void (*conv1d_backward_weight)(const Conv1dParams&, const float*, const float*, float*, bool);
};

namespace detail {
// Filled in by the first MatmulPrecision guard; always the same table, whichever thread sets it.
inline std::atomic<const Bf16Products*>& bf16_products_slot() {
    static std::atomic<const Bf16Products*> table{nullptr};
    return table;
}
}  // namespace detail

// This thread's float products in bf16, or null when they run in f32.
inline const Bf16Products* float_products_in_bf16() {
    if (matmul_precision() != Precision::bf16) return nullptr;
    const Bf16Products* table = detail::bf16_products_slot().load(std::memory_order_acquire);
    INK_CHECK(table != nullptr, "bf16 products asked for without an ink::MatmulPrecision guard (ink/precision.hpp)");
    return table;
}

template <class T>
void gemm(Trans ta, Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A, index_t lda, const T* B,
          index_t ldb, T beta, T* C, index_t ldc) {
    if constexpr (std::is_same_v<T, float>)
        if (const Bf16Products* bf16 = float_products_in_bf16())
            return bf16->gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    kernels::gemm<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void conv1d_forward(const Conv1dParams& p, const T* x, const T* w, const T* bias, T* y) {
    if constexpr (std::is_same_v<T, float>)
        if (const Bf16Products* bf16 = float_products_in_bf16()) return bf16->conv1d_forward(p, x, w, bias, y);
    kernels::conv1d_forward<T>(p, x, w, bias, y);
}

template <class T>
void conv1d_backward_data(const Conv1dParams& p, const T* dy, const T* w, T* dx, bool accumulate = false) {
    if constexpr (std::is_same_v<T, float>)
        if (const Bf16Products* bf16 = float_products_in_bf16())
            return bf16->conv1d_backward_data(p, dy, w, dx, accumulate);
    kernels::conv1d_backward_data<T>(p, dy, w, dx, accumulate);
}

template <class T>
void conv1d_backward_weight(const Conv1dParams& p, const T* x, const T* dy, T* dw, bool accumulate = false) {
    if constexpr (std::is_same_v<T, float>)
        if (const Bf16Products* bf16 = float_products_in_bf16())
            return bf16->conv1d_backward_weight(p, x, dy, dw, accumulate);
    kernels::conv1d_backward_weight<T>(p, x, dy, dw, accumulate);
}

}  // namespace ink::kernels::mixed
