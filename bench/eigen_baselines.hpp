#pragma once
// Eigen baselines for ink's kernels: the benchmarks' competitor and the tests' second oracle.
//
// GEMM is one Eigen matrix product on mapped row-major matrices. conv1d is the classic framework
// recipe on top of it: an explicit im2col buffer (B*Lout x K*Cin), then one product per pass, and a
// col2im scatter-add for backward-data. The buffers are members, so a benchmark loop reuses them.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <vector>

#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/gemm.hpp"

namespace ink::bench {

// Wall-clock GFLOP/s of a benchmark's timed loop: start it just before `for (auto _ : state)`. (Google
// Benchmark's own rates divide by the main thread's CPU time unless the benchmark is marked
// UseRealTime, which appends "/real_time" to its name; this keeps the names <kernel>/<impl>/<shape>/threads:N.)
class WallClockRate {
public:
    WallClockRate() : start_(std::chrono::steady_clock::now()) {}
    double gflops(double flops_per_iteration, std::int64_t iterations) const {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        return s > 0 ? 1e-9 * flops_per_iteration * double(iterations) / s : 0.0;
    }

private:
    std::chrono::steady_clock::time_point start_;
};

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MapConst = Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>;
template <class T>
using Map = Eigen::Map<RowMatrix<T>, 0, Eigen::OuterStride<>>;

// C = alpha * op(A) op(B) + beta * C with the same conventions as ink::kernels::gemm.
template <class T>
void eigen_gemm(kernels::Trans ta, kernels::Trans tb, index_t M, index_t N, index_t K, T alpha, const T* A,
                index_t lda, const T* B, index_t ldb, T beta, T* C, index_t ldc) {
    const bool at = ta == kernels::Trans::Yes, bt = tb == kernels::Trans::Yes;
    const MapConst<T> a(A, at ? K : M, at ? M : K, Eigen::OuterStride<>(lda));
    const MapConst<T> b(B, bt ? N : K, bt ? K : N, Eigen::OuterStride<>(ldb));
    Map<T> c(C, M, N, Eigen::OuterStride<>(ldc));
    if (beta == T(0))
        c.setZero();
    else if (beta != T(1))
        c *= beta;
    if (at && bt)
        c.noalias() += alpha * (a.transpose() * b.transpose());
    else if (at)
        c.noalias() += alpha * (a.transpose() * b);
    else if (bt)
        c.noalias() += alpha * (a * b.transpose());
    else
        c.noalias() += alpha * (a * b);
}

template <class T>
class EigenConv1d {
public:
    explicit EigenConv1d(const kernels::Conv1dParams& p)
        : p_(p), rows_(p.batch * std::max<index_t>(p.length_out(), 0)), cols_(p.kernel * p.channels_in),
          col_(rows_, cols_) {}

    void forward(const T* x, const T* w, const T* bias, T* y) {
        im2col(x);
        Map<T> out(y, rows_, p_.channels_out, Eigen::OuterStride<>(p_.channels_out));
        out.noalias() = col_ * weights(w);
        if (bias) out.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias, p_.channels_out);
    }

    void backward_data(const T* dy, const T* w, T* dx, bool accumulate = false) {
        col_.noalias() = grads(dy) * weights(w).transpose();
        if (!accumulate) std::fill(dx, dx + p_.batch * p_.length * p_.channels_in, T(0));
        for_each_tap([&](index_t r, index_t k, index_t row) {
            T* d = dx + row * p_.channels_in;
            const T* s = col_.data() + r * cols_ + k * p_.channels_in;
            for (index_t c = 0; c < p_.channels_in; ++c) d[c] += s[c];
        });
    }

    void backward_weight(const T* x, const T* dy, T* dw, bool accumulate = false) {
        im2col(x);
        Map<T> out(dw, cols_, p_.channels_out, Eigen::OuterStride<>(p_.channels_out));
        if (accumulate)
            out.noalias() += col_.transpose() * grads(dy);
        else
            out.noalias() = col_.transpose() * grads(dy);
    }

private:
    // Eigen::Index is long, ink's index_t long long: the same width on 64-bit Linux, not in wasm32.
    MapConst<T> weights(const T* w) const {
        return {w, Eigen::Index(cols_), Eigen::Index(p_.channels_out), Eigen::OuterStride<>(p_.channels_out)};
    }
    MapConst<T> grads(const T* dy) const {
        return {dy, Eigen::Index(rows_), Eigen::Index(p_.channels_out), Eigen::OuterStride<>(p_.channels_out)};
    }

    // fn(row of col_, tap, row of x) for every window position inside the input.
    template <class Fn>
    void for_each_tap(Fn&& fn) const {
        const index_t Lo = p_.length_out();
        for (index_t r = 0; r < rows_; ++r) {
            const index_t b = r / Lo, t = r % Lo;
            for (index_t k = 0; k < p_.kernel; ++k) {
                const index_t s = t * p_.stride + k * p_.dilation - p_.pad_left;
                if (s >= 0 && s < p_.length) fn(r, k, b * p_.length + s);
            }
        }
    }

    void im2col(const T* x) {
        col_.setZero();
        for_each_tap([&](index_t r, index_t k, index_t row) {
            std::copy_n(x + row * p_.channels_in, p_.channels_in, col_.data() + r * cols_ + k * p_.channels_in);
        });
    }

    kernels::Conv1dParams p_;
    index_t rows_, cols_;
    RowMatrix<T> col_;
};

}  // namespace ink::bench
