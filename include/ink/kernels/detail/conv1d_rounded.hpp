#pragma once
// bf16 conv1d products whose A operand is an implicit im2col matrix (forward: x, backward-data: dy),
// with each source value rounded once per call instead of once per window it appears in.
//
// The packing of gemm_pack_bf16.hpp rounds every im2col row it copies, so each x value is rounded K
// times (once per tap it sits under). When the source has an even number of channels, a pair of
// consecutive channels (2c, 2c+1) is exactly a depth pair of the GEMM (depth index k*width + c, and
// every depth block starts at an even index), so the rounded source rows are already the rows of a
// bf16 ByRow A panel. Here each thread rounds the source rows its output rows read into a window of
// bf16 pairs, once, with the padding (and, for backward-data with stride > 1, the zeros between dy
// rows) as zero rows; the window is then the implicit im2col matrix of a convolution without padding,
// and the micro-kernel reads its full panels in place (dilation 1) or the packing copies words.
//
// The window of n consecutive output rows t0 .. t0+n-1 of one batch element (ConvRows notation):
//   window row w = source row u / div for u = t0 * t_step + offset + w, zeros where ConvRows has zeros,
//   w = 0 .. (n-1) * t_step + (taps-1) * k_step, width / 2 words each.
// The products are the same bf16 values in the same order as on the gather path, so the bits are too.
#include <algorithm>

#include "ink/core/threads.hpp"
#include "ink/kernels/detail/conv1d_source.hpp"
#include "ink/kernels/detail/gemm_driver.hpp"

namespace ink::kernels::detail {

// Rounded windows are kept to about this size per thread: half of a Zen 5 L2, beside the packed B. B is
// packed again for each window, so a smaller one would pack it more often than gemm_sources does.
inline constexpr index_t kRoundedWindowBytes = 512 * 1024;

// Rows of the window of n output rows (see above).
inline index_t window_rows(const ConvRows<float>& a, index_t n) {
    return (n - 1) * a.t_step + (a.taps - 1) * a.k_step + 1;
}

// The A operand of one chunk: `segments` runs of n output rows of `source`, the first at its row
// first_row and each run rows_apart rows after the previous one, each in one batch element. Their
// windows lie one after the other in `rounded` and are rounded on demand: packing the A panel of rows
// [r, r + MR) first rounds the window rows those read, whose source rows gemm_band asked the cache for
// (through direct(), which exposes the source floats) while the previous panel computed. Rounding a
// whole chunk before its products left the source reads exposed (12% of the B32 L1024 forward).
struct ConvWindow {
    ConvRows<float> source;
    PairedRows<ConvRows<float>> rounded;  // rows_per_batch = n, src_len = the window's rows
    index_t first_row, rows_apart;
    index_t* rounded_rows;  // window rows rounded so far (shared by copies of the operand)

    index_t source_row(index_t r) const {
        const index_t n = rounded.words.rows_per_batch;
        return first_row + r / n * rows_apart + r % n;
    }
    const float* direct(index_t r0, index_t nr, index_t c0, index_t nc, index_t& stride) const {
        return source.direct(source_row(r0), nr, c0, nc, stride);
    }

    // Rounds the window rows read by the chunk's rows [0, rows).
    template <class Arith>
    void round_rows_before(index_t rows) const {
        const ConvRows<float>& w = rounded.words;
        const index_t last = rows - 1, segment = last / w.rows_per_batch, t = last % w.rows_per_batch;
        const index_t end = segment * w.src_len + window_rows(source, t + 1);
        for (index_t q = *rounded_rows; q < end;) {
            const index_t s = q / w.src_len, w0 = q - s * w.src_len, w1 = std::min(w.src_len, end - s * w.src_len);
            round_window<Arith>(s, w0, w1);
            q = s * w.src_len + w1;
        }
        *rounded_rows = std::max(*rounded_rows, end);
    }

