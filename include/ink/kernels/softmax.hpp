#pragma once
// Row-wise softmax, log-softmax and the fused log-softmax + negative log-likelihood, with their
// backward helpers, on raw pointers. All rows are contiguous: row r of x starts at x + r * cols.
// T is float or double.
//
// Each row takes three passes over data that stays in L1/L2 after the first: the max, then
// e = exp(x - max) with its sum (stored where the result goes), then a scaling by 1 / sum. The exp is
// the vectorised one of detail/simd_math.hpp. Large problems are split over threads by rows, so the
// result never depends on the thread count.
#include <cmath>
#include <cstdint>
#include <limits>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"
#include "ink/kernels/detail/simd.hpp"
#include "ink/kernels/detail/simd_math.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"

namespace ink::kernels {

namespace detail {
// sum_j exp(x[j] - m) over one row; with Store, e[j] = exp(x[j] - m) is also written (e may be x).
template <bool Store, class T>
T exp_shifted_sum(index_t n, const T* x, T m, T* e) {
    using V = simd::Vec<T>;
    constexpr T minus_inf = -std::numeric_limits<T>::infinity();
    const V mv(m);
    return reduce_block<T>(
        n, T(0),
        [&](V acc, index_t i, auto l) {
            // Tail lanes read -inf, whose exp is 0.
            const V ev = simd::exp(l.load(x + i, minus_inf) - mv);
            if constexpr (Store) l.store(e + i, ev);
            return acc + ev;
        },
        [](V a, V b) { return a + b; }, [](V a) { return simd::hsum(a); });
}

// y[j] *= s over one row.
template <class T>
void scale_row(index_t n, T* y, T s) {
    const simd::Vec<T> sv(s);
    simd::for_chunks<T>(n, [&](index_t j, auto l) { l.store(y + j, l.load(y + j) * sv); });
}
}  // namespace detail

// y[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)). y may alias x.
template <class T>
void softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    detail::for_rows(rows, cols, [&](index_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = detail::max_serial(cols, xr);
        const T s = detail::exp_shifted_sum<true>(cols, xr, m, yr);
        detail::scale_row(cols, yr, T(1) / s);
    });
}

// y[r, :] = x[r, :] - max - log(sum(exp(x[r, :] - max))). y may alias x.
template <class T>
void log_softmax_rows(index_t rows, index_t cols, const T* x, T* y) {
    using V = simd::Vec<T>;
    detail::for_rows(rows, cols, [&](index_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = detail::max_serial(cols, xr);
        const V mv(m), ls(std::log(detail::exp_shifted_sum<false>(cols, xr, m, yr)));
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
    detail::for_rows(rows, cols, [&](index_t r) {
        const T* xr = logits + r * cols;
        const std::int32_t t = targets[r];
        if (t == ignore_index) {
            loss[r] = 0;
            if (grad) fill(cols, T(0), grad + r * cols);
            return;
        }
        INK_ASSERT(t >= 0 && t < cols);
        const T xt = xr[t];  // read before grad, which may alias the logits, is written
        const T m = detail::max_serial(cols, xr);
        if (!grad) {
            loss[r] = (m - xt) + std::log(detail::exp_shifted_sum<false>(cols, xr, m, static_cast<T*>(nullptr)));
            return;
        }
        T* gr = grad + r * cols;
        const T s = detail::exp_shifted_sum<true>(cols, xr, m, gr);
        loss[r] = (m - xt) + std::log(s);
        detail::scale_row(cols, gr, grad_scale / s);
        gr[t] -= grad_scale;
    });
}

// Backward of y = softmax_rows(x): dx[r, :] = y[r, :] * (dy[r, :] - sum_j dy[r, j] * y[r, j]).
// dx may alias dy or y.
template <class T>
void softmax_backward_rows(index_t rows, index_t cols, const T* y, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::for_rows(rows, cols, [&](index_t r) {
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
    detail::for_rows(rows, cols, [&](index_t r) {
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
