#pragma once
// Packing of GEMM operands into the micro-panels read by the micro-kernel, from "row sources".
//
// A row source describes a matrix whose row r is `taps` runs of `width` contiguous elements: with
// `auto cur = src.cursor(r)`, cur.row().segment(k) points at run k of row r (null for a run of
// zeros) and cur.next() moves to row r + 1. Optionally, src.direct(...) exposes a block that is a
// plain strided matrix, so that the kernel can read it in place. This covers
//   - a plain row-major matrix (taps = 1, width = its row length), and
//   - the implicit im2col matrix of a convolution (taps = kernel taps, width = channels, null
//     segments where the window hangs over the padding): see conv1d_source.hpp.
// so a convolution is packed straight from its NLC input and no im2col matrix is materialised.
//
// An operand of C = op(A) op(B) is a row source plus the direction of its rows:
//   A with rows along M (A not transposed)  -> A micro-panels PanelA::ByRow: plain row copies
//   A with rows along K (A transposed)      -> A micro-panels PanelA::ByColumn: copies of MR values per k
//   B with rows along K (B not transposed)  -> B micro-panels: copies of NR values per k
//   B with rows along N (B transposed)      -> B micro-panels: strided (transposing) copies
// Every copy is contiguous on the source side; three of the four are contiguous on both sides.
//
// Packed block of MC rows of A (PanelA::ByColumn shown; ByRow stores each panel row-major):
//
//   panel 0: k=0 [a00 a10 .. a70] k=1 [a01 a11 .. a71] ... k=kc-1 [...]   MR * kc values
//   panel 1: rows 8..15, same layout                                        (rows past M are zeros)
//
// Packed block of NC columns of B: panel j holds, for k = 0..kc-1, columns j*NR .. j*NR+NR-1.
// Consecutive panels start panel_stride() values apart (one cache line more than MR * kc or NR * kc).
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "ink/core/memory.hpp"
#include "ink/core/shape.hpp"
#include "ink/kernels/detail/gemm_microkernel.hpp"

namespace ink::kernels::detail {

// A row-major matrix, or a matrix whose row r is `taps` runs at p + r * row_stride + k * tap_stride
// (e.g. conv1d weights (K, Cin, Cout) read as rows c: runs w[k, c, :] for k = 0..K-1).
template <class T>
struct StridedRows {
    const T* p;
    index_t row_stride;
    index_t width;
    index_t taps = 1;
    index_t tap_stride = 0;

    struct Row {
        const T* base;
        index_t tap_stride;
        const T* segment(index_t k) const { return base + k * tap_stride; }
    };
    // Walks rows r, r+1, ... (the packing routines visit rows in order).
    struct Cursor {
        const T* p;
        index_t row_stride, tap_stride;
        Row row() const { return {p, tap_stride}; }
        void next() { p += row_stride; }
    };
    Cursor cursor(index_t r) const { return {p + r * row_stride, row_stride, tap_stride}; }

