#pragma once
// The GEMM micro-kernel: one MR x NR tile of C from a packed A micro-panel (MR x kc) and a packed B
// micro-panel (kc x NR), accumulated in registers.
//
// The SIMD layer is chosen at compile time: AVX-512 (zmm), AVX2+FMA (ymm) or plain C++. Each path
// fixes the tile so that the MR * NV accumulators, NV vectors of B and one broadcast of A fit the
// register file:
//   AVX-512: 32 zmm, tile 8 x (2 vectors) = 16 accumulators  (float 8 x 32, double 8 x 16)
//   AVX2:    16 ymm, tile 6 x (2 vectors) = 12 accumulators  (float 6 x 16, double 6 x 8)
//   plain:   tile 4 x 4 scalars
// Per step k the kernel loads NV vectors of B, broadcasts MR values of A and issues MR * NV FMAs,
// so the FMA pipes, not the loads, are the bottleneck (on Zen 4: 16 zmm FMAs, 2 loads, 8 broadcasts).
#include <cstddef>

#include "ink/core/shape.hpp"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace ink::kernels::detail {

template <class T>
struct Simd;

#if defined(__AVX512F__)
template <>
struct Simd<float> {
    using V = __m512;
    static constexpr int W = 16, MR = 8, NV = 2;
    static V zero() { return _mm512_setzero_ps(); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static V load_aligned(const float* p) { return _mm512_load_ps(p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
template <>
struct Simd<double> {
    using V = __m512d;
    static constexpr int W = 8, MR = 8, NV = 2;
    static V zero() { return _mm512_setzero_pd(); }
    static V set1(double x) { return _mm512_set1_pd(x); }
    static V load(const double* p) { return _mm512_loadu_pd(p); }
    static V load_aligned(const double* p) { return _mm512_load_pd(p); }
    static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
    static V add(V a, V b) { return _mm512_add_pd(a, b); }
    static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
};
#elif defined(__AVX2__) && defined(__FMA__)
template <>
struct Simd<float> {
    using V = __m256;
    static constexpr int W = 8, MR = 6, NV = 2;
    static V zero() { return _mm256_setzero_ps(); }
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static V load_aligned(const float* p) { return _mm256_load_ps(p); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
template <>
struct Simd<double> {
    using V = __m256d;
    static constexpr int W = 4, MR = 6, NV = 2;
    static V zero() { return _mm256_setzero_pd(); }
    static V set1(double x) { return _mm256_set1_pd(x); }
    static V load(const double* p) { return _mm256_loadu_pd(p); }
    static V load_aligned(const double* p) { return _mm256_load_pd(p); }
    static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
    static V add(V a, V b) { return _mm256_add_pd(a, b); }
    static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
};
#else
// Portable path: scalars; the compiler may still vectorise the unrolled tile.
template <class T>
struct Simd {
    using V = T;
    static constexpr int W = 1, MR = 4, NV = 4;
    static V zero() { return T(0); }
    static V set1(T x) { return x; }
    static V load(const T* p) { return *p; }
    static V load_aligned(const T* p) { return *p; }
    static void store(T* p, V v) { *p = v; }
    static V add(V a, V b) { return a + b; }
    static V mul(V a, V b) { return a * b; }
    static V fma(V a, V b, V c) { return a * b + c; }
};
#endif

// The register tile of the micro-kernel for T.
template <class T>
struct Tile {
    static constexpr index_t MR = Simd<T>::MR;
    static constexpr index_t NR = Simd<T>::NV * Simd<T>::W;
};

// How an A micro-panel is laid out (see gemm_pack.hpp for which source uses which):
//   ByColumn: element (i, k) at a[k * MR + i]   (the classic packed layout)
//   ByRow:    element (i, k) at a[i * sa + k]   (MR rows: plain row copies with sa = kc, or A itself)
// Both are read by scalar broadcasts, so the kernel runs equally fast on either. The B micro-panel is
// always packed: element (k, j) at b[k * NR + j], 64-byte aligned.
enum class PanelA { ByColumn, ByRow };

// c[0:MR, 0:NR] (row stride ldc) = alpha * a * b + beta * c + bias[0:NR] (bias may be null).
// When beta == 0, c is not read.
template <class T, PanelA kLayout>
[[gnu::hot]] inline void micro_kernel(index_t kc, const T* __restrict a, index_t sa, const T* __restrict b, T alpha,
                                      T beta, const T* bias, T* c, index_t ldc) {
    using S = Simd<T>;
    using V = typename S::V;
    constexpr int MR = S::MR, NV = S::NV, W = S::W, NR = NV * W;

    // C is touched only after the k loop: ask for its lines now so that they arrive meanwhile.
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        __builtin_prefetch(c + i * ldc, 1);
        __builtin_prefetch(c + i * ldc + NR - 1, 1);
    }
    V acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();

    for (index_t k = 0; k < kc; ++k) {
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = S::load_aligned(b + k * NR + v * W);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const V ai = S::set1(kLayout == PanelA::ByRow ? a[i * sa + k] : a[k * MR + i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(ai, bv[v], acc[i][v]);
        }
    }

    const V va = S::set1(alpha), vb = S::set1(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            T* cp = c + i * ldc + v * W;
            V r = S::mul(va, acc[i][v]);
            if (bias) r = S::add(r, S::load(bias + v * W));
            if (beta != T(0)) r = S::fma(vb, S::load(cp), r);
            S::store(cp, r);
        }
}

// A tile of rows x cols <= MR x NR: full tiles go straight to C; edge tiles are computed into a local
// buffer and merged, so that the packed panels (zero-padded to MR / NR) never need a masked kernel.
template <class T, PanelA kLayout>
inline void compute_tile(index_t kc, const T* a, index_t sa, const T* b, index_t rows, index_t cols, T alpha, T beta,
                         const T* bias, T* c, index_t ldc) {
    constexpr index_t MR = Tile<T>::MR, NR = Tile<T>::NR;
    if (rows == MR && cols == NR) {
        micro_kernel<T, kLayout>(kc, a, sa, b, alpha, beta, bias, c, ldc);
        return;
    }
    alignas(64) T tile[MR * NR];
    micro_kernel<T, kLayout>(kc, a, sa, b, T(1), T(0), nullptr, tile, NR);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j) {
            T v = alpha * tile[i * NR + j];
            if (bias) v += bias[j];
            T& cij = c[i * ldc + j];
            cij = beta == T(0) ? v : v + beta * cij;
        }
}

}  // namespace ink::kernels::detail
