#pragma once
// conv1d on NLC tensors: x (B, L, Cin), w (K, Cin, Cout), bias (Cout), y (B, Lout, Cout).
//
//   y[b, t, o] = bias[o] + sum_{k, c} x[b, t*stride + k*dilation - pad_left, c] * w[k, c, o]
// with x taken as 0 outside [0, L). Lout = (L + pad_left + pad_right - dilation*(K-1) - 1) / stride + 1.
//
// Implicit-im2col GEMMs on the GEMM micro-kernel: see below and docs/kernels.md. Arith (default: FMAs
// in T) is how the GEMMs multiply; conv1d_bf16.hpp passes the bf16 one.
#include <algorithm>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"
#include "ink/kernels/detail/conv1d_source.hpp"
#include "ink/kernels/detail/conv1d_weight_groups.hpp"
#include "ink/kernels/detail/gemm_driver.hpp"

namespace ink {
// conv1d's padding modes, at ink:: level because the op and layer options (ink::Conv1dOptions) use it.
enum class Padding { Same, Valid, Explicit };
}  // namespace ink

namespace ink::kernels {

// The raw parameters of the conv1d kernels (users pass ink::Conv1dOptions to the op and the layer).

struct Conv1dParams {
    index_t batch = 1, length = 1, channels_in = 1, channels_out = 1, kernel = 1;
    index_t stride = 1, dilation = 1, pad_left = 0, pad_right = 0;

    index_t span() const { return dilation * (kernel - 1) + 1; }  // receptive field of one output
    index_t length_out() const { return (length + pad_left + pad_right - span()) / stride + 1; }
    // Forward flops (multiply-adds count 2); backward-data and backward-weight cost the same.
    double flops() const { return 2.0 * double(batch * length_out()) * double(kernel * channels_in * channels_out); }

