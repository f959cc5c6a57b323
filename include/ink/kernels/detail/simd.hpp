#pragma once
// A small SIMD layer for the kernels. Vec<T> (T = float or double) holds one register of the widest
// instruction set enabled at compile time:
//
//   AVX-512F         16 floats / 8 doubles   (__AVX512F__)
//   AVX2 + FMA        8 floats / 4 doubles   (__AVX2__ and __FMA__)
//   portable          1 lane, plain C++      (anything else)
//
// Kernels are written once against Vec and its free functions; only the primitives in this file
// differ per instruction set. Arithmetic operators come from the compilers' vector extensions (GCC
// and Clang define __m512 and friends as vector types), the rest from intrinsics.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ink/core/shape.hpp"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define INK_SIMD_X86 1
#include <immintrin.h>
#endif

namespace ink::kernels::simd {

#if defined(INK_SIMD_X86)
// Horizontal sum and max of 256-bit registers, in a fixed order (AVX-512 builds use them too).
namespace isa {
inline float hsum256(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
inline double hsum256(__m256d a) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
inline float hmax256(__m256 a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}
inline double hmax256(__m256d a) {
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_max_sd(s, _mm_unpackhi_pd(s, s)));
}
}  // namespace isa
#endif

// ---- per instruction set: the native register and mask types and the primitive operations ---------
#if defined(__AVX512F__)
inline constexpr const char* kIsa = "avx512";
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
}  // namespace isa

#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr const char* kIsa = "avx2";
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
}  // namespace isa

#else
inline constexpr const char* kIsa = "scalar";
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
}  // namespace isa
#endif

// ---- Vec: one register of T, with the operators the kernels use -------------------------------------
template <class T>
struct Vec {
    using value_type = T;
    using native = typename Native<T>::type;
    using Mask = typename Native<T>::mask;
    static constexpr index_t width = static_cast<index_t>(sizeof(native) / sizeof(T));

    native v;

    Vec() = default;
    Vec(native x) : v(x) {}  // implicit, so that the primitives' results convert back
    // Broadcast (in the scalar build native is T and the constructor above does it).
    explicit Vec(T a)
        requires(!std::is_same_v<native, T>)
        : v(isa::set1(a)) {}

    static Vec load(const T* p) { return isa::loadu(p); }
    // The first k < width lanes from p; the other lanes hold `fill` and no memory past p + k is read.
    static Vec load(const T* p, index_t k, T fill = T(0)) { return isa::load_first(p, k, isa::set1(fill)); }
    void store(T* p) const { isa::storeu(p, v); }
    // Stores the first k < width lanes only.
    void store(T* p, index_t k) const { isa::store_first(p, k, v); }

    friend Vec operator+(Vec a, Vec b) { return a.v + b.v; }
    friend Vec operator-(Vec a, Vec b) { return a.v - b.v; }
    friend Vec operator*(Vec a, Vec b) { return a.v * b.v; }
    friend Vec operator/(Vec a, Vec b) { return a.v / b.v; }
    friend Vec operator-(Vec a) { return -a.v; }
};

// a * b + c, fused (one rounding) where the hardware has FMA.
template <class T> Vec<T> fma(Vec<T> a, Vec<T> b, Vec<T> c) { return isa::fma(a.v, b.v, c.v); }
// Lane-wise max/min; when a lane of either operand is NaN, the lane of b is returned.
template <class T> Vec<T> max(Vec<T> a, Vec<T> b) { return isa::max(a.v, b.v); }
// The hardware's correctly rounded square root: unlike std::sqrt under the default -fmath-errno, it
// vectorises (the optimizers divide by sqrt(state) for every parameter).
template <class T> Vec<T> sqrt(Vec<T> a) { return isa::sqrt(a.v); }
template <class T> Vec<T> min(Vec<T> a, Vec<T> b) { return isa::min(a.v, b.v); }
template <class T> Vec<T> abs(Vec<T> a) { return isa::abs(a.v); }
template <class T> typename Vec<T>::Mask operator<(Vec<T> a, Vec<T> b) { return isa::lt(a.v, b.v); }
template <class T> typename Vec<T>::Mask operator>(Vec<T> a, Vec<T> b) { return isa::lt(b.v, a.v); }
template <class T> typename Vec<T>::Mask operator==(Vec<T> a, Vec<T> b) { return isa::eq(a.v, b.v); }
// Lane-wise m ? a : b.
template <class T> Vec<T> select(typename Vec<T>::Mask m, Vec<T> a, Vec<T> b) { return isa::select(m, a.v, b.v); }
// Hints that the cache line holding p will be read soon (never faults, whatever p is).
inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
// Horizontal sum and max of the lanes (in a fixed order, so the result is deterministic).
template <class T> T hsum(Vec<T> a) { return isa::hsum(a.v); }
template <class T> T hmax(Vec<T> a) { return isa::hmax(a.v); }

// Lane selectors for loops over arrays: Full moves a whole register, Part only its first k lanes (a
// loop's tail). Loop bodies are generic over the two, so that they are written once.
struct Full {
    template <class T> Vec<T> load(const T* p, T /*fill*/ = T(0)) const { return Vec<T>::load(p); }
    template <class T> void store(T* p, Vec<T> v) const { v.store(p); }
};
struct Part {
    index_t k;
    // Lanes past k read as `fill`.
    template <class T> Vec<T> load(const T* p, T fill = T(0)) const { return Vec<T>::load(p, k, fill); }
    template <class T> void store(T* p, Vec<T> v) const { v.store(p, k); }
};

// Calls body(i, lanes) for i = 0, W, 2W, ... (W = Vec<T>::width) with lanes = Full{} while a whole
// register fits in [i, n), then once with Part{n - i} for the remainder, if any.
template <class T, class Body>
void for_chunks(index_t n, Body body) {
    constexpr index_t W = Vec<T>::width;
    index_t i = 0;
    for (; i + W <= n; i += W) body(i, Full{});
    if (i < n) body(i, Part{n - i});
}

}  // namespace ink::kernels::simd
