#pragma once
// Element-wise maps on raw contiguous arrays, for the autodiff ops.
//
// Conventions: n is the element count; outputs are overwritten (never accumulated) and may alias any
// input of the same length. Forward activations take x and write y; backward helpers take what the
// op saved (x or y) and the upstream gradient dy, and write dx.
#include <algorithm>
#include <cmath>

#include "ink/core/shape.hpp"

namespace ink::kernels {

// ---- activations ---------------------------------------------------------------------------------

template <class T>
void exp(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

template <class T>
void log(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = std::log(x[i]);
}

// y = 1 / (1 + exp(-x)); exactly 0 or 1 only where the true value rounds there.
template <class T>
void sigmoid(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}

template <class T>
void tanh(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

// y = log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that it never overflows.
template <class T>
void softplus(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = std::max(x[i], T(0)) + std::log1p(std::exp(-std::abs(x[i])));
}

template <class T>
void relu(index_t n, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
}

// y = x for x > 0, slope * x otherwise.
template <class T>
void leaky_relu(index_t n, const T* x, T* y, T slope) {
    for (index_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : slope * x[i];
}

// ---- backward helpers ----------------------------------------------------------------------------

// dx = dy * y * (1 - y), from the forward output y = sigmoid(x).
template <class T>
void sigmoid_backward(index_t n, const T* y, const T* dy, T* dx) {
    for (index_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
}

// dx = dy * (1 - y^2), from the forward output y = tanh(x).
template <class T>
void tanh_backward(index_t n, const T* y, const T* dy, T* dx) {
    for (index_t i = 0; i < n; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
}

// dx = dy * sigmoid(x), from the forward input x of softplus.
template <class T>
void softplus_backward(index_t n, const T* x, const T* dy, T* dx) {
    for (index_t i = 0; i < n; ++i) dx[i] = dy[i] / (T(1) + std::exp(-x[i]));
}

// dx = dy where x > 0, else 0 (the forward input or output may be passed as x: same sign).
template <class T>
void relu_backward(index_t n, const T* x, const T* dy, T* dx) {
    for (index_t i = 0; i < n; ++i) dx[i] = x[i] > T(0) ? dy[i] : T(0);
}

// dx = dy where x > 0, slope * dy otherwise (x: the forward input, or the output when slope > 0).
template <class T>
void leaky_relu_backward(index_t n, const T* x, const T* dy, T* dx, T slope) {
    for (index_t i = 0; i < n; ++i) dx[i] = x[i] > T(0) ? dy[i] : slope * dy[i];
}

// ---- arithmetic on arrays ------------------------------------------------------------------------

template <class T>
void fill(index_t n, T value, T* y) {
    std::fill(y, y + n, value);
}

// y += alpha * x
template <class T>
void axpy(index_t n, T alpha, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// y = alpha * x
template <class T>
void scale(index_t n, T alpha, const T* x, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = alpha * x[i];
}

// y = x + c
template <class T>
void add_scalar(index_t n, const T* x, T c, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = x[i] + c;
}

// y = a + b
template <class T>
void add(index_t n, const T* a, const T* b, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

// y = a - b
template <class T>
void sub(index_t n, const T* a, const T* b, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = a[i] - b[i];
}

// y = a * b
template <class T>
void mul(index_t n, const T* a, const T* b, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

// y = a / b
template <class T>
void div(index_t n, const T* a, const T* b, T* y) {
    for (index_t i = 0; i < n; ++i) y[i] = a[i] / b[i];
}

// Bias add: y[r, :] = x[r, :] + b[:] for a rows x cols matrix x and a length-cols vector b.
template <class T>
void add_row(index_t rows, index_t cols, const T* x, const T* b, T* y) {
    for (index_t r = 0; r < rows; ++r)
        for (index_t j = 0; j < cols; ++j) y[r * cols + j] = x[r * cols + j] + b[j];
}

// ---- gated linear unit ---------------------------------------------------------------------------

// x is rows x (2 * half), each row [a | b]; y is rows x half with y = a * sigmoid(b). y must not
// alias x (the shapes differ).
template <class T>
void glu(index_t rows, index_t half, const T* x, T* y) {
    for (index_t r = 0; r < rows; ++r) {
        const T* a = x + r * 2 * half;
        const T* b = a + half;
        T* yr = y + r * half;
        for (index_t j = 0; j < half; ++j) yr[j] = a[j] / (T(1) + std::exp(-b[j]));
    }
}

// Backward of glu from its input x (rows x 2*half) and dy (rows x half): writes dx (rows x 2*half),
//   da = dy * sigmoid(b),  db = dy * a * sigmoid(b) * (1 - sigmoid(b)).
template <class T>
void glu_backward(index_t rows, index_t half, const T* x, const T* dy, T* dx) {
    for (index_t r = 0; r < rows; ++r) {
        const T* a = x + r * 2 * half;
        const T* b = a + half;
        const T* dyr = dy + r * half;
        T* da = dx + r * 2 * half;
        T* db = da + half;
        for (index_t j = 0; j < half; ++j) {
            const T s = T(1) / (T(1) + std::exp(-b[j]));
            const T aj = a[j];
            da[j] = dyr[j] * s;
            db[j] = dyr[j] * aj * s * (T(1) - s);
        }
    }
}

}  // namespace ink::kernels