    // Sets pad_left/pad_right for a padding mode. 'same' follows TensorFlow/Keras: Lout = ceil(L / stride),
    // total padding max((Lout-1)*stride + span - L, 0), the odd unit on the right.
    Conv1dParams& set_padding(Padding mode, index_t left = 0, index_t right = 0) {
        if (mode == Padding::Valid) {
            pad_left = pad_right = 0;
        } else if (mode == Padding::Same) {
            const index_t out = (length + stride - 1) / stride;
            const index_t total = std::max<index_t>((out - 1) * stride + span() - length, 0);
            pad_left = total / 2;
            pad_right = total - pad_left;
        } else {
            pad_left = left;
            pad_right = right;
        }
        return *this;
    }
};

// All three products are GEMMs over the implicit im2col matrix X_col (B*Lout x K*Cin), row (b, t) =
// x[b, t*stride + k*dilation - pad_left, :] for k = 0..K-1, packed straight from x (detail/conv1d_source.hpp):
//   forward          y  (B*Lout x Cout) = X_col W + bias      W = w as a (K*Cin x Cout) matrix
//   backward-data    dx (B*L x Cin)     = DY_col W'           DY_col row (b, s) = dy[b, t, :] for each tap k
//                                                             with t*stride + k*dilation - pad_left = s, else 0;
//                                                             W' row (k, o) = w[k, :, o]
//   backward-weight  dw (K*Cin x Cout)  = X_col^T dy
// Where the implicit matrix is a plain strided one (dilation 1, a block clear of the padding), the
// micro-kernel reads x (or dy) in place: consecutive rows overlap, K*Cin values stride*Cin apart.
// Backward-data is the transposed convolution written as a gather (no scatter-add into dx), so it
// threads like the others and `accumulate` is just beta = 1. With stride > 1 its DY_col rows are
// mostly zeros (only taps with t integral contribute), costing stride times the useful flops.
// With bf16 products, backward-weight sums groups of batch elements on separate threads
// (detail/conv1d_weight_groups.hpp).

namespace detail {
// X_col: forward's A, backward-weight's A transposed.
template <class T>
ConvRows<T> conv_input_rows(const Conv1dParams& p, const T* x) {
    return {x, p.length_out(), p.length, p.channels_in, p.kernel, p.stride, p.dilation, -p.pad_left, 1};
}
}  // namespace detail

// y = conv(x, w) + bias; bias may be null.
template <class T, class Arith = void>
void conv1d_forward(const Conv1dParams& p, const T* x, const T* w, const T* bias, T* y) {
    using namespace detail;
    const index_t Lo = p.length_out();
    if (Lo <= 0) return;
    const Operand<ConvRows<T>> a{conv_input_rows(p, x), false};
    const Operand<StridedRows<T>> b{{w, p.channels_out, p.channels_out}, true};
    gemm_sources<Arith>(p.batch * Lo, p.channels_out, p.kernel * p.channels_in, T(1), a, b, T(0), bias, y, p.channels_out);
}

// dx = d loss / d x from dy (B, Lout, Cout). With accumulate, dx += instead of dx =.
template <class T, class Arith = void>
void conv1d_backward_data(const Conv1dParams& p, const T* dy, const T* w, T* dx, bool accumulate = false) {
    using namespace detail;
    const index_t Lo = p.length_out();
    const index_t Ci = p.channels_in, Co = p.channels_out;
    // Taps in reverse order (k' = K-1-k), so that they ascend in dy like the forward taps in x.
    const index_t K = p.kernel, last = (K - 1) * p.dilation;
    const Operand<ConvRows<T>> a{{dy, p.length, Lo, Co, K, 1, p.dilation, p.pad_left - last, p.stride}, false};
    // W' is read as transposed rows: row c of W'^T is the runs w[K-1-k', c, :] for k' = 0..K-1.
    const Operand<StridedRows<T>> b{{w + (K - 1) * Ci * Co, Co, Co, K, -Ci * Co}, false};
    gemm_sources<Arith>(p.batch * p.length, Ci, p.kernel * Co, T(1), a, b, accumulate ? T(1) : T(0),
                 static_cast<const T*>(nullptr), dx, Ci);
}

// dw = d loss / d w (K, Cin, Cout). With accumulate, dw += instead of dw =.
template <class T, class Arith = void>
void conv1d_backward_weight(const Conv1dParams& p, const T* x, const T* dy, T* dw, bool accumulate = false) {
    using namespace detail;
    const index_t Lo = std::max<index_t>(p.length_out(), 0);
    if constexpr (kBf16Products<Arith>) {
        const index_t outputs = p.kernel * p.channels_in * p.channels_out;
        const index_t per_group = Lo > 0 ? weight_group_batches(p.batch, Lo, outputs) : p.batch;
        if (per_group < p.batch) {
            conv1d_weight_by_groups<Arith>(conv_input_rows(p, x), p.batch, dy, p.channels_out, dw, accumulate,
                                           per_group);
            return;
        }
    }
    const Operand<ConvRows<T>> a{conv_input_rows(p, x), true};
    const Operand<StridedRows<T>> b{{dy, p.channels_out, p.channels_out}, true};
    gemm_sources<Arith>(p.kernel * p.channels_in, p.channels_out, p.batch * Lo, T(1), a, b, accumulate ? T(1) : T(0),
                 static_cast<const T*>(nullptr), dw, p.channels_out);
}

// db[o] = sum over (b, t) of dy[b, t, o]. With accumulate, db += instead of db =.
template <class T>
void conv1d_backward_bias(const Conv1dParams& p, const T* dy, T* db, bool accumulate = false) {
    if (!accumulate) std::fill(db, db + p.channels_out, T(0));
    const index_t rows = p.batch * p.length_out();
    for (index_t r = 0; r < rows; ++r)
        for (index_t o = 0; o < p.channels_out; ++o) db[o] += dy[r * p.channels_out + o];
}

}  // namespace ink::kernels
