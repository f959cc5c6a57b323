#pragma once
// The blocked GEMM driver over row sources (gemm_pack.hpp): C = alpha * op(A) op(B) + beta * C + bias.
//
// Loops, outermost first (kc, mc, nc chosen per call from the cache sizes below):
//
//   for p0 in K step kc                 C is updated once per depth block (beta on the first only)
//     for i0 in M step mc               pack A[i0:+mc, p0:+kc]  -> Ap (L2/L3), MR-row micro-panels
//       for j0 in N step nc             pack B[p0:+kc, j0:+nc]  -> Bp (L2),    NR-column micro-panels
//         for ir in mc step MR          A micro-panel MR x kc stays in L1 ...
//           for jr in nc step NR        ... while B micro-panels kc x NR stream from L2
//             micro-kernel: C[i0+ir:+MR, j0+jr:+NR]
//
// Zen 5 (L1d 48 KiB, L2 1 MiB): kc <= 256 packed elements (float: 256 depth steps, bf16: 512 in
// 256 pairs) keeps the A micro-panel at 8 KiB (float, 8 rows) or 12 KiB (bf16, 12 rows) in L1; the B
// block is sized to half of L2. With several threads, C is split into contiguous bands of whole micro-panels
// (along N when M <= N, else along M: whichever duplicates less packing), each band running this
// driver on its own buffers. A band boundary never cuts a tile and the depth blocking depends on K
// only, so every C element is computed by the same operations for any thread count or schedule.
#include <algorithm>
#include <type_traits>

#include "ink/core/threads.hpp"
#include "ink/kernels/detail/gemm_microkernel.hpp"
#include "ink/kernels/detail/gemm_pack.hpp"
#include "ink/kernels/detail/gemm_pack_bf16.hpp"

