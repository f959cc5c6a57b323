#pragma once
// Mixed precision: the precision of the matrix products (matmul, linear, conv1d and the fused
// linear_cross_entropy, forward and backward), chosen by a scoped guard (ink/precision.hpp):
//
//   #include <ink/precision.hpp>
//   ink::MatmulPrecision guard(ink::Precision::bf16);   // until the end of the scope
//
// bf16 rounds the operands of those products to bf16 and sums in float (kernels/gemm_bf16.hpp);
// parameters, gradients, optimizer state, element-wise ops, softmax and losses stay float, and so do
// checkpoints. double tensors always multiply in double.
//
// The setting is per thread (thread_local): a guard is exception-safe and scoped like the code it
// wraps, and two models trained on two threads (a GAN's critic on one, a server's requests on another)
// cannot change each other's arithmetic. ink's worker threads never read it: the op picks its kernel
// on the calling thread before the work is split. A thread starts in f32.
#include <string_view>

#include "ink/core/error.hpp"

namespace ink {

enum class Precision { f32, bf16 };

namespace detail {
inline Precision& matmul_precision_slot() {
    thread_local Precision p = Precision::f32;
    return p;
}
}  // namespace detail

// The precision of this thread's matrix products.
inline Precision matmul_precision() { return detail::matmul_precision_slot(); }

inline const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "f32"; }

// "f32" or "bf16" (e.g. a --precision option); anything else is refused with the valid values.
inline Precision parse_precision(std::string_view s, std::string_view what = "precision") {
    if (s == "f32") return Precision::f32;
    if (s == "bf16") return Precision::bf16;
    detail::fail(what, ": expected one of f32, bf16, got '", s, "'");
}

}  // namespace ink
