#pragma once
// The GEMM micro-kernel: one MR x NR tile of C from a packed A micro-panel (MR x kc) and a packed B
// micro-panel (kc x NR), accumulated in registers.
//
// Each ISA file of the SIMD layer (ink/simd/isa/) states its tile, so that the MR * NV accumulators,
// NV vectors of B and one broadcast of A fit its registers:
//   AVX-512 (32 zmm):   tile 8 x (2 vectors) = 16 accumulators  (float 8 x 32, double 8 x 16)
//   AVX2 (16 ymm):      tile 6 x (2 vectors) = 12 accumulators  (float 6 x 16, double 6 x 8)
//   wasm SIMD (V8):     tile 2 x (4 vectors) =  8 accumulators  (no FMA: a temporary per product)
//   scalar:             tile 4 x 4 scalars
// Per step k the kernel loads NV vectors of B, broadcasts MR values of A and issues MR * NV FMAs,
// so the FMA pipes, not the loads, are the bottleneck (on Zen 5: 16 zmm FMAs on two pipes, 2 loads, 8 broadcasts).
#include <cstddef>

#include "ink/core/shape.hpp"
#include "ink/simd/vec.hpp"

namespace ink::kernels::detail {

// How the micro-kernel multiplies, and its register tile (MR rows x NV vectors of W lanes).
//   FmaArith<T>:       T = float or double, panels of T, one depth step per element: acc += a * b.
//   Bf16Arith<kNative>: bf16 pairs with float accumulators (gemm_pack_bf16.hpp).
// An Arith also names its tile; the tile only decides which outputs share registers, never the order
// in which one output sums its products.
template <class T>
struct FmaArith {
    using value_type = T;  // C, alpha, beta, bias and the packed panels
    static constexpr index_t kDepthPerElement = 1;
    static constexpr index_t W = simd::Vec<T>::width;
    static constexpr index_t NV = simd::kGemmTileVectors;
    static constexpr index_t MR = simd::kGemmTileRows;
    static constexpr index_t NR = NV * W;
    static simd::Vec<T> step(simd::Vec<T> acc, simd::Vec<T> a, simd::Vec<T> b) { return simd::fma(a, b, acc); }
};

// How an A micro-panel is laid out (see gemm_pack.hpp for which source uses which):
//   ByColumn: element (i, k) at a[k * MR + i]   (the classic packed layout)
//   ByRow:    element (i, k) at a[i * sa + k]   (MR rows: plain row copies with sa = kc, or A itself)
// Both are read by scalar broadcasts, so the kernel runs equally fast on either. The B micro-panel is
// always packed: element (k, j) at b[k * NR + j], 64-byte aligned.
enum class PanelA { ByColumn, ByRow };

// Source rows the kernel asks the cache for while it computes, one line per depth step, row after row:
// lines [first, last) of `rows` rows at p + i * stride (p null: none). Lets a caller that packs each A
// panel just before its tiles (the bf16 driver) spread the next panel's memory reads over the
// arithmetic: asked for all at once, they stalled the core as long as they took.
template <class T>
struct RowPrefetch {
    const T* p = nullptr;
    index_t stride = 0, rows = 0, first = 0, last = 0;
};

// c[0:MR, 0:NR] (row stride ldc) = alpha * a * b + beta * c + bias[0:NR] (bias may be null), over kc
// packed elements. When beta == 0, c is not read.
template <class Arith, PanelA kLayout, class T = typename Arith::value_type>
[[gnu::hot]] inline void micro_kernel(index_t kc, const T* __restrict a, index_t sa, const T* __restrict b, T alpha,
                                      T beta, const T* bias, T* c, index_t ldc, RowPrefetch<T> ahead = {}) {
    using V = simd::Vec<T>;
    constexpr int MR = Arith::MR, NV = Arith::NV, W = Arith::W, NR = NV * W;

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

    constexpr index_t kLine = 64 / index_t(sizeof(T));
    index_t ahead_row = 0, ahead_line = ahead.first;
    for (index_t k = 0; k < kc; ++k) {
        if (ahead.p && ahead_line < ahead.last) {
            __builtin_prefetch(ahead.p + ahead_row * ahead.stride + ahead_line * kLine);
            if (++ahead_row == ahead.rows) ahead_row = 0, ++ahead_line;
        }
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = V::load(b + k * NR + v * W);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const V ai(kLayout == PanelA::ByRow ? a[i * sa + k] : a[k * MR + i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = Arith::step(acc[i][v], ai, bv[v]);
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
// The merge is the kernel's epilogue on the first `cols` lanes, so an output gets the same bits
// whether it falls in a full or an edge tile (and so whatever the tile of the Arith).
template <class Arith, PanelA kLayout, class T = typename Arith::value_type>
inline void compute_tile(index_t kc, const T* a, index_t sa, const T* b, index_t rows, index_t cols, T alpha, T beta,
                         const T* bias, T* c, index_t ldc, RowPrefetch<T> ahead = {}) {
    using V = simd::Vec<T>;
    constexpr index_t MR = Arith::MR, NR = Arith::NR, W = Arith::W;
    if (rows == MR && cols == NR) {
        micro_kernel<Arith, kLayout>(kc, a, sa, b, alpha, beta, bias, c, ldc, ahead);
        return;
    }
    alignas(64) T tile[MR * NR];
    micro_kernel<Arith, kLayout>(kc, a, sa, b, T(1), T(0), static_cast<const T*>(nullptr), tile, NR, ahead);
    const V va(alpha), vb(beta);
    for (index_t i = 0; i < rows; ++i)
        simd::for_chunks<T>(cols, [&](index_t j, auto lanes) {
            V r = va * V::load(tile + i * NR + j);
            if (bias) r = r + lanes.load(bias + j);
            if (beta != T(0)) r = simd::fma(vb, lanes.load(c + i * ldc + j), r);
            lanes.store(c + i * ldc + j, r);
        });
    static_assert(NR % W == 0);
}

}  // namespace ink::kernels::detail
