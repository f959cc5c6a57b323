#pragma once
// Row-wise softmax, log-softmax and the fused log-softmax + negative log-likelihood, with their
// backward helpers, on raw pointers. All rows are contiguous: row r of x starts at x + r * cols.
// T is float or double.
//
// Each row takes three passes over data that stays in L1/L2 after the first: the max, then
// e = exp(x - max) with its sum (stored where the result goes), then a scaling by 1 / sum. The exp is
// the vectorised one of ink/simd/math.hpp. The exp pass is compute-bound, so it prefetches the next
// row, whose max pass would otherwise wait on memory. Large problems are split over threads by rows,
// so the result never depends on the thread count. Logits may be -inf (masked); a row that is all
// -inf has no softmax and gives NaN.
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"
#include "ink/simd/vec.hpp"
#include "ink/simd/math.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"

namespace ink::kernels {

namespace detail {
// sum_j exp(x[j] - m) over one row; with Store, e[j] = exp(x[j] - m) is also written (e may be x).
// This pass is compute-bound, so it also prefetches the next row's n values (when next is not null),
// which the next row's max pass would otherwise wait for.
template <bool Store, class T>
T exp_shifted_sum(index_t n, const T* x, T m, T* e, const T* next = nullptr) {
    using V = simd::Vec<T>;
    constexpr T minus_inf = -std::numeric_limits<T>::infinity();
    const V mv(m);
    return reduce_block<T>(
        n, T(0),
        [&](V acc, index_t i, auto l) {
            if (next) simd::prefetch(next + i);
            // Tail lanes read -inf, whose exp is exactly 0.
            const V ev = simd::exp_nonpositive(l.load(x + i, minus_inf) - mv);
            if constexpr (Store) l.store(e + i, ev);
            return acc + ev;
        },
        [](V a, V b) { return a + b; }, [](V a) { return simd::hsum(a); });
}

// One row of y = scale * (softmax(x) - onehot(target)) (no onehot when target < 0); returns the row's
// max and sum of exp(x - max). y may alias x. `next` is the next row of x, to prefetch, or null.
template <class T>
std::pair<T, T> softmax_row(index_t n, const T* x, T* y, T scale, index_t target, const T* next) {
    const T m = max_serial(n, x);
    const T s = exp_shifted_sum<true>(n, x, m, y, next);
    if (target >= 0) y[target] -= s;  // (e - s) * scale / s = scale * (p - 1)
    const simd::Vec<T> f(scale / s);
    simd::for_chunks<T>(n, [&](index_t j, auto l) { l.store(y + j, l.load(y + j) * f); });
    return {m, s};
}
}  // namespace detail

// y[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)). y may alias x.
template <class T>
void softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    detail::for_rows(detail::kMathGrain, rows, cols, [&](index_t r) {
        const T* xr = x + r * cols;
        detail::softmax_row(cols, xr, y + r * cols, T(1), -1, r + 1 < rows ? xr + cols : nullptr);
    });
}

// y[r, :] = x[r, :] - max - log(sum(exp(x[r, :] - max))). y may alias x.
template <class T>
void log_softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    using V = simd::Vec<T>;
    detail::for_rows(detail::kMathGrain, rows, cols, [&](index_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = detail::max_serial(cols, xr);
        const T* next = r + 1 < rows ? xr + cols : nullptr;
        const V mv(m), ls(std::log(detail::exp_shifted_sum<false>(cols, xr, m, static_cast<T*>(nullptr), next)));
        // (x - max) - log(sum) rather than x - (max + log(sum)): exact when x is the max.
        simd::for_chunks<T>(cols, [&](index_t j, auto l) { l.store(yr + j, (l.load(xr + j) - mv) - ls); });
    });
}

// Fused log-softmax + NLL for integer targets. For each row r with targets[r] != ignore_index:
//   loss[r] = logsumexp(x[r, :]) - x[r, targets[r]]
//   grad[r, :] = grad_scale * (softmax(x[r, :]) - onehot(targets[r]))      (when grad is not null)
// Ignored rows get loss 0 and a zero gradient. grad may alias logits. Never divides by a probability:
// the loss is (max - x[t]) + log(sum), the gradient exp(x - max) * (grad_scale / sum), which stay
// finite for any finite logits and rows of any length.
template <class T>
void log_softmax_nll(index_t rows, index_t cols, const T* logits, const std::int32_t* targets, T* loss, T* grad,
                     T grad_scale, std::int32_t ignore_index = -100) {
    detail::for_rows(detail::kMathGrain, rows, cols, [&](index_t r) {
        const T* xr = logits + r * cols;
        const std::int32_t t = targets[r];
        if (t == ignore_index) {
            loss[r] = 0;
            if (grad) fill(cols, T(0), grad + r * cols);
            return;
        }
        INK_ASSERT(t >= 0 && t < cols);
        const T xt = xr[t];  // read before grad, which may alias the logits, is written
        const T* next = r + 1 < rows ? xr + cols : nullptr;
        T m, sum;
        if (grad) {
            std::tie(m, sum) = detail::softmax_row(cols, xr, grad + r * cols, grad_scale, t, next);
        } else {
            m = detail::max_serial(cols, xr);
            sum = detail::exp_shifted_sum<false>(cols, xr, m, static_cast<T*>(nullptr), next);
        }
        loss[r] = (m - xt) + std::log(sum);
    });
}

// Backward of y = softmax_rows(x): dx[r, :] = y[r, :] * (dy[r, :] - sum_j dy[r, j] * y[r, j]).
// dx may alias dy or y.
template <class T>
void softmax_backward_rows(index_t rows, index_t cols, const T* y, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::for_rows(detail::kArithGrain, rows, cols, [&](index_t r) {
        const T* yr = y + r * cols;
        const T* dyr = dy + r * cols;
        T* dxr = dx + r * cols;
        const V d(detail::dot_serial(cols, dyr, yr));
        simd::for_chunks<T>(cols, [&](index_t j, auto l) { l.store(dxr + j, l.load(yr + j) * (l.load(dyr + j) - d)); });
    });
}

// Backward of y = log_softmax_rows(x): dx[r, :] = dy[r, :] - exp(y[r, :]) * sum_j dy[r, j].
// dx may alias dy or y.
template <class T>
void log_softmax_backward_rows(index_t rows, index_t cols, const T* y, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::for_rows(detail::kMathGrain, rows, cols, [&](index_t r) {
        const T* yr = y + r * cols;
        const T* dyr = dy + r * cols;
        T* dxr = dx + r * cols;
        const V d(detail::sum_serial(cols, dyr));
        simd::for_chunks<T>(cols, [&](index_t j, auto l) {
            l.store(dxr + j, simd::fma(-simd::exp(l.load(yr + j)), d, l.load(dyr + j)));
        });
    });
}

}  // namespace ink::kernels
