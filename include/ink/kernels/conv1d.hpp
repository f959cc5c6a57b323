#pragma once
// conv1d on NLC tensors: x (B, L, Cin), w (K, Cin, Cout), bias (Cout), y (B, Lout, Cout).
//
//   y[b, t, o] = bias[o] + sum_{k, c} x[b, t*stride + k*dilation - pad_left, c] * w[k, c, o]
// with x taken as 0 outside [0, L). Lout = (L + pad_left + pad_right - dilation*(K-1) - 1) / stride + 1.
//
// REFERENCE IMPLEMENTATION (placeholder for the implicit-im2col GEMM kernels).
#include <algorithm>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"

namespace ink::kernels {

enum class Padding { Same, Valid, Explicit };

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

// y = conv(x, w) + bias; bias may be null.
template <class T>
void conv1d_forward(const Conv1dParams& p, const T* x, const T* w, const T* bias, T* y) {
    const index_t Lo = p.length_out();
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t t = 0; t < Lo; ++t) {
            T* yr = y + (b * Lo + t) * p.channels_out;
            for (index_t o = 0; o < p.channels_out; ++o) yr[o] = bias ? bias[o] : T(0);
            for (index_t k = 0; k < p.kernel; ++k) {
                const index_t s = t * p.stride + k * p.dilation - p.pad_left;
                if (s < 0 || s >= p.length) continue;
                const T* xr = x + (b * p.length + s) * p.channels_in;
                for (index_t c = 0; c < p.channels_in; ++c) {
                    const T* wr = w + (k * p.channels_in + c) * p.channels_out;
                    for (index_t o = 0; o < p.channels_out; ++o) yr[o] += xr[c] * wr[o];
                }
            }
        }
}

// dx = d loss / d x from dy (B, Lout, Cout). With accumulate, dx += instead of dx =.
template <class T>
void conv1d_backward_data(const Conv1dParams& p, const T* dy, const T* w, T* dx, bool accumulate = false) {
    const index_t Lo = p.length_out();
    if (!accumulate) std::fill(dx, dx + p.batch * p.length * p.channels_in, T(0));
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t t = 0; t < Lo; ++t) {
            const T* dyr = dy + (b * Lo + t) * p.channels_out;
            for (index_t k = 0; k < p.kernel; ++k) {
                const index_t s = t * p.stride + k * p.dilation - p.pad_left;
                if (s < 0 || s >= p.length) continue;
                T* dxr = dx + (b * p.length + s) * p.channels_in;
                for (index_t c = 0; c < p.channels_in; ++c) {
                    const T* wr = w + (k * p.channels_in + c) * p.channels_out;
                    T acc = 0;
                    for (index_t o = 0; o < p.channels_out; ++o) acc += dyr[o] * wr[o];
                    dxr[c] += acc;
                }
            }
        }
}

// dw = d loss / d w (K, Cin, Cout). With accumulate, dw += instead of dw =.
template <class T>
void conv1d_backward_weight(const Conv1dParams& p, const T* x, const T* dy, T* dw, bool accumulate = false) {
    const index_t Lo = p.length_out();
    if (!accumulate) std::fill(dw, dw + p.kernel * p.channels_in * p.channels_out, T(0));
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t t = 0; t < Lo; ++t) {
            const T* dyr = dy + (b * Lo + t) * p.channels_out;
            for (index_t k = 0; k < p.kernel; ++k) {
                const index_t s = t * p.stride + k * p.dilation - p.pad_left;
                if (s < 0 || s >= p.length) continue;
                const T* xr = x + (b * p.length + s) * p.channels_in;
                for (index_t c = 0; c < p.channels_in; ++c) {
                    T* dwr = dw + (k * p.channels_in + c) * p.channels_out;
                    for (index_t o = 0; o < p.channels_out; ++o) dwr[o] += xr[c] * dyr[o];
                }
            }
        }
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
