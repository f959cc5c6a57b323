#pragma once
// Row-wise softmax, log-softmax and the fused log-softmax + negative log-likelihood, on raw pointers.
// All rows are contiguous: row r of x starts at x + r * cols.
//
// REFERENCE IMPLEMENTATION (placeholder for the vectorised kernels).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"

namespace ink::kernels {

// y[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)). y may alias x.
template <class T>
void softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    for (index_t r = 0; r < rows; ++r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = *std::max_element(xr, xr + cols);
        T s = 0;
        for (index_t j = 0; j < cols; ++j) s += (yr[j] = std::exp(xr[j] - m));
        const T inv = T(1) / s;
        for (index_t j = 0; j < cols; ++j) yr[j] *= inv;
    }
}

// y[r, :] = x[r, :] - max - log(sum(exp(x[r, :] - max))). y may alias x.
template <class T>
void log_softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    for (index_t r = 0; r < rows; ++r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = *std::max_element(xr, xr + cols);
        T s = 0;
        for (index_t j = 0; j < cols; ++j) s += std::exp(xr[j] - m);
        const T lse = m + std::log(s);
        for (index_t j = 0; j < cols; ++j) yr[j] = xr[j] - lse;
    }
}

// Fused log-softmax + NLL for integer targets. For each row r with targets[r] != ignore_index:
//   loss[r] = logsumexp(x[r, :]) - x[r, targets[r]]
//   grad[r, :] = grad_scale * (softmax(x[r, :]) - onehot(targets[r]))      (when grad is not null)
// Ignored rows get loss 0 and a zero gradient. grad may alias logits. Never divides by a probability.
template <class T>
void log_softmax_nll(index_t rows, index_t cols, const T* logits, const std::int32_t* targets, T* loss, T* grad,
                     T grad_scale, std::int32_t ignore_index = -100) {
    for (index_t r = 0; r < rows; ++r) {
        const T* xr = logits + r * cols;
        const std::int32_t t = targets[r];
        if (t == ignore_index) {
            loss[r] = 0;
            if (grad) std::fill(grad + r * cols, grad + (r + 1) * cols, T(0));
            continue;
        }
        INK_ASSERT(t >= 0 && t < cols);
        const T m = *std::max_element(xr, xr + cols);
        T s = 0;
        for (index_t j = 0; j < cols; ++j) s += std::exp(xr[j] - m);
        const T lse = m + std::log(s);
        loss[r] = lse - xr[t];
        if (grad) {
            T* gr = grad + r * cols;
            const T inv = grad_scale / s;
            for (index_t j = 0; j < cols; ++j) gr[j] = std::exp(xr[j] - m) * inv;
            gr[t] -= grad_scale;
        }
    }
}

// Backward of y = softmax_rows(x): dx[r, :] = y[r, :] * (dy[r, :] - sum_j dy[r, j] * y[r, j]).
// dx may alias dy.
template <class T>
void softmax_backward_rows(index_t rows, index_t cols, const T* y, const T* dy, T* dx) {
    for (index_t r = 0; r < rows; ++r) {
        const T* yr = y + r * cols;
        const T* dyr = dy + r * cols;
        T* dxr = dx + r * cols;
        T d = 0;
        for (index_t j = 0; j < cols; ++j) d += dyr[j] * yr[j];
        for (index_t j = 0; j < cols; ++j) dxr[j] = yr[j] * (dyr[j] - d);
    }
}

// Backward of y = log_softmax_rows(x): dx[r, :] = dy[r, :] - exp(y[r, :]) * sum_j dy[r, j].
// dx may alias dy.
template <class T>
void log_softmax_backward_rows(index_t rows, index_t cols, const T* y, const T* dy, T* dx) {
    for (index_t r = 0; r < rows; ++r) {
        const T* yr = y + r * cols;
        const T* dyr = dy + r * cols;
        T* dxr = dx + r * cols;
        T d = 0;
        for (index_t j = 0; j < cols; ++j) d += dyr[j];
        for (index_t j = 0; j < cols; ++j) dxr[j] = dyr[j] - std::exp(yr[j]) * d;
    }
}

}  // namespace ink::kernels
