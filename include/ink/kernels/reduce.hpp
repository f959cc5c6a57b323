#pragma once
// Reductions on raw contiguous arrays: sum, max, dot, sum of squares, mean; row and column sums of a
// row-major rows x cols matrix.
//
// Deterministic: the summation order depends only on the sizes, never on the thread count.
#include <algorithm>
#include <limits>

#include "ink/core/shape.hpp"

namespace ink::kernels {

template <class T>
T sum(index_t n, const T* x) {
    T s = 0;
    for (index_t i = 0; i < n; ++i) s += x[i];
    return s;
}

// Maximum of x[0..n); -infinity for n == 0.
template <class T>
T max(index_t n, const T* x) {
    T m = -std::numeric_limits<T>::infinity();
    for (index_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

template <class T>
T dot(index_t n, const T* x, const T* y) {
    T s = 0;
    for (index_t i = 0; i < n; ++i) s += x[i] * y[i];
    return s;
}

template <class T>
T sum_squares(index_t n, const T* x) {
    return dot(n, x, x);
}

// Mean of x[0..n); 0 for n == 0.
template <class T>
T mean(index_t n, const T* x) {
    return n > 0 ? sum(n, x) / T(n) : T(0);
}

// y[r] = sum_j x[r, j] (y has length rows). With accumulate, y[r] += instead of =.
template <class T>
void row_sums(index_t rows, index_t cols, const T* x, T* y, bool accumulate = false) {
    for (index_t r = 0; r < rows; ++r) {
        const T s = sum(cols, x + r * cols);
        y[r] = accumulate ? y[r] + s : s;
    }
}

// y[j] = sum_r x[r, j] (y has length cols): the bias gradient of a dense layer applied to rows.
// With accumulate, y[j] += instead of =.
template <class T>
void col_sums(index_t rows, index_t cols, const T* x, T* y, bool accumulate = false) {
    if (!accumulate) std::fill(y, y + cols, T(0));
    for (index_t r = 0; r < rows; ++r)
        for (index_t j = 0; j < cols; ++j) y[j] += x[r * cols + j];
}

}  // namespace ink::kernels
