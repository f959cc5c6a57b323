#pragma once
// ink::MatmulPrecision: the scoped guard that sets this thread's matmul precision (core/precision.hpp
// says what runs in bf16 and what stays float):
//
//   #include <ink/precision.hpp>
//   ink::MatmulPrecision guard(ink::Precision::bf16);   // products in bf16 until the end of the scope
//
// Opt-in, and not part of <ink/ink.hpp>: this header brings the bf16 GEMM and conv1d kernels, and the
// translation unit that makes a guard is the only one that compiles them (kernels/mixed_precision.hpp
// reaches them through the table the guard fills in).
//
// Asking for bf16 in a build without AVX512-BF16 says so once on stderr: the products are then
// emulated with float FMAs: the same bits, but slower than float products (about 3x for a poem training
// step on a Zen 3, docs/kernels-bf16.md), so f32 is the better choice on such a CPU.
#include <cstdio>
#include <mutex>

#include "ink/core/precision.hpp"
#include "ink/kernels/conv1d_bf16.hpp"
#include "ink/kernels/gemm_bf16.hpp"
#include "ink/kernels/mixed_precision.hpp"

namespace ink {

namespace detail {
inline constexpr kernels::mixed::Bf16Products kBf16Products{
    &kernels::gemm_bf16, &kernels::conv1d_forward_bf16, &kernels::conv1d_backward_data_bf16,
    &kernels::conv1d_backward_weight_bf16};
}  // namespace detail

// Sets this thread's product precision for the guard's lifetime, then restores the previous one.
class MatmulPrecision {
public:
    explicit MatmulPrecision(Precision p) : saved_(detail::matmul_precision_slot()) {
        kernels::mixed::detail::bf16_products_slot().store(&detail::kBf16Products, std::memory_order_release);
        if (p == Precision::bf16 && !simd::kHasBf16Dot) {
            static std::once_flag told;
            std::call_once(told, [] {
                std::fputs("ink: bf16 products requested, but this build has no AVX512-BF16 (-mavx512bf16 or "
                           "-march=native on a CPU with it): they are emulated with float FMAs (same results, "
                           "slower than f32 products)\n",
                           stderr);
            });
        }
        detail::matmul_precision_slot() = p;
    }
    ~MatmulPrecision() { detail::matmul_precision_slot() = saved_; }
    MatmulPrecision(const MatmulPrecision&) = delete;
    MatmulPrecision& operator=(const MatmulPrecision&) = delete;

private:
    Precision saved_;
};

}  // namespace ink
