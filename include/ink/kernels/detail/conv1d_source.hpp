#pragma once
// The implicit im2col matrix of a 1-D convolution, as a GEMM row source (see gemm_pack.hpp).
//
// Row r = (b, t) of the matrix is `taps` runs of `width` channels: run k is the source row
//   src[b, u / div, :]   with u = t * t_step + k * k_step + offset,
// or zeros when u < 0, u is not a multiple of div, or u / div >= src_len (the window is in the padding).
//   forward / backward-weight: rows (b, t) of y, src = x,  u = t*stride + k*dilation - pad_left, div = 1
//   backward-data:             rows (b, s) of dx, src = dy, div = stride, taps in reverse order (so that
//                              they ascend in dy): u = s + k*dilation + pad_left - (K-1)*dilation
// The GEMM packing routines copy these runs straight into the micro-panels, so the im2col matrix
// (K times larger than the input) is never materialised.
#include "ink/core/shape.hpp"

namespace ink::kernels::detail {

template <class T>
struct ConvRows {
    const T* src;
    index_t rows_per_batch;  // t ranges over [0, rows_per_batch)
    index_t src_len;         // rows of src per batch element
    index_t width;           // channels of src
    index_t taps;
    index_t t_step, k_step, offset, div;

    struct Row {
        const T* base;  // src[b, 0, :]
        index_t u0;     // u for k = 0
        const ConvRows* m;
        const T* segment(index_t k) const {
            const index_t u = u0 + k * m->k_step;
            if (u < 0) return nullptr;
            if (m->div != 1) {
                if (u % m->div != 0) return nullptr;
                const index_t s = u / m->div;
                return s < m->src_len ? base + s * m->width : nullptr;
            }
            return u < m->src_len ? base + u * m->width : nullptr;
        }
    };
    // Walks rows r, r+1, ... without a division per row.
    struct Cursor {
        const T* base;
        index_t t, u0;
        const ConvRows* m;
        Row row() const { return {base, u0, m}; }
        void next() {
            u0 += m->t_step;
            if (++t == m->rows_per_batch) {
                t = 0;
                u0 = m->offset;
                base += m->src_len * m->width;
            }
        }
    };
    Cursor cursor(index_t r) const {
        const index_t b = r / rows_per_batch, t = r - b * rows_per_batch;
        return {src + b * src_len * width, t, t * t_step + offset, this};
    }

    // When adjacent taps are adjacent source rows (k_step == 1, div == 1: dilation 1), the rows of a
    // block inside one batch element and clear of the padding form a strided matrix with overlapping
    // rows: element (r, c) at result[r * t_step * width + c]. Returns null otherwise.
    const T* direct(index_t r0, index_t nr, index_t c0, index_t nc, index_t& stride) const {
        if (div != 1 || k_step != 1) return nullptr;
        const index_t b = r0 / rows_per_batch, t = r0 - b * rows_per_batch;
        if (t + nr > rows_per_batch) return nullptr;
        const index_t u_first = t * t_step + offset + c0 / width;
        const index_t u_last = (t + nr - 1) * t_step + offset + (c0 + nc - 1) / width;
        if (u_first < 0 || u_last >= src_len) return nullptr;
        stride = t_step * width;
        return src + (b * src_len + t * t_step + offset) * width + c0;
    }
};

}  // namespace ink::kernels::detail
