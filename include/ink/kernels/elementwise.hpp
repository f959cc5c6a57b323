#pragma once
// Element-wise maps on raw contiguous arrays, for the autodiff ops. T is float or double.
//
// Conventions: n is the element count; outputs are overwritten (never accumulated) and may alias any
// input of the same length. Forward activations take x and write y; backward helpers take what the
// op saved (x or y) and the upstream gradient dy, and write dx.
//
// Each map is one loop over SIMD registers (ink/simd/vec.hpp), the tail done with masked loads and
// stores; float transcendentals are vectorised (ink/simd/math.hpp), double ones call std::.
// Large arrays are split over threads in contiguous chunks; the result never depends on the split.
#include <algorithm>

#include "ink/core/shape.hpp"
#include "ink/core/threads.hpp"
#include "ink/simd/vec.hpp"
#include "ink/simd/math.hpp"

namespace ink::kernels {

namespace detail {
// Elements per thread below which an element-wise loop stays on one thread, so that each thread
// gets several microseconds of work to repay the fork/join: arithmetic costs about 0.05-0.1 ns per
// element, a vectorised exp/log/sigmoid/tanh about 0.2-0.5 ns.
inline constexpr double kArithGrain = 1 << 17;
inline constexpr double kMathGrain = 1 << 15;

// y[i] = f(x0[i], x1[i], ...) for i in [0, n); f maps simd::Vec<T> arguments to a simd::Vec<T>.
template <class T, class F, class... In>
void map(double grain, index_t n, T* y, F f, const In*... x) {
    constexpr index_t W = simd::Vec<T>::width;
    const auto run = [&](index_t begin, index_t end) {
        // Pointers captured by value: by reference, they would be reloaded after every store.
        simd::for_chunks<T>(end - begin, [f, yb = y + begin, ... xb = x + begin](index_t i, auto lanes) {
            lanes.store(yb + i, f(lanes.load(xb + i)...));
        });
    };
    const int nt = threads_for(double(n), grain);
    if (nt == 1) return run(0, n);
    // Whole registers per thread, so that only the last chunk has a tail.
    parallel_for((n + W - 1) / W, nt, [&](index_t b0, index_t b1) { run(b0 * W, std::min(n, b1 * W)); });
}

// fn(r) for every row r in [0, rows) of a rows x cols problem, over threads when it is large.
template <class Fn>
void for_rows(double grain, index_t rows, index_t cols, Fn&& fn) {
    parallel_for(rows, threads_for(double(rows) * double(cols), grain), [&](index_t r0, index_t r1) {
        for (index_t r = r0; r < r1; ++r) fn(r);
    });
}
}  // namespace detail

// ---- activations ---------------------------------------------------------------------------------

template <class T>
void exp(index_t n, const T* x, T* y) {
    detail::map(detail::kMathGrain, n, y, [](auto v) { return simd::exp(v); }, x);
}

template <class T>
void log(index_t n, const T* x, T* y) {
    detail::map(detail::kMathGrain, n, y, [](auto v) { return simd::log(v); }, x);
}

// y = 1 / (1 + exp(-x)), never overflowing; tiny results keep their relative accuracy.
template <class T>
void sigmoid(index_t n, const T* x, T* y) {
    detail::map(detail::kMathGrain, n, y, [](auto v) { return simd::sigmoid(v); }, x);
}

template <class T>
void tanh(index_t n, const T* x, T* y) {
    detail::map(detail::kMathGrain, n, y, [](auto v) { return simd::tanh(v); }, x);
}

// y = log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that it never overflows.
template <class T>
void softplus(index_t n, const T* x, T* y) {
    detail::map(detail::kMathGrain, n, y, [](auto v) { return simd::softplus(v); }, x);
}

// y = max(x, 0); NaN propagates.
template <class T>
void relu(index_t n, const T* x, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [](V v) { return simd::max(V(T(0)), v); }, x);
}

// y = x for x > 0, slope * x otherwise.
template <class T>
void leaky_relu(index_t n, const T* x, T* y, T slope) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [s = V(slope)](V v) { return simd::select(v > V(T(0)), v, s * v); }, x);
}

// ---- backward helpers ----------------------------------------------------------------------------

// dx = dy * y * (1 - y), from the forward output y = sigmoid(x).
template <class T>
void sigmoid_backward(index_t n, const T* y, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, dx, [](V yv, V g) { return g * (yv - yv * yv); }, y, dy);
}

// dx = dy * (1 - y^2), from the forward output y = tanh(x).
template <class T>
void tanh_backward(index_t n, const T* y, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, dx, [](V yv, V g) { return g * simd::fma(-yv, yv, V(T(1))); }, y, dy);
}