namespace ink::kernels::detail {

// Packed elements per depth block (bf16: pairs, so 512 depth steps; the longer runs of A and B rows
// measured 8-15% faster on the bf16 DESIGN shapes than 256 steps).
inline constexpr index_t kMaxDepthBlock = 256;
inline constexpr index_t kBBlockBytes = 512 * 1024;       // half of a Zen 5 L2
inline constexpr index_t kABlockBytes = 2 * 1024 * 1024;  // a share of L3
// Bands at most this wide read A in place where possible (see gemm_band).
inline constexpr index_t kInPlaceBand = 256;
// Below this much work per thread, starting a parallel region costs more than it saves.
inline constexpr double kMinFlopsPerThread = 4e6;

// Arith (gemm_microkernel.hpp) is FmaArith<T> or a bf16 variant; the depth blocking depends on K and
// the depth per packed element only, the same for both bf16 variants, so they sum each output in the
// same order.
template <class Arith, class T, class ASrc, class BSrc>
void gemm_band(const Operand<ASrc>& A, const Operand<BSrc>& B, index_t m0, index_t m1, index_t n0, index_t n1,
               index_t K, T alpha, T beta, const T* bias, T* C, index_t ldc) {
    constexpr index_t MR = Arith::MR, NR = Arith::NR;
    constexpr bool kBf16 = Arith::kDepthPerElement == 2;
    // Packed elements per depth block (bf16: pairs).
    const auto packed_depth = [](index_t kc) { return (kc + Arith::kDepthPerElement - 1) / Arith::kDepthPerElement; };
    const index_t max_depth = kMaxDepthBlock * Arith::kDepthPerElement;
    const index_t depth_blocks = (K + max_depth - 1) / max_depth;
    const index_t kc_max = (K + depth_blocks - 1) / depth_blocks;  // balanced: 640 -> 3 x 214, not 256+256+128
    const index_t row_bytes = packed_depth(kc_max) * index_t(sizeof(T));
    const index_t mc_max = std::min(std::max(MR, kABlockBytes / row_bytes / MR * MR), (m1 - m0 + MR - 1) / MR * MR);
    const index_t nc_max = std::min(std::max(NR, kBBlockBytes / row_bytes / NR * NR), (n1 - n0 + NR - 1) / NR * NR);
    T* ap = scratch<T>(0, mc_max / MR * panel_stride<T>(MR, packed_depth(kc_max)));
    T* bp = scratch<T>(1, nc_max / NR * panel_stride<T>(NR, packed_depth(kc_max)));
    PanelRef<T>* a_panels = scratch<PanelRef<T>>(2, mc_max / MR);
    // Read A in place when the band is narrow: then each packed element would feed few flops and the
    // copy would cost a large share of the time (640x7000 by 7000x64: a third). bf16 A is always
    // packed: it must be rounded.
    const bool a_in_place = !kBf16 && n1 - n0 <= kInPlaceBand;
    // bf16 with one block of columns: pack each A panel just before its tiles (into one panel that
    // stays in L1) and ask for the next panel's rows while they compute. Packing all of A first left
    // the memory latency exposed when each panel feeds few tiles (640x7000 by 7000x64: 18 MB of A
    // read once, 38% of the time in packing).
    const bool a_per_panel = kBf16 && !A.rows_along_k && n1 - n0 <= nc_max;

    for (index_t p0 = 0; p0 < K; p0 += kc_max) {
        const index_t kc = std::min(kc_max, K - p0);
        const T beta_k = p0 == 0 ? beta : T(1);
        const T* bias_k = p0 == 0 ? bias : nullptr;
        for (index_t i0 = m0; i0 < m1; i0 += mc_max) {
            const index_t mc = std::min(mc_max, m1 - i0);
            const index_t kp = packed_depth(kc);
            PanelA layout = PanelA::ByRow;
            if constexpr (kBf16) {
                if (!a_per_panel) layout = pack_a_bf16<Arith>(A, i0, mc, p0, kc, ap, a_panels);
            } else
                layout = pack_a<MR>(A, i0, mc, p0, kc, a_in_place, ap, a_panels);
            for (index_t j0 = n0; j0 < n1; j0 += nc_max) {
                const index_t nc = std::min(nc_max, n1 - j0);
                if constexpr (kBf16)
                    pack_b_bf16<Arith>(B, p0, kc, j0, nc, bp);
                else
                    pack_b<NR>(B, p0, kc, j0, nc, bp);
                const index_t b_stride = panel_stride<T>(NR, kp);
                for (index_t ir = 0; ir < mc; ir += MR) {
                    const index_t rows = std::min(MR, mc - ir);
                    RowPrefetch<T> ahead;  // the next A panel's rows, spread over this panel's tiles
                    index_t ahead_lines = 0, ahead_lines_per_tile = 0;
                    if constexpr (kBf16)
                        if (a_per_panel) {
                            pack_a_bf16<Arith>(A, i0 + ir, rows, p0, kc, ap, a_panels + ir / MR);
                            ahead.rows = std::min(MR, mc - ir - MR);
                            if (ahead.rows > 0 &&
                                (ahead.p = A.src.direct(i0 + ir + MR, ahead.rows, p0, kc, ahead.stride))) {
                                ahead_lines = (kc * index_t(sizeof(T)) + 63) / 64;
                                ahead_lines_per_tile = (ahead_lines + (nc + NR - 1) / NR - 1) / ((nc + NR - 1) / NR);
                            }
                        }
                    const PanelRef<T> a = a_panels[ir / MR];
                    if (a_in_place && ir + MR < mc) {  // the next panel's rows, while this one computes
                        const PanelRef<T> next = a_panels[ir / MR + 1];
                        for (index_t i = 0; i < MR; ++i) prefetch_run(next.p, i * next.stride, kc);
                    }
                    for (index_t jr = 0; jr < nc; jr += NR) {
                        const index_t cols = std::min(NR, nc - jr);
                        const T* b = bp + jr / NR * b_stride;
                        const T* bias_t = bias_k ? bias_k + j0 + jr : nullptr;
                        T* c = C + (i0 + ir) * ldc + j0 + jr;
                        if (ahead.p) {
                            ahead.first = jr / NR * ahead_lines_per_tile;
                            ahead.last = std::min(ahead_lines, ahead.first + ahead_lines_per_tile);
                        }
                        if (layout == PanelA::ByRow)
                            compute_tile<Arith, PanelA::ByRow>(kp, a.p, a.stride, b, rows, cols, alpha, beta_k, bias_t,
                                                               c, ldc, ahead);
                        else
                            compute_tile<Arith, PanelA::ByColumn>(kp, a.p, a.stride, b, rows, cols, alpha, beta_k,
                                                                  bias_t, c, ldc, ahead);
                    }
                }
            }
        }
    }
}

// C (M x N, row stride ldc) = alpha * op(A) op(B) + beta * C + bias (a row vector of N, may be null).
// When beta == 0, C is not read. Arith: how to multiply (default: FMAs in T).
template <class Arith = void, class T, class ASrc, class BSrc>
void gemm_sources(index_t M, index_t N, index_t K, T alpha, const Operand<ASrc>& A, const Operand<BSrc>& B, T beta,
                  const T* bias, T* C, index_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == T(0)) {  // C = beta * C + bias, without reading A, B (or C when beta == 0)
        for (index_t i = 0; i < M; ++i)
            for (index_t j = 0; j < N; ++j) {
                T& c = C[i * ldc + j];
                c = (beta == T(0) ? T(0) : beta * c) + (bias ? bias[j] : T(0));
            }
        return;
    }
    using Mul = std::conditional_t<std::is_void_v<Arith>, FmaArith<T>, Arith>;
    constexpr index_t MR = Mul::MR, NR = Mul::NR;
    const int nt = threads_for(2.0 * double(M) * double(N) * double(K), kMinFlopsPerThread);
    const index_t m_panels = (M + MR - 1) / MR, n_panels = (N + NR - 1) / NR;
    if (nt <= 1) {
        gemm_band<Mul>(A, B, 0, M, 0, N, K, alpha, beta, bias, C, ldc);
    } else if ((M > N && m_panels >= nt) || n_panels < nt) {
        // Bands of rows: each thread packs its rows of A and all of B.
        parallel_for(m_panels, nt, [&](index_t b, index_t e) {
            gemm_band<Mul>(A, B, b * MR, std::min(M, e * MR), 0, N, K, alpha, beta, bias, C, ldc);
        });
    } else {
        // Bands of columns: each thread packs all of A and its columns of B.
        parallel_for(n_panels, nt, [&](index_t b, index_t e) {
            gemm_band<Mul>(A, B, 0, M, b * NR, std::min(N, e * NR), K, alpha, beta, bias, C, ldc);
        });
    }
}

}  // namespace ink::kernels::detail
