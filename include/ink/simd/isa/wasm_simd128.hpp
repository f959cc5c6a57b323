#pragma once
// WebAssembly SIMD (wasm_simd128.h, emcc -msimd128): 4 floats / 2 doubles per 128-bit register.
// One of the per-instruction-set blocks of the SIMD layer (see ink/simd/vec.hpp for the contract);
// included by vec.hpp only.
//
// Two differences from the x86 blocks that change results, not just speed:
//   - wasm SIMD has no fused multiply-add: fma(a, b, c) is a * b + c with two roundings (the relaxed-
//     SIMD madd may or may not fuse, depending on the engine, so it would break reproducibility).
//   - there are no masked loads or stores: a loop's tail goes through a small stack buffer.
// wasm_simd128.h's own v128_t is an integer vector; Vec's operators need float and double vectors, so
// the registers are declared here as such and reinterpreted (a free bit cast) for the intrinsics.
#include <wasm_simd128.h>

#include <cstring>
#include <limits>

#include "ink/core/shape.hpp"

namespace ink::simd {

inline constexpr const char* kIsa = "wasm_simd128";
// The GEMM register tile: rows of A x vectors of B. wasm has no fused multiply-add, so V8 needs a
// temporary per product beside the accumulators, and it keeps 15 xmm registers for values on
// x86-64: small tiles win there. Measured in node and headless Chromium on 2 Dec 2026 (docs/wasm.md):
// 2 x 4 (8 accumulators) 33-41 GFLOP/s against 22 for the 6 x 2 sized for 16 registers.
inline constexpr int kGemmTileRows = 2, kGemmTileVectors = 4;

namespace isa {
typedef float f32x4 __attribute__((__vector_size__(16), __aligned__(16)));
typedef double f64x2 __attribute__((__vector_size__(16), __aligned__(16)));
}  // namespace isa

// Masks are vectors whose lanes are all ones (true) or all zeros (false), as the compares produce.
template <class T> struct Native;
template <> struct Native<float> { using type = isa::f32x4; using mask = isa::f32x4; };
template <> struct Native<double> { using type = isa::f64x2; using mask = isa::f64x2; };

namespace isa {
inline v128_t bits(f32x4 a) { return reinterpret_cast<v128_t>(a); }
inline v128_t bits(f64x2 a) { return reinterpret_cast<v128_t>(a); }
inline f32x4 f32(v128_t a) { return reinterpret_cast<f32x4>(a); }
inline f64x2 f64(v128_t a) { return reinterpret_cast<f64x2>(a); }

inline f32x4 set1(float a) { return f32(wasm_f32x4_splat(a)); }
inline f64x2 set1(double a) { return f64(wasm_f64x2_splat(a)); }
inline f32x4 loadu(const float* p) { return f32(wasm_v128_load(p)); }
inline f64x2 loadu(const double* p) { return f64(wasm_v128_load(p)); }
inline void storeu(float* p, f32x4 v) { wasm_v128_store(p, bits(v)); }
inline void storeu(double* p, f64x2 v) { wasm_v128_store(p, bits(v)); }
// The first k < width lanes from p, the others from fill; nothing past p + k is read.
template <class V, class T>
V load_first_lanes(const T* p, index_t k, V fill) {
    T lanes[sizeof(V) / sizeof(T)];
    std::memcpy(lanes, &fill, sizeof lanes);
    std::memcpy(lanes, p, std::size_t(k) * sizeof(T));
    return reinterpret_cast<V>(wasm_v128_load(lanes));
}
template <class V, class T>
void store_first_lanes(T* p, index_t k, V v) {
    T lanes[sizeof(V) / sizeof(T)];
    std::memcpy(lanes, &v, sizeof lanes);
    std::memcpy(p, lanes, std::size_t(k) * sizeof(T));
}
inline f32x4 load_first(const float* p, index_t k, f32x4 fill) { return load_first_lanes(p, k, fill); }
inline f64x2 load_first(const double* p, index_t k, f64x2 fill) { return load_first_lanes(p, k, fill); }
inline void store_first(float* p, index_t k, f32x4 v) { store_first_lanes(p, k, v); }
inline void store_first(double* p, index_t k, f64x2 v) { store_first_lanes(p, k, v); }
// Not fused (see the top of the file).
inline f32x4 fma(f32x4 a, f32x4 b, f32x4 c) { return a * b + c; }
inline f64x2 fma(f64x2 a, f64x2 b, f64x2 c) { return a * b + c; }
// The x86 rule (a > b ? a : b, so b when either is NaN or both are zeros) is pmax(b, a) = b < a ? a : b.
inline f32x4 max(f32x4 a, f32x4 b) { return f32(wasm_f32x4_pmax(bits(b), bits(a))); }
inline f64x2 max(f64x2 a, f64x2 b) { return f64(wasm_f64x2_pmax(bits(b), bits(a))); }
// a < b ? a : b is pmin(b, a) = a < b ? a : b.
inline f32x4 min(f32x4 a, f32x4 b) { return f32(wasm_f32x4_pmin(bits(b), bits(a))); }
inline f64x2 min(f64x2 a, f64x2 b) { return f64(wasm_f64x2_pmin(bits(b), bits(a))); }
inline f32x4 sqrt(f32x4 a) { return f32(wasm_f32x4_sqrt(bits(a))); }
inline f64x2 sqrt(f64x2 a) { return f64(wasm_f64x2_sqrt(bits(a))); }
inline f32x4 abs(f32x4 a) { return f32(wasm_f32x4_abs(bits(a))); }
inline f64x2 abs(f64x2 a) { return f64(wasm_f64x2_abs(bits(a))); }
inline f32x4 lt(f32x4 a, f32x4 b) { return f32(wasm_f32x4_lt(bits(a), bits(b))); }
inline f64x2 lt(f64x2 a, f64x2 b) { return f64(wasm_f64x2_lt(bits(a), bits(b))); }
inline f32x4 eq(f32x4 a, f32x4 b) { return f32(wasm_f32x4_eq(bits(a), bits(b))); }
inline f64x2 eq(f64x2 a, f64x2 b) { return f64(wasm_f64x2_eq(bits(a), bits(b))); }
inline f32x4 select(f32x4 m, f32x4 a, f32x4 b) { return f32(wasm_v128_bitselect(bits(a), bits(b), bits(m))); }
inline f64x2 select(f64x2 m, f64x2 a, f64x2 b) { return f64(wasm_v128_bitselect(bits(a), bits(b), bits(m))); }
// Horizontal reductions in a fixed order: (0 op 2) op (1 op 3).
inline f32x4 upper_half(f32x4 a) { return f32(wasm_i32x4_shuffle(bits(a), bits(a), 2, 3, 2, 3)); }
inline f32x4 second_lane(f32x4 a) { return f32(wasm_i32x4_shuffle(bits(a), bits(a), 1, 1, 1, 1)); }
inline float hsum(f32x4 a) {
    const f32x4 s = a + upper_half(a);
    return (s + second_lane(s))[0];
}
inline double hsum(f64x2 a) { return a[0] + a[1]; }
inline float hmax(f32x4 a) {
    const f32x4 s = max(a, upper_half(a));
    return max(s, second_lane(s))[0];
}
inline double hmax(f64x2 a) { return a[0] > a[1] ? a[0] : a[1]; }
inline f32x4 round(f32x4 a) { return f32(wasm_f32x4_nearest(bits(a))); }
// a * 2^n for integral n in [-150, 128], as a * 2^h * 2^(n-h) with h = n/2 so that both factors are
// normal floats: the product then over/underflows correctly, through the subnormals.
inline f32x4 ldexp(f32x4 a, f32x4 n) {
    const v128_t ni = wasm_i32x4_trunc_sat_f32x4(bits(n));
    const v128_t h = wasm_i32x4_shr(ni, 1);
    const v128_t bias = wasm_i32x4_splat(127);
    const f32x4 f1 = f32(wasm_i32x4_shl(wasm_i32x4_add(h, bias), 23));
    const f32x4 f2 = f32(wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(ni, h), bias), 23));
    return a * f1 * f2;
}
// x = m * 2^e with m in [1, 2) and e integral, for finite x > 0 including subnormals (which are first
// scaled by 2^32 into the normal range).
inline f32x4 is_subnormal(f32x4 x) { return lt(x, set1(std::numeric_limits<float>::min())); }
inline f32x4 normalised(f32x4 x) { return select(is_subnormal(x), x * set1(4294967296.0f), x); }
inline f32x4 mantissa(f32x4 x) {
    const v128_t b = bits(normalised(x));
    return f32(wasm_v128_or(wasm_v128_and(b, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000)));
}
inline f32x4 exponent(f32x4 x) {
    const v128_t biased = wasm_u32x4_shr(bits(normalised(x)), 23);
    const f32x4 e = f32(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(biased, wasm_i32x4_splat(127))));
    return e - f32(wasm_v128_and(bits(is_subnormal(x)), bits(set1(32.0f))));
}
// bf16 pairs (see ink/simd/bf16.hpp): each 32-bit lane holds two bf16, the even one in the low half.
inline f32x4 bf16_low(f32x4 a) { return f32(wasm_i32x4_shl(bits(a), 16)); }
inline f32x4 bf16_high(f32x4 a) { return f32(wasm_v128_and(bits(a), wasm_i32x4_splat(int(0xffff0000u)))); }
}  // namespace isa

inline constexpr bool kHasBf16Dot = false;  // bf16 products are emulated (ink/simd/bf16.hpp)

}  // namespace ink::simd
