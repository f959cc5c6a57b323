#pragma once
// bf16 GEMM panels: the micro-kernel arithmetic on bf16 pairs, and packing with the f32 -> bf16
// rounding fused in.
//
// A packed bf16 element is a pair of consecutive depth steps (2p, 2p+1) of one row or column, in one
// 32-bit word, the even step in the low half (ink/simd/bf16.hpp). The panels are the f32 panels of
// gemm_pack.hpp with depth kc replaced by kp = ceil(kc / 2) pairs (an odd kc pads the last pair
// with a zero):
//   A ByRow     (A not transposed)  pair (i, p) at a[i * kp + p]   = the row's floats, rounded, as they lie
//   A ByColumn  (A transposed)      pair (i, p) at a[p * MR + i]   = depth rows 2p and 2p+1, interleaved
//   B                               pair (p, j) at b[p * NR + j]   = depth rows 2p and 2p+1, interleaved
// so the micro-kernel reads them exactly as f32 panels (one broadcast of A, NV vectors of B per step)
// and vdpbf16ps multiplies 16 pairs by 16 pairs per instruction.
//
// Where the source block is a plain strided matrix (a matrix, or a conv1d im2col view clear of the
// padding), the conversion reads it in place; otherwise the f32 packer first gathers one panel
// into a small per-thread staging buffer. Either way every input value is read once from memory and
// rounded exactly once per packing.
#include <algorithm>

#include "ink/core/shape.hpp"
#include "ink/kernels/detail/gemm_microkernel.hpp"
#include "ink/kernels/detail/gemm_pack.hpp"
#include "ink/simd/bf16.hpp"
#include "ink/simd/vec.hpp"

