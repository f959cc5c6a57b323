// Row softmax and the fused log-softmax + NLL + gradient: ink against an Eigen row loop.
//
// The shape is the poem decoder's output layer: B*10 = 640 rows of V = 7000 logits (the _inplace
// variant writes the gradient over the logits, as the training step does). Names are
// <kernel>/<impl>/<rows>x<cols>/threads:N; the counter ns_per_element is time / (rows * cols).
//   ink-bench --benchmark_filter='softmax' --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own AVX-512 headers when Eigen's packet math is inlined (a GCC bug).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/kernels/softmax.hpp"
#include "per_element.hpp"

namespace {

using ink::index_t;
using RowVec = Eigen::Array<float, 1, Eigen::Dynamic>;
using MapRow = Eigen::Map<RowVec>;
using MapConstRow = Eigen::Map<const RowVec>;

// Eigen row loop, as one would write it: per row, exp(x - max) then normalise.
void eigen_softmax_rows(index_t rows, index_t cols, const float* x, float* y) {
    for (index_t r = 0; r < rows; ++r) {
        const MapConstRow xr(x + r * cols, cols);
        MapRow yr(y + r * cols, cols);
        yr = (xr - xr.maxCoeff()).exp();
        yr *= 1.0f / yr.sum();
    }
}

// The same fused loss and gradient as ink::kernels::log_softmax_nll, in Eigen.
void eigen_log_softmax_nll(index_t rows, index_t cols, const float* x, const std::int32_t* targets, float* loss,
                           float* grad, float scale) {
    for (index_t r = 0; r < rows; ++r) {
        const MapConstRow xr(x + r * cols, cols);
        MapRow gr(grad + r * cols, cols);
        const float m = xr.maxCoeff(), xt = xr(targets[r]);  // xt before grad may overwrite x
        gr = (xr - m).exp();
        const float s = gr.sum();
        loss[r] = (m - xt) + std::log(s);
        gr *= scale / s;
        gr(targets[r]) -= scale;
    }
}

struct Problem {
    index_t rows, cols;
    std::vector<float> x, y, loss;
    std::vector<std::int32_t> targets;

    Problem(index_t r, index_t c)
        : rows(r), cols(c), x(static_cast<std::size_t>(r * c)), y(x.size()), loss(static_cast<std::size_t>(r)),
          targets(static_cast<std::size_t>(r)) {
        ink::Rng rng(42);
        rng.fill_uniform(x.data(), r * c, -6.0f, 6.0f);
        for (index_t i = 0; i < r; ++i)
            targets[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919) % c);
    }
};

// One softmax benchmark on a rows x cols problem.
template <class Fn>
void add(const std::string& kernel, const std::string& impl, index_t rows, index_t cols, int threads, Fn fn) {
    ink::bench::register_per_element(
        kernel, impl, std::to_string(rows) + "x" + std::to_string(cols), threads, rows * cols,
        [=] { return std::make_shared<Problem>(rows, cols); }, [=](const std::shared_ptr<Problem>& p) { fn(*p); });
}

constexpr float kScale = 1.0f / 64;  // grad_scale: the mean over a batch of 64

void ink_softmax(Problem& p) { ink::kernels::softmax_rows(p.rows, p.cols, p.x.data(), p.y.data()); }
void eigen_softmax(Problem& p) { eigen_softmax_rows(p.rows, p.cols, p.x.data(), p.y.data()); }
// The fused loss, writing the gradient to grad (p.y, or p.x for in place).
template <bool kInk, bool kInPlace>
void nll(Problem& p) {
    float* grad = kInPlace ? p.x.data() : p.y.data();
    if constexpr (kInk)
        ink::kernels::log_softmax_nll(p.rows, p.cols, p.x.data(), p.targets.data(), p.loss.data(), grad, kScale);
    else
        eigen_log_softmax_nll(p.rows, p.cols, p.x.data(), p.targets.data(), p.loss.data(), grad, kScale);
}

const bool registered = [] {
    struct Shape {
        index_t rows, cols;
    };
    for (const Shape s : {Shape{640, 7000}, Shape{64, 1000}}) {
        add("softmax", "ink", s.rows, s.cols, 1, ink_softmax);
        add("softmax", "eigen", s.rows, s.cols, 1, eigen_softmax);
        add("log_softmax_nll", "ink", s.rows, s.cols, 1, nll<true, false>);
        add("log_softmax_nll", "eigen", s.rows, s.cols, 1, nll<false, false>);
    }
    // As in training: the gradient overwrites the logits (after the first call the kernel works on
    // gradients, which costs the same).
    add("log_softmax_nll_inplace", "ink", 640, 7000, 1, nll<true, true>);
    add("log_softmax_nll_inplace", "eigen", 640, 7000, 1, nll<false, true>);
    add("softmax", "ink", 640, 7000, 2, ink_softmax);
    add("log_softmax_nll", "ink", 640, 7000, 2, nll<true, false>);
    return true;
}();

}  // namespace
