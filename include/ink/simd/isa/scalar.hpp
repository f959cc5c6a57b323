#pragma once
// Portable C++: one lane per "register"; the compiler may still vectorise.
// One of the per-instruction-set blocks of the SIMD layer (see ink/simd/vec.hpp for the contract);
// included by vec.hpp only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ink/core/shape.hpp"

namespace ink::simd {

inline constexpr const char* kIsa = "scalar";
// The GEMM register tile, rows of A x "vectors" of B: 4 x 4 scalars (16 accumulators).
inline constexpr int kGemmTileRows = 4, kGemmTileVectors = 4;
template <class T> struct Native { using type = T; using mask = bool; };

namespace isa {
template <class T> T set1(T a) { return a; }
template <class T> T loadu(const T* p) { return *p; }
template <class T> void storeu(T* p, T v) { *p = v; }
template <class T> T load_first(const T* p, index_t k, T fill) { return k > 0 ? *p : fill; }
template <class T> void store_first(T* p, index_t k, T v) { if (k > 0) *p = v; }
template <class T> T fma(T a, T b, T c) { return a * b + c; }
// Same NaN rule as the x86 instructions: the second operand is returned when either is NaN.
template <class T> T max(T a, T b) { return a > b ? a : b; }
template <class T> T sqrt(T a) { return std::sqrt(a); }
template <class T> T min(T a, T b) { return a < b ? a : b; }
template <class T> T abs(T a) { return std::abs(a); }
template <class T> bool lt(T a, T b) { return a < b; }
template <class T> bool eq(T a, T b) { return a == b; }
template <class T> T select(bool m, T a, T b) { return m ? a : b; }
template <class T> T hsum(T a) { return a; }
template <class T> T hmax(T a) { return a; }
inline float round(float a) { return std::nearbyint(a); }
inline float ldexp(float a, float n) { return std::ldexp(a, static_cast<int>(n)); }
inline float mantissa(float x) {
    int e;
    return 2.0f * std::frexp(x, &e);
}
inline float exponent(float x) { return static_cast<float>(std::ilogb(x)); }
// bf16 pairs (see ink/simd/bf16.hpp): the 32 bits hold two bf16, the even one in the low half.
inline float bf16_low(float a) {
    std::uint32_t u;
    std::memcpy(&u, &a, 4);
    u <<= 16;
    std::memcpy(&a, &u, 4);
    return a;
}
inline float bf16_high(float a) {
    std::uint32_t u;
    std::memcpy(&u, &a, 4);
    u &= 0xffff0000u;
    std::memcpy(&a, &u, 4);
    return a;
}
}  // namespace isa

inline constexpr bool kHasBf16Dot = false;  // bf16 products are emulated with FMAs (ink/simd/bf16.hpp)

}  // namespace ink::simd
