#pragma once
// The GEMM micro-kernel: one MR x NR tile of C from a packed A micro-panel (MR x kc) and a packed B
// micro-panel (kc x NR), accumulated in registers.
//
// The SIMD layer (ink/simd/vec.hpp) fixes the tile from the register file, so that the MR * NV
// accumulators, NV vectors of B and one broadcast of A fit:
//   32 registers (AVX-512): tile 8 x (2 vectors) = 16 accumulators  (float 8 x 32, double 8 x 16)
//   16 registers (AVX2):    tile 6 x (2 vectors) = 12 accumulators  (float 6 x 16, double 6 x 8)
//   scalar:                 tile 4 x 4 scalars
// Per step k the kernel loads NV vectors of B, broadcasts MR values of A and issues MR * NV FMAs,
// so the FMA pipes, not the loads, are the bottleneck (on Zen 4: 16 zmm FMAs, 2 loads, 8 broadcasts).
#include <cstddef>

#include "ink/core/shape.hpp"
#include "ink/simd/vec.hpp"

namespace ink::kernels::detail {

// The register tile of the micro-kernel for T.
template <class T>
struct Tile {
    static constexpr int kRegisters = simd::kVectorRegisters;
    static constexpr index_t W = simd::Vec<T>::width;
    static constexpr index_t NV = kRegisters == 0 ? 4 : 2;
    static constexpr index_t MR = kRegisters >= 32 ? 8 : kRegisters >= 16 ? 6 : 4;
    static constexpr index_t NR = NV * W;
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
    using V = simd::Vec<T>;
    constexpr int MR = Tile<T>::MR, NV = Tile<T>::NV, W = Tile<T>::W, NR = NV * W;

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
        for (int v = 0; v < NV; ++v) acc[i][v] = V(T(0));

    for (index_t k = 0; k < kc; ++k) {
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = V::load(b + k * NR + v * W);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const V ai(kLayout == PanelA::ByRow ? a[i * sa + k] : a[k * MR + i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = simd::fma(ai, bv[v], acc[i][v]);
        }
    }

    const V va(alpha), vb(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            T* cp = c + i * ldc + v * W;
            V r = va * acc[i][v];
            if (bias) r = r + V::load(bias + v * W);
            if (beta != T(0)) r = simd::fma(vb, V::load(cp), r);
            r.store(cp);
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
