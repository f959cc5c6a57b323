#pragma once
// Reductions on raw contiguous arrays: sum, max, dot, sum of squares, mean; row and column sums of a
// row-major rows x cols matrix. T is float or double.
//
// Deterministic: the summation order depends only on the sizes, never on the thread count. A long
// array is cut into at most kMaxBlocks blocks whose size depends only on n; each block is reduced
// with four SIMD accumulators (whatever thread runs it) and the block results are combined in order.
#include <algorithm>
#include <limits>

#include "ink/core/shape.hpp"
#include "ink/core/threads.hpp"
#include "ink/simd/vec.hpp"

namespace ink::kernels {

namespace detail {
inline constexpr index_t kMinReduceBlock = index_t{1} << 14;
inline constexpr index_t kMaxBlocks = 256;

// Reduces [0, n) with step(acc, i, lanes) -> acc over four interleaved register accumulators started
// at `init`, which are then merged with join (lane-wise) and folded with fold (horizontal). Tail
// lanes must not contribute: steps load them with a neutral fill value.
template <class T, class Step, class Join, class Fold>
T reduce_block(index_t n, T init, Step step, Join join, Fold fold) {
    using V = simd::Vec<T>;
    constexpr index_t W = V::width;
    V a0(init), a1(init), a2(init), a3(init);
    index_t i = 0;
    for (; i + 4 * W <= n; i += 4 * W) {
        a0 = step(a0, i, simd::Full{});
        a1 = step(a1, i + W, simd::Full{});
        a2 = step(a2, i + 2 * W, simd::Full{});
        a3 = step(a3, i + 3 * W, simd::Full{});
    }
    for (; i + W <= n; i += W) a0 = step(a0, i, simd::Full{});
    if (i < n) a1 = step(a1, i, simd::Part{n - i});
    return fold(join(join(a0, a1), join(a2, a3)));
}

// block(begin, end) over the blocks of [0, n) (threaded when n is large), combined in block order.
template <class T, class Block, class Combine>
T reduce_blocked(index_t n, Block block, Combine combine) {
    if (n <= kMinReduceBlock) return block(0, n);
    constexpr index_t W = simd::Vec<T>::width;
    index_t bs = std::max(kMinReduceBlock, (n + kMaxBlocks - 1) / kMaxBlocks);
    bs = (bs + W - 1) / W * W;
    const index_t nb = (n + bs - 1) / bs;
    T part[kMaxBlocks];
    parallel_for(nb, threads_for(double(n), double(kMinReduceBlock)), [&](index_t b0, index_t b1) {
        for (index_t b = b0; b < b1; ++b) part[b] = block(b * bs, std::min(n, (b + 1) * bs));
    });
    T r = part[0];
    for (index_t b = 1; b < nb; ++b) r = combine(r, part[b]);
    return r;
}

template <class T>
T sum_serial(index_t n, const T* x) {
    using V = simd::Vec<T>;
    return reduce_block<T>(
        n, T(0), [x](V a, index_t i, auto l) { return a + l.load(x + i); }, [](V a, V b) { return a + b; },
        [](V a) { return simd::hsum(a); });
}

template <class T>
T max_serial(index_t n, const T* x) {
    using V = simd::Vec<T>;
    constexpr T lowest = -std::numeric_limits<T>::infinity();
    return reduce_block<T>(
        n, lowest, [x](V a, index_t i, auto l) { return simd::max(a, l.load(x + i, lowest)); },
        [](V a, V b) { return simd::max(a, b); }, [](V a) { return simd::hmax(a); });
}

template <class T>
T dot_serial(index_t n, const T* x, const T* y) {
    using V = simd::Vec<T>;
    return reduce_block<T>(
        n, T(0), [x, y](V a, index_t i, auto l) { return simd::fma(l.load(x + i), l.load(y + i), a); },
        [](V a, V b) { return a + b; }, [](V a) { return simd::hsum(a); });
}
}  // namespace detail

template <class T>
T sum(index_t n, const T* x) {
    return detail::reduce_blocked<T>(
        n, [x](index_t b, index_t e) { return detail::sum_serial(e - b, x + b); }, [](T a, T c) { return a + c; });
}

// Maximum of x[0..n); -infinity for n == 0. NaNs are not propagated.
template <class T>
T max(index_t n, const T* x) {
    return detail::reduce_blocked<T>(
        n, [x](index_t b, index_t e) { return detail::max_serial(e - b, x + b); },
        [](T a, T c) { return std::max(a, c); });
}

template <class T>
T dot(index_t n, const T* x, const T* y) {
    return detail::reduce_blocked<T>(
        n, [x, y](index_t b, index_t e) { return detail::dot_serial(e - b, x + b, y + b); },
        [](T a, T c) { return a + c; });
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
    const int nt = threads_for(double(rows) * double(cols), double(detail::kMinReduceBlock));
    parallel_for(rows, nt, [&](index_t r0, index_t r1) {
        for (index_t r = r0; r < r1; ++r) {
            const T s = detail::sum_serial(cols, x + r * cols);
            y[r] = accumulate ? y[r] + s : s;
        }
    });
}

// y[j] = sum_r x[r, j] (y has length cols): the bias gradient of a dense layer applied to rows.
// With accumulate, y[j] += instead of =. Each column is summed in row order; threads split columns.
template <class T>
void col_sums(index_t rows, index_t cols, const T* x, T* y, bool accumulate = false) {
    constexpr index_t W = simd::Vec<T>::width;
    const int nt = threads_for(double(rows) * double(cols), double(detail::kMinReduceBlock));
    parallel_for((cols + W - 1) / W, nt, [&](index_t b0, index_t b1) {
        const index_t c0 = b0 * W, c1 = std::min(cols, b1 * W);
        if (!accumulate) std::fill(y + c0, y + c1, T(0));
        for (index_t r = 0; r < rows; ++r) {
            const T* xr = x + r * cols + c0;
            simd::for_chunks<T>(c1 - c0, [&](index_t j, auto l) {
                l.store(y + c0 + j, l.load(y + c0 + j) + l.load(xr + j));
            });
        }
    });
}

}  // namespace ink::kernels
