#pragma once
// AVX-512F: 16 floats / 8 doubles per register, 32 registers.
// One of the per-instruction-set blocks of the SIMD layer (see ink/simd/vec.hpp for the contract);
// included by vec.hpp only.
#include <immintrin.h>

#include <cstdint>

#include "ink/core/shape.hpp"
#include "ink/simd/isa/x86.hpp"

namespace ink::simd {

inline constexpr const char* kIsa = "avx512";
// The GEMM register tile, rows of A x vectors of B: 16 accumulators + 2 B vectors + 1 broadcast of
// the 32 zmm registers (gemm_microkernel.hpp).
inline constexpr int kGemmTileRows = 8, kGemmTileVectors = 2;
template <class T> struct Native;
template <> struct Native<float> { using type = __m512; using mask = __mmask16; };
template <> struct Native<double> { using type = __m512d; using mask = __mmask8; };

namespace isa {
// GCC 12's unmasked AVX-512 intrinsics start from an "undefined" register that trips
// -Wuninitialized; the zero-masked forms with every lane selected compile to the same instructions.
inline constexpr __mmask16 kAll16 = 0xffff;
inline constexpr __mmask8 kAll8 = 0xff;
inline __m512 set1(float a) { return _mm512_set1_ps(a); }
inline __m512d set1(double a) { return _mm512_set1_pd(a); }
inline __m512 loadu(const float* p) { return _mm512_loadu_ps(p); }
inline __m512d loadu(const double* p) { return _mm512_loadu_pd(p); }
inline void storeu(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
inline void storeu(double* p, __m512d v) { _mm512_storeu_pd(p, v); }
// Mask of the first k < width lanes.
template <class M> M first(index_t k) { return static_cast<M>((std::uint32_t{1} << k) - 1); }
inline __m512 load_first(const float* p, index_t k, __m512 fill) {
    return _mm512_mask_loadu_ps(fill, first<__mmask16>(k), p);
}
inline __m512d load_first(const double* p, index_t k, __m512d fill) {
    return _mm512_mask_loadu_pd(fill, first<__mmask8>(k), p);
}
inline void store_first(float* p, index_t k, __m512 v) { _mm512_mask_storeu_ps(p, first<__mmask16>(k), v); }
inline void store_first(double* p, index_t k, __m512d v) { _mm512_mask_storeu_pd(p, first<__mmask8>(k), v); }
inline __m512 fma(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
inline __m512d fma(__m512d a, __m512d b, __m512d c) { return _mm512_fmadd_pd(a, b, c); }
inline __m512 max(__m512 a, __m512 b) { return _mm512_maskz_max_ps(kAll16, a, b); }
inline __m512d max(__m512d a, __m512d b) { return _mm512_maskz_max_pd(kAll8, a, b); }
inline __m512 sqrt(__m512 a) { return _mm512_maskz_sqrt_ps(kAll16, a); }
inline __m512d sqrt(__m512d a) { return _mm512_maskz_sqrt_pd(kAll8, a); }
inline __m512 min(__m512 a, __m512 b) { return _mm512_maskz_min_ps(kAll16, a, b); }
inline __m512d min(__m512d a, __m512d b) { return _mm512_maskz_min_pd(kAll8, a, b); }
inline __m512 abs(__m512 a) { return _mm512_abs_ps(a); }
inline __m512d abs(__m512d a) { return _mm512_abs_pd(a); }
inline __mmask16 lt(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline __mmask8 lt(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
inline __mmask16 eq(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
inline __mmask8 eq(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
inline __m512 select(__mmask16 m, __m512 a, __m512 b) { return _mm512_mask_blend_ps(m, b, a); }
inline __m512d select(__mmask8 m, __m512d a, __m512d b) { return _mm512_mask_blend_pd(m, b, a); }
template <int I> __m256 half(__m512 a) {
    return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(kAll8, _mm512_castps_pd(a), I));
}
template <int I> __m256d half(__m512d a) { return _mm512_maskz_extractf64x4_pd(kAll8, a, I); }
inline float hsum(__m512 a) { return hsum256(_mm256_add_ps(half<0>(a), half<1>(a))); }
inline double hsum(__m512d a) { return hsum256(_mm256_add_pd(half<0>(a), half<1>(a))); }
inline float hmax(__m512 a) { return hmax256(_mm256_max_ps(half<0>(a), half<1>(a))); }
inline double hmax(__m512d a) { return hmax256(_mm256_max_pd(half<0>(a), half<1>(a))); }
// Float only (the transcendental functions in simd_math.hpp).
inline __m512 round(__m512 a) {
    return _mm512_maskz_roundscale_ps(kAll16, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
// a * 2^n for integral n in [-150, 128]: vscalefps over/underflows correctly, through the subnormals.
inline __m512 ldexp(__m512 a, __m512 n) { return _mm512_maskz_scalef_ps(kAll16, a, n); }
// x = m * 2^e with m in [1, 2) and e integral, for finite x > 0 including subnormals.
inline __m512 mantissa(__m512 x) { return _mm512_maskz_getmant_ps(kAll16, x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero); }
inline __m512 exponent(__m512 x) { return _mm512_maskz_getexp_ps(kAll16, x); }
// bf16 pairs (see ink/simd/bf16.hpp): each 32-bit lane holds two bf16, the even one in the low half.
// As floats: the low bf16 (bits << 16) and the high one (bits with the low half cleared).
inline __m512 bf16_low(__m512 a) {
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll16, _mm512_castps_si512(a), 16));
}
inline __m512 bf16_high(__m512 a) {
    const __m512i high = _mm512_set1_epi32(int(0xffff0000u));
    return _mm512_castsi512_ps(_mm512_maskz_and_epi32(kAll16, _mm512_castps_si512(a), high));
}
}  // namespace isa

#if defined(__AVX512BF16__)
// AVX512-BF16: vdpbf16ps and vcvtne2ps2bf16. Their rounding, as measured on Zen 5
// (tests/kernels/test_gemm_bf16.cpp): see ink/simd/bf16.hpp.
inline constexpr bool kHasBf16Dot = true;
#define INK_SIMD_BF16_NATIVE 1
namespace isa {
// acc + a.odd * b.odd + a.even * b.even per lane, as two FMAs (odd first) with denormals flushed.
inline __m512 dot_bf16(__m512 acc, __m512 a, __m512 b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_castps_si512(a), (__m512bh)_mm512_castps_si512(b));
}
// 32 consecutive floats lo[0..15], hi[0..15] -> 16 pairs (lo0, lo1), (lo2, lo3), ...
inline __m512 bf16_pairs_of_run(__m512 lo, __m512 hi) { return (__m512)_mm512_cvtne2ps_pbh(hi, lo); }
// Lane j -> the pair (even[j], odd[j]).
inline __m512 bf16_pairs_of_lanes(__m512 even, __m512 odd) {
    const __m512i runs = _mm512_castps_si512((__m512)_mm512_cvtne2ps_pbh(odd, even));  // even 0..15, odd 0..15
    const __m512i zip = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_castsi512_ps(_mm512_permutexvar_epi16(zip, runs));
}
}  // namespace isa
#else
inline constexpr bool kHasBf16Dot = false;
#endif

}  // namespace ink::simd
