#pragma once
// bf16 (bfloat16: 1 sign, 8 exponent, 7 mantissa bits, the upper half of an IEEE float) in the SIMD
// layer: conversion from float and the dot product of bf16 pairs with float accumulation.
//
// Pairs: the bf16 GEMM keeps bf16 values two by two in 32-bit lanes, the even-indexed one (along the
// GEMM depth) in the low 16 bits, as AVX512-BF16's vdpbf16ps reads them. A register of pairs is a
// Vec<float> that holds bits, not numbers.
//
// The hardware's arithmetic, measured on this Zen 5 (tests/kernels/test_gemm_bf16.cpp checks it on
// every run where AVX512-BF16 is present):
//   vcvtne2ps2bf16  round to nearest even; float subnormals become signed zeros; NaNs become quiet NaNs
//                   (0x0040 set), keeping sign and upper payload; overflow rounds to infinity.
//   vdpbf16ps       acc = ftz(fma(a.odd, b.odd, acc)), then acc = ftz(fma(a.even, b.even, acc)): two
//                   fused multiply-adds, the odd (high) product first, each rounded to nearest even,
//                   subnormal results flushed to signed zeros (inputs: see below). Not "add the two
//                   products, then accumulate": that model disagrees on 6% of random inputs.
// The emulation below computes exactly this with float FMAs, so that a machine without AVX512-BF16
// gets the same bits. (Subnormal inputs cannot occur: the conversion flushes them and the
// accumulators start at zero and are flushed after each step.)
#include <cstdint>
#include <cstring>
#include <limits>

#include "ink/simd/vec.hpp"

namespace ink::simd {

// The bf16 nearest to x (ties to even), with vcvtne2ps2bf16's special cases, as its 16 bits.
inline std::uint16_t bf16_bits(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    const std::uint32_t exponent = (u >> 23) & 0xff;
    if (exponent == 0xff && (u & 0x7fffff)) return static_cast<std::uint16_t>((u >> 16) | 0x40);  // quiet NaN
    if (exponent == 0) return static_cast<std::uint16_t>((u >> 16) & 0x8000);                    // flush to +-0
    return static_cast<std::uint16_t>((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

// The float whose upper half is h (exact).
inline float bf16_value(std::uint16_t h) {
    const std::uint32_t u = std::uint32_t{h} << 16;
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}

// A pair as the float that carries its bits: (even, odd) -> even | odd << 16.
inline float bf16_pair(float even, float odd) {
    const std::uint32_t u = std::uint32_t{bf16_bits(even)} | std::uint32_t{bf16_bits(odd)} << 16;
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}

// Flushes subnormal lanes to zeros of the same sign (x * 0 keeps the sign).
inline Vec<float> flush_subnormals(Vec<float> x) {
    return select(abs(x) < Vec<float>(std::numeric_limits<float>::min()), x * Vec<float>(0.0f), x);
}

// vdpbf16ps computed with float FMAs: bit for bit the same (see the top of this file).
inline Vec<float> dot_bf16_emulated(Vec<float> acc, Vec<float> a, Vec<float> b) {
    acc = flush_subnormals(fma(Vec<float>(isa::bf16_high(a.v)), Vec<float>(isa::bf16_high(b.v)), acc));
    return flush_subnormals(fma(Vec<float>(isa::bf16_low(a.v)), Vec<float>(isa::bf16_low(b.v)), acc));
}

}  // namespace ink::simd