// dx = dy * sigmoid(x), from the forward input x of softplus.
template <class T>
void softplus_backward(index_t n, const T* x, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::map(detail::kMathGrain, n, dx, [](V xv, V g) { return g * simd::sigmoid(xv); }, x, dy);
}

// dx = dy where x > 0, else 0 (x: the forward input or output, which have the same sign).
template <class T>
void relu_backward(index_t n, const T* x, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, dx, [](V xv, V g) { return simd::select(xv > V(T(0)), g, V(T(0))); }, x, dy);
}

// dx = dy where x > 0, slope * dy otherwise (x: the forward input, or the output when slope > 0).
template <class T>
void leaky_relu_backward(index_t n, const T* x, const T* dy, T* dx, T slope) {
    using V = simd::Vec<T>;
    detail::map(
        detail::kArithGrain, n, dx, [s = V(slope)](V xv, V g) { return simd::select(xv > V(T(0)), g, s * g); }, x,
        dy);
}

// ---- arithmetic on arrays ------------------------------------------------------------------------

template <class T>
void fill(index_t n, T value, T* y) {
    std::fill(y, y + n, value);
}

// y += alpha * x
template <class T>
void axpy(index_t n, T alpha, const T* x, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [a = V(alpha)](V xv, V yv) { return simd::fma(a, xv, yv); }, x, y);
}

// y = alpha * x
template <class T>
void scale(index_t n, T alpha, const T* x, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [a = V(alpha)](V xv) { return a * xv; }, x);
}

// y = x + c
template <class T>
void add_scalar(index_t n, const T* x, T c, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [cv = V(c)](V xv) { return xv + cv; }, x);
}

// y = a + b
template <class T>
void add(index_t n, const T* a, const T* b, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [](V av, V bv) { return av + bv; }, a, b);
}

// y = a - b
template <class T>
void sub(index_t n, const T* a, const T* b, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [](V av, V bv) { return av - bv; }, a, b);
}

// y = a * b
template <class T>
void mul(index_t n, const T* a, const T* b, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [](V av, V bv) { return av * bv; }, a, b);
}

// y = a / b
template <class T>
void div(index_t n, const T* a, const T* b, T* y) {
    using V = simd::Vec<T>;
    detail::map(detail::kArithGrain, n, y, [](V av, V bv) { return av / bv; }, a, b);
}

// Bias add: y[r, :] = x[r, :] + b[:] for a rows x cols matrix x and a length-cols vector b.
template <class T>
void add_row(index_t rows, index_t cols, const T* x, const T* b, T* y) {
    detail::for_rows(detail::kArithGrain, rows, cols, [&](index_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        simd::for_chunks<T>(cols, [&](index_t j, auto l) { l.store(yr + j, l.load(xr + j) + l.load(b + j)); });
    });
}

// ---- gated linear unit ---------------------------------------------------------------------------

// x is rows x (2 * half), each row [a | b]; y is rows x half with y = a * sigmoid(b). y must not
// overlap x (the shapes differ).
template <class T>
void glu(index_t rows, index_t half, const T* x, T* y) {
    detail::for_rows(detail::kMathGrain, rows, 2 * half, [&](index_t r) {
        const T* a = x + r * 2 * half;
        const T* b = a + half;
        T* yr = y + r * half;
        simd::for_chunks<T>(half, [&](index_t j, auto l) {
            l.store(yr + j, l.load(a + j) * simd::sigmoid(l.load(b + j)));
        });
    });
}

// Backward of glu from its input x (rows x 2*half) and dy (rows x half): writes dx (rows x 2*half),
//   da = dy * sigmoid(b),  db = dy * a * sigmoid(b) * (1 - sigmoid(b)).
// dx may alias x.
template <class T>
void glu_backward(index_t rows, index_t half, const T* x, const T* dy, T* dx) {
    using V = simd::Vec<T>;
    detail::for_rows(detail::kMathGrain, rows, 2 * half, [&](index_t r) {
        const T* a = x + r * 2 * half;
        const T* b = a + half;
        const T* dyr = dy + r * half;
        T* da = dx + r * 2 * half;
        T* db = da + half;
        simd::for_chunks<T>(half, [&](index_t j, auto l) {
            const V av = l.load(a + j), g = l.load(dyr + j);
            const V s = simd::sigmoid(l.load(b + j));
            const V gs = g * s;
            l.store(da + j, gs);
            l.store(db + j, gs * av * (V(T(1)) - s));
        });
    });
}

}  // namespace ink::kernels