    // Rounds rows [w0, w1) of segment s's window.
    template <class Arith>
    void round_window(index_t s, index_t w0, index_t w1) const {
        constexpr index_t kAhead = 8;  // source rows asked for ahead of their rounding
        const ConvRows<float>& a = source;
        const index_t r = source_row(s * rounded.words.rows_per_batch), b = r / a.rows_per_batch;
        const index_t t = r - b * a.rows_per_batch, words = rounded.words.width;
        const float* batch = a.src + b * a.src_len * a.width;
        const auto source_run = [&](index_t u) -> const float* {
            return u >= 0 && u % a.div == 0 && u / a.div < a.src_len ? batch + u / a.div * a.width : nullptr;
        };
        float* dst = const_cast<float*>(rounded.words.src) + (s * rounded.words.src_len + w0) * words;
        for (index_t w = w0, u = t * a.t_step + a.offset + w0; w < w1; ++w, ++u, dst += words) {
            prefetch_run(source_run(u + kAhead), 0, a.width);
            if (const float* run = source_run(u))
                Arith::pairs_of_run(run, a.width, dst);
            else
                std::fill(dst, dst + words, 0.0f);
        }
    }
};

// Packs A panels of a chunk: rounds the window rows they read, then packs the window (its full
// panels stay in place).
template <class Arith>
PanelA pack_a_bf16(const Operand<ConvWindow>& A, index_t i0, index_t mc, index_t p0, index_t kc, float* dst,
                   PanelRef<float>* panels) {
    A.src.round_rows_before<Arith>(i0 + mc);
    return pack_a_bf16<Arith>(Operand<PairedRows<ConvRows<float>>>{A.src.rounded, false}, i0, mc, p0, kc, dst, panels);
}

// C (M x N, M = batches * a.rows_per_batch) = A B + beta C + bias, A = the implicit im2col matrix a
// (depth a.taps * a.width, width even), on bf16 products. Threads take contiguous runs of output rows;
// within a thread, a chunk is a block of whole batch elements or a part of one, rounded into a window
// and multiplied by gemm_band, so each output is summed as by gemm_sources for any thread count.
template <class Arith, class BSrc>
void gemm_conv_rounded(const ConvRows<float>& a, const Operand<BSrc>& B, index_t M, index_t N, float beta,
                       const float* bias, float* C, index_t ldc) {
    const index_t K = a.taps * a.width, words = a.width / 2, Lr = a.rows_per_batch;
    const index_t row_bytes = words * index_t(sizeof(float));
    // Output rows per part of a batch element: as many whole micro-panels as keep the window small.
    const index_t budget_rows = std::max<index_t>(1, kRoundedWindowBytes / row_bytes);
    index_t part = std::max<index_t>(1, (budget_rows - window_rows(a, 1)) / a.t_step + 1);
    part = part >= Lr ? Lr : std::max(Arith::MR, part / Arith::MR * Arith::MR);
    const index_t parts = (Lr + part - 1) / part;  // per batch element
    // Whole batch elements per chunk when they are not split.
    const index_t per_chunk = parts == 1 ? std::max<index_t>(1, budget_rows / window_rows(a, Lr)) : 1;
    const index_t units = M / Lr * parts;
    const int nt = threads_for(2.0 * double(M) * double(N) * double(K), kMinFlopsPerThread);
    parallel_for(units, nt, [&](index_t u0, index_t u1) {
        for (index_t u = u0; u < u1;) {
            const index_t b = u / parts, t0 = (u - b * parts) * part;
            const index_t n = std::min(part, Lr - t0), count = std::min(per_chunk, u1 - u);
            const index_t win = window_rows(a, n);
            const float* window = scratch<float>(4, count * win * words);
            index_t rounded_rows = 0;
            const Operand<ConvWindow> A{
                {a, {{window, n, win, words, a.taps, a.t_step, a.k_step, 0, 1}}, b * Lr + t0, Lr, &rounded_rows},
                false};
            gemm_band<Arith>(A, B, 0, count * n, 0, N, K, 1.0f, beta, bias, C + (b * Lr + t0) * ldc, ldc);
            u += count;
        }
    });
}

// C (M x N) = A B + beta C + bias with A = the implicit im2col matrix a (M rows, depth a.taps * a.width),
// B as given: rounding the source once (above) for bf16 products on an even width, else gemm_sources.
template <class Arith, class T, class BSrc>
void gemm_conv(const ConvRows<T>& a, const Operand<BSrc>& B, index_t M, index_t N, T beta, const T* bias, T* C,
               index_t ldc) {
    if constexpr (kBf16Products<Arith>)
        if (a.width % 2 == 0 && M > 0 && N > 0) {
            gemm_conv_rounded<Arith>(a, B, M, N, beta, bias, C, ldc);
            return;
        }
    gemm_sources<Arith>(M, N, a.taps * a.width, T(1), Operand<ConvRows<T>>{a, false}, B, beta, bias, C, ldc);
}

}  // namespace ink::kernels::detail