namespace ink::kernels::detail {

// Emulated bf16: the float tile, products by simd::dot_bf16_emulated, conversions one value at a time.
// Gives the bits of the native variant (tests/kernels/test_gemm_bf16.cpp checks it).
template <bool kNative>
struct Bf16Arith {
    using value_type = float;
    static constexpr index_t kDepthPerElement = 2;
    static constexpr index_t W = FmaArith<float>::W, NV = FmaArith<float>::NV, MR = FmaArith<float>::MR;
    static constexpr index_t NR = NV * W;
    static simd::Vec<float> step(simd::Vec<float> acc, simd::Vec<float> a, simd::Vec<float> b) {
        return simd::dot_bf16_emulated(acc, a, b);
    }
    // Depth rows q < kc of n floats (src[q * ss + i]) -> pairs in panels of R columns, ps apart:
    // column i of pair p at dst[i / R * ps + p * R + i % R]; the last panel's columns past n are zeros.
    static void pairs_of_depth_rows(const float* src, index_t ss, index_t n, index_t kc, float* dst, index_t R,
                                    index_t ps) {
        const index_t padded = (n + R - 1) / R * R;
        for (index_t q = 0; q < kc; q += 2)
            for (index_t i = 0; i < padded; ++i)
                dst[i / R * ps + q / 2 * R + i % R] =
                    i < n ? simd::bf16_pair(src[q * ss + i], q + 1 < kc ? src[(q + 1) * ss + i] : 0.0f) : 0.0f;
    }
    // A run of kc floats -> ceil(kc / 2) pairs.
    static void pairs_of_run(const float* src, index_t kc, float* dst) {
        for (index_t q = 0; q < kc; q += 2) dst[q / 2] = simd::bf16_pair(src[q], q + 1 < kc ? src[q + 1] : 0.0f);
    }
};

#if defined(INK_SIMD_BF16_NATIVE)
// vdpbf16ps with 24 accumulators: its latency is 6 cycles at one per cycle, so fewer leave the
// unit idle (12 reach about 70% of its peak). 12 x 2 accumulators + 2 vectors of B + 1 broadcast
// of A fit the 32 zmm registers.
template <>
struct Bf16Arith<true> {
    using value_type = float;
    using V = simd::Vec<float>;
    static constexpr index_t kDepthPerElement = 2;
    static constexpr index_t W = V::width, NV = 2, MR = 12;
    static constexpr index_t NR = NV * W;
    static V step(V acc, V a, V b) { return simd::isa::dot_bf16(acc.v, a.v, b.v); }
    // Two depth rows at a time across all panels, the rows two pairs ahead asked for meanwhile: read
    // panel by panel without prefetching, the source rows (far apart) missed the cache on every run
    // (45% of the 64x640x7000_At time).
    static void pairs_of_depth_rows(const float* src, index_t ss, index_t n, index_t kc, float* dst, index_t R,
                                    index_t ps) {
        constexpr index_t kAhead = 4;  // depth rows
        for (index_t q = 0; q < kc; q += 2) {
            const float* even = src + q * ss;
            const float* odd = q + 1 < kc ? even + ss : nullptr;
            for (index_t r = q + kAhead; r < std::min(q + kAhead + 2, kc); ++r) prefetch_run(src + r * ss, 0, n);
            // (Plain loops, not simd::for_chunks: GCC kept its lambda out of line, a call per panel.)
            float* d = dst + q / 2 * R;
            for (index_t j = 0; j < n; j += R, d += ps)
                for (index_t i = 0; i < R && j + i < n; i += W) {
                    const index_t lanes = std::min({W, R - i, n - j - i});
                    if (lanes == W) {
                        const V e = V::load(even + j + i), o = odd ? V::load(odd + j + i) : V(0.0f);
                        V(simd::isa::bf16_pairs_of_lanes(e.v, o.v)).store(d + i);
                    } else {
                        const V e = V::load(even + j + i, lanes), o = odd ? V::load(odd + j + i, lanes) : V(0.0f);
                        V(simd::isa::bf16_pairs_of_lanes(e.v, o.v)).store(d + i, lanes);
                    }
                }
            float* last = dst + n / R * ps + q / 2 * R;  // the last panel's columns past n
            if (n % R) std::fill(last + n % R, last + R, 0.0f);
        }
    }
    static void pairs_of_run(const float* src, index_t kc, float* dst) {
        index_t q = 0;
        for (; q + 2 * W <= kc; q += 2 * W)
            V(simd::isa::bf16_pairs_of_run(V::load(src + q).v, V::load(src + q + W).v)).store(dst + q / 2);
        if (q < kc) {  // the tail: lanes past kc read as zeros
            const index_t n = kc - q;
            const V lo = n >= W ? V::load(src + q) : V::load(src + q, n);
            const V hi = n > W ? V::load(src + q + W, n - W) : V(0.0f);
            V(simd::isa::bf16_pairs_of_run(lo.v, hi.v)).store(dst + q / 2, (n + 1) / 2);
        }
    }
};
#endif

// What bf16 products run on in this build: vdpbf16ps where the compiler targets AVX512-BF16.
using Bf16Native = Bf16Arith<simd::kHasBf16Dot>;

// Whether an Arith (void: the default FMAs) multiplies in bf16.
template <class Arith>
inline constexpr bool kBf16Products = false;
template <bool kNative>
inline constexpr bool kBf16Products<Bf16Arith<kNative>> = true;

constexpr index_t pairs(index_t kc) { return (kc + 1) / 2; }

// f32 staging for one panel (R x kc floats), per thread (scratch slot 3).
inline float* bf16_staging(index_t R, index_t kc) { return scratch<float>(3, R * kc); }

// Depth rows p0 .. p0+kc-1 of src, columns [c0, c0 + n), as bf16 pairs in panels of R columns:
// column i of pair p at dst[i / R * panel_stride(R, kp) + p * R + i % R] (zeros beyond n). Runs of
// depth rows that form a plain strided matrix are read straight from the source, all panels at once;
// the other rows (a conv1d window in the padding, a block across two batch elements) are gathered
// two at a time into a staging buffer first. Gathering the whole block whenever one row of it touched
// the padding put half of the B32 L1024 64->64 k5 backward-weight blocks on the slow path (53% of its
// time in the gather).
template <class Arith, index_t R, class Src>
void pack_depth_pairs(const Src& src, index_t p0, index_t kc, index_t c0, index_t n, float* dst) {
    const index_t ps = panel_stride<float>(R, pairs(kc));
    index_t stride = 0;
    if (const float* direct = src.direct(p0, kc, c0, n, stride)) {
        Arith::pairs_of_depth_rows(direct, stride, n, kc, dst, R, ps);
        return;
    }
    for (index_t q = 0; q < kc;) {  // q even: pair q / 2 starts here
        const index_t rows = std::min<index_t>(2, kc - q);
        if (const float* direct = src.direct(p0 + q, rows, c0, n, stride)) {
            index_t end = q + rows, more = 0;
            while (end < kc && src.direct(p0 + q, std::min(end + 2, kc) - q, c0, n, more)) end = std::min(end + 2, kc);
            Arith::pairs_of_depth_rows(direct, stride, n, end - q, dst + q / 2 * R, R, ps);
            q = end;
        } else {
            float* stage = bf16_staging(2, n);
            pack_rows(src, p0 + q, rows, rows, c0, n, stage, n, index_t{1});
            Arith::pairs_of_depth_rows(stage, n, n, rows, dst + q / 2 * R, R, ps);
            q += rows;
        }
    }
}

// Asks for rows r0 .. r0+n-1, columns [c0, c0 + kc) of src to be brought into the cache, where that
// block is a plain strided matrix.
template <class Src>
void prefetch_block(const Src& src, index_t r0, index_t n, index_t c0, index_t kc) {
    index_t stride = 0;
    if (const float* p = src.direct(r0, n, c0, kc, stride))
        for (index_t r = 0; r < n; ++r) prefetch_run(p + r * stride, 0, kc);
}

// Packs the mc x kc block of op(A) at (i0, p0) into bf16 MR-row micro-panels at dst (panel ir / MR at
// dst + ir / MR * panel_stride(MR, kp)); A is never read in place by the kernel (it must be rounded).
template <class Arith, class Src>
PanelA pack_a_bf16(const Operand<Src>& A, index_t i0, index_t mc, index_t p0, index_t kc, float* dst,
                   PanelRef<float>* panels) {
    constexpr index_t MR = Arith::MR;
    const index_t kp = pairs(kc);
    for (index_t ir = 0; ir < mc; ir += MR) panels[ir / MR] = {dst + ir / MR * panel_stride<float>(MR, kp), kp};
    if (A.rows_along_k) {
        pack_depth_pairs<Arith, MR>(A.src, p0, kc, i0, mc, dst);
        return PanelA::ByColumn;
    }
    // Rows far apart (640x7000: 28 KB) are short runs to the prefetchers: ask for each row this many
    // rows ahead of its conversion (about a memory latency of work), where the block is a plain matrix.
    constexpr index_t kAhead = 16;
    prefetch_block(A.src, i0, std::min(kAhead, mc), p0, kc);
    for (index_t ir = 0; ir < mc; ir += MR) {
        const index_t rows = std::min(MR, mc - ir);
        float* packed = dst + ir / MR * panel_stride<float>(MR, kp);
        if (ir + kAhead < mc) prefetch_block(A.src, i0 + ir + kAhead, std::min(rows, mc - ir - kAhead), p0, kc);
        index_t stride = 0;
        const float* rows_p = A.src.direct(i0 + ir, rows, p0, kc, stride);
        if (!rows_p) {
            float* stage = bf16_staging(MR, kc);
            pack_rows(A.src, i0 + ir, rows, MR, p0, kc, stage, kc, index_t{1});
            rows_p = stage;
            stride = kc;
        }
        for (index_t i = 0; i < rows; ++i) Arith::pairs_of_run(rows_p + i * stride, kc, packed + i * kp);
        std::fill(packed + rows * kp, packed + MR * kp, 0.0f);
    }
    return PanelA::ByRow;
}

// Packs the kc x nc block of op(B) at (p0, j0) into bf16 NR-column micro-panels at dst.
template <class Arith, class Src>
void pack_b_bf16(const Operand<Src>& B, index_t p0, index_t kc, index_t j0, index_t nc, float* dst) {
    constexpr index_t NR = Arith::NR;
    const index_t kp = pairs(kc);
    if (B.rows_along_k) {
        pack_depth_pairs<Arith, NR>(B.src, p0, kc, j0, nc, dst);
        return;
    }
    for (index_t jr = 0; jr < nc; jr += NR) {  // B transposed: gather each panel's depth rows, then pair them
        float* stage = bf16_staging(NR, kc);
        pack_rows(B.src, j0 + jr, std::min(NR, nc - jr), NR, p0, kc, stage, index_t{1}, NR);
        Arith::pairs_of_depth_rows(stage, NR, NR, kc, dst + jr / NR * panel_stride<float>(NR, kp), NR, 0);
    }
}

}  // namespace ink::kernels::detail