    // The nr x nc block at (r0, c0) as a plain strided matrix (element (r, c) at result[r * stride + c]),
    // or null. Lets the micro-kernel read an operand in place instead of packing it.
    const T* direct(index_t r0, index_t /*nr*/, index_t c0, index_t /*nc*/, index_t& stride) const {
        if (taps != 1) return nullptr;
        stride = row_stride;
        return p + r0 * row_stride + c0;
    }
};

template <class Src>
struct Operand {
    Src src;
    bool rows_along_k;  // true: row r of src is depth index r; false: row r is output index r
};

// Where the micro-kernel finds one A micro-panel: ByRow panels have a row stride (kc when packed, the
// source's own row stride when read in place); ByColumn panels ignore it.
template <class T>
struct PanelRef {
    const T* p;
    index_t stride;
};

// Asks for seg[off, off + n) to be brought into the cache ahead of use (packing and in-place panels
// read rows that are far apart in memory, which the hardware prefetchers pick up late). seg may be null.
template <class T>
inline void prefetch_run(const T* seg, index_t off, index_t n) {
    if (!seg) return;
    const char* c = reinterpret_cast<const char*>(seg + off);
    for (index_t off = 0; off < n * index_t(sizeof(T)); off += 64) __builtin_prefetch(c + off);
}

// Distance between consecutive packed micro-panels of R x kc values: one cache line more than R * kc.
// Packing writes one row of every panel per depth step; with an unpadded stride (R * kc * 4 bytes, a
// multiple of 4 KiB for kc = 256) all those rows would fall into the same L1 set and evict each other
// (measured: 30 % of conv1d backward-weight time in packing).
template <class T>
constexpr index_t panel_stride(index_t R, index_t kc) {
    return R * kc + 64 / index_t(sizeof(T));
}

// dst[q * ds] = seg[q] for q < n, or zeros when seg is null.
template <class T>
inline void copy_run(const T* seg, index_t n, T* dst, index_t ds) {
    if (!seg) {
        for (index_t q = 0; q < n; ++q) dst[q * ds] = T(0);
    } else if (ds == 1) {
        std::memcpy(dst, seg, static_cast<std::size_t>(n) * sizeof(T));
    } else {
        for (index_t q = 0; q < n; ++q) dst[q * ds] = seg[q];
    }
}

// Rows r0 .. r0+nr-1 of src, columns [c0, c0 + kc), into dst[rr * dsr + q * dsq]; rows nr .. R-1 are
// zero-filled (R = the panel height). Used for A not transposed and B transposed.
template <class T, class Src>
void pack_rows(const Src& src, index_t r0, index_t nr, index_t R, index_t c0, index_t kc, T* dst, index_t dsr,
               index_t dsq) {
    const index_t k0 = c0 / src.width, off0 = c0 % src.width;
    constexpr index_t kAhead = 2;  // rows prefetched ahead
    auto cur = src.cursor(r0);
    auto ahead = src.cursor(r0 + std::min(kAhead, nr));
    for (index_t rr = 0; rr < nr; ++rr, cur.next()) {
        if (rr + kAhead < nr) {
            prefetch_run(ahead.row().segment(k0), off0, std::min(kc, src.width - off0));
            ahead.next();
        }
        const auto row = cur.row();
        T* d = dst + rr * dsr;
        index_t k = k0, off = off0;
        for (index_t q = 0; q < kc; ++k, off = 0) {
            const index_t n = std::min(src.width - off, kc - q);
            const T* seg = row.segment(k);
            copy_run(seg ? seg + off : nullptr, n, d + q * dsq, dsq);
            q += n;
        }
    }
    for (index_t rr = nr; rr < R; ++rr)
        for (index_t q = 0; q < kc; ++q) dst[rr * dsr + q * dsq] = T(0);
}

// Rows p0 .. p0+kc-1 of src are depth steps; their columns [i0, i0 + ni) are output indices, packed
// as panels of R: element (i, q) -> dst[(i / R) * ps + q * R + i % R] (ps = panel_stride), the last
// panel zero-padded.
// Used for A transposed and B not transposed. Each depth row is walked once, run by run.
template <index_t R, class T, class Src>
void pack_depth_rows(const Src& src, index_t p0, index_t kc, index_t i0, index_t ni, T* dst) {
    const index_t k0 = i0 / src.width, off0 = i0 % src.width;
    const index_t ps = panel_stride<T>(R, kc);
    constexpr index_t kAhead = 2;  // rows prefetched ahead
    auto cur = src.cursor(p0);
    auto ahead = src.cursor(p0 + std::min(kAhead, kc));
    for (index_t q = 0; q < kc; ++q, cur.next()) {
        if (q + kAhead < kc) {
            prefetch_run(ahead.row().segment(k0), off0, std::min(ni, src.width - off0));
            ahead.next();
        }
        const auto row = cur.row();
        index_t k = k0, off = off0;
        const T* seg = row.segment(k);
        T* d = dst + q * R;
        index_t i = 0;  // output index relative to i0
        while (i < ni) {
            if (off == src.width) seg = row.segment(++k), off = 0;
            // Whole panels inside the current run: the common case, a plain R-value copy each.
            if (seg && i % R == 0)
                for (; i + R <= ni && off + R <= src.width; i += R, off += R)
                    std::memcpy(d + (i / R) * ps, seg + off, R * sizeof(T));
            if (i >= ni || off == src.width) continue;
            // A panel that straddles runs or the end of the block: element by element.
            const index_t n = std::min({src.width - off, R - i % R, ni - i});
            copy_run(seg ? seg + off : nullptr, n, d + (i / R) * ps + i % R, 1);
            i += n;
            off += n;
        }
        if (ni % R) std::fill(d + (ni / R) * ps + ni % R, d + (ni / R) * ps + R, T(0));
    }
}

// Packs the mc x kc block of op(A) at (i0, p0) into MR-row micro-panels at dst and records where
// each panel is in panels[]. With in_place, full panels that the source can expose as a strided
// matrix are not copied: the kernel reads them where they are. Returns the panel layout.
template <index_t MR, class T, class Src>
PanelA pack_a(const Operand<Src>& A, index_t i0, index_t mc, index_t p0, index_t kc, bool in_place, T* dst,
              PanelRef<T>* panels) {
    if (A.rows_along_k) {
        pack_depth_rows<MR>(A.src, p0, kc, i0, mc, dst);
        for (index_t ir = 0; ir < mc; ir += MR) panels[ir / MR] = {dst + ir / MR * panel_stride<T>(MR, kc), kc};
        return PanelA::ByColumn;
    }
    for (index_t ir = 0; ir < mc; ir += MR) {
        const index_t rows = std::min(MR, mc - ir);
        index_t stride = 0;
        const T* p = in_place && rows == MR ? A.src.direct(i0 + ir, MR, p0, kc, stride) : nullptr;
        if (!p) {
            T* packed = dst + ir / MR * panel_stride<T>(MR, kc);
            pack_rows(A.src, i0 + ir, rows, MR, p0, kc, packed, kc, index_t{1});
            p = packed;
            stride = kc;
        }
        panels[ir / MR] = {p, stride};
    }
    return PanelA::ByRow;
}

// Packs the kc x nc block of op(B) at (p0, j0) into NR-column micro-panels at dst (panel jr / NR at
// dst + jr / NR * panel_stride). B is always packed: reading it in place was measured slower (its rows are far apart,
// and each B panel is streamed once per A panel).
template <index_t NR, class T, class Src>
void pack_b(const Operand<Src>& B, index_t p0, index_t kc, index_t j0, index_t nc, T* dst) {
    if (B.rows_along_k) {
        pack_depth_rows<NR>(B.src, p0, kc, j0, nc, dst);
        return;
    }
    for (index_t jr = 0; jr < nc; jr += NR)
        pack_rows(B.src, j0 + jr, std::min(NR, nc - jr), NR, p0, kc, dst + jr / NR * panel_stride<T>(NR, kc),
                  index_t{1}, NR);
}

// Per-thread scratch (slots: 0 packed A, 1 packed B, 2 panel table, 3 staging for bf16 packing, 4 conv1d
// backward-weight partial sums), grown on demand and kept:
// a GEMM call in steady state allocates nothing.
template <class U>
U* scratch(int slot, index_t count) {
    struct Buffer {
        void* p = nullptr;
        std::size_t bytes = 0;
        ~Buffer() { aligned_free(p, bytes); }
    };
    thread_local Buffer buffers[5];
    Buffer& b = buffers[slot];
    const std::size_t need = static_cast<std::size_t>(count) * sizeof(U);
    if (need > b.bytes) {
        aligned_free(b.p, b.bytes);
        b.p = nullptr;
        b.bytes = 0;
        b.p = aligned_malloc(need);
        b.bytes = need;
    }
    return static_cast<U*>(b.p);
}

}  // namespace ink::kernels::detail
