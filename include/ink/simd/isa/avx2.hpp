#pragma once
// AVX2 + FMA: 8 floats / 4 doubles per register, 16 registers.
// One of the per-instruction-set blocks of the SIMD layer (see ink/simd/vec.hpp for the contract);
// included by vec.hpp only.
#include <immintrin.h>

#include <limits>

#include "ink/core/shape.hpp"
#include "ink/simd/isa/x86.hpp"

namespace ink::simd {

inline constexpr const char* kIsa = "avx2";
// The GEMM register tile, rows of A x vectors of B: 12 accumulators + 2 B vectors + 1 broadcast of
// the 16 ymm registers (gemm_microkernel.hpp).
inline constexpr int kGemmTileRows = 6, kGemmTileVectors = 2;
// Masks are vectors whose lanes are all ones (true) or all zeros (false), as the compares produce.
template <class T> struct Native;
template <> struct Native<float> { using type = __m256; using mask = __m256; };
template <> struct Native<double> { using type = __m256d; using mask = __m256d; };

namespace isa {
inline __m256 set1(float a) { return _mm256_set1_ps(a); }
inline __m256d set1(double a) { return _mm256_set1_pd(a); }
inline __m256 loadu(const float* p) { return _mm256_loadu_ps(p); }
inline __m256d loadu(const double* p) { return _mm256_loadu_pd(p); }
inline void storeu(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
inline void storeu(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
// Integer lane masks for the first k lanes (maskload/maskstore test the sign bit of each lane).
inline __m256i first32(index_t k) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline __m256i first64(index_t k) { return _mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3)); }
inline __m256 load_first(const float* p, index_t k, __m256 fill) {
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, first32(k)), _mm256_castsi256_ps(first32(k)));
}
inline __m256d load_first(const double* p, index_t k, __m256d fill) {
    return _mm256_blendv_pd(fill, _mm256_maskload_pd(p, first64(k)), _mm256_castsi256_pd(first64(k)));
}
inline void store_first(float* p, index_t k, __m256 v) { _mm256_maskstore_ps(p, first32(k), v); }
inline void store_first(double* p, index_t k, __m256d v) { _mm256_maskstore_pd(p, first64(k), v); }
inline __m256 fma(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
inline __m256d fma(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }
inline __m256 max(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }
inline __m256d max(__m256d a, __m256d b) { return _mm256_max_pd(a, b); }
inline __m256 sqrt(__m256 a) { return _mm256_sqrt_ps(a); }
inline __m256d sqrt(__m256d a) { return _mm256_sqrt_pd(a); }
inline __m256 min(__m256 a, __m256 b) { return _mm256_min_ps(a, b); }
inline __m256d min(__m256d a, __m256d b) { return _mm256_min_pd(a, b); }
inline __m256 abs(__m256 a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline __m256d abs(__m256d a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
inline __m256 lt(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline __m256d lt(__m256d a, __m256d b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
inline __m256 eq(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline __m256d eq(__m256d a, __m256d b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
inline __m256 select(__m256 m, __m256 a, __m256 b) { return _mm256_blendv_ps(b, a, m); }
inline __m256d select(__m256d m, __m256d a, __m256d b) { return _mm256_blendv_pd(b, a, m); }
inline float hsum(__m256 a) { return hsum256(a); }
inline double hsum(__m256d a) { return hsum256(a); }
inline float hmax(__m256 a) { return hmax256(a); }
inline double hmax(__m256d a) { return hmax256(a); }
inline __m256 round(__m256 a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// a * 2^n for integral n in [-150, 128], as a * 2^h * 2^(n-h) with h = n/2 so that both factors are
// normal floats: the product then over/underflows correctly, through the subnormals.
inline __m256 ldexp(__m256 a, __m256 n) {
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i h = _mm256_srai_epi32(ni, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 f1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    const __m256 f2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(a, f1), f2);
}
// x = m * 2^e with m in [1, 2) and e integral, for finite x > 0 including subnormals (which are first
// scaled by 2^32 into the normal range).
inline __m256 normalised(__m256 x) {
    const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(std::numeric_limits<float>::min()), _CMP_LT_OQ);
    return _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(4294967296.0f)), tiny);
}
inline __m256 mantissa(__m256 x) {
    const __m256i bits = _mm256_castps_si256(normalised(x));
    return _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000)));
}
inline __m256 exponent(__m256 x) {
    const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(std::numeric_limits<float>::min()), _CMP_LT_OQ);
    const __m256i biased = _mm256_srli_epi32(_mm256_castps_si256(normalised(x)), 23);
    const __m256i e = _mm256_sub_epi32(biased, _mm256_set1_epi32(127));
    return _mm256_sub_ps(_mm256_cvtepi32_ps(e), _mm256_and_ps(tiny, _mm256_set1_ps(32.0f)));
}
// bf16 pairs (see ink/simd/bf16.hpp): each 32-bit lane holds two bf16, the even one in the low half.
inline __m256 bf16_low(__m256 a) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(a), 16)); }
inline __m256 bf16_high(__m256 a) {
    return _mm256_castsi256_ps(_mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(int(0xffff0000u))));
}
}  // namespace isa

inline constexpr bool kHasBf16Dot = false;  // bf16 products are emulated with FMAs (ink/simd/bf16.hpp)

}  // namespace ink::simd
