// Element-wise maps and reductions: ink against the equivalent Eigen array expressions.
//
// Shapes from the poem VAE: the GCNN's pre-activation is B*L = 640 rows of 128 channels (the gated
// linear unit halves it to 64), the decoder's bias gradient sums 640 rows of V = 7000 logits.
//   ink-bench --benchmark_filter='^(exp|sigmoid|tanh|glu|col_sums|sum)/' --benchmark_repetitions=5
//             --benchmark_report_aggregates_only=true     (one command line)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own AVX-512 headers when Eigen's packet math is inlined (a GCC bug).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"
#include "per_element.hpp"

namespace {

using ink::index_t;
using Array = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<Array>;
using MapConst = Eigen::Map<const Array>;

struct Buffers {
    index_t rows, cols;
    std::vector<float> x, y;
    float result = 0;
    Buffers(index_t r, index_t c) : rows(r), cols(c), x(static_cast<std::size_t>(r * c)), y(x.size()) {
        ink::Rng(7).fill_uniform(x.data(), r * c, -6.0f, 6.0f);
    }
};

// A benchmark over a rows x cols input; `elements` is what ns_per_element divides by.
template <class Fn>
void add(const std::string& kernel, const std::string& impl, index_t rows, index_t cols, index_t elements, Fn fn) {
    ink::bench::register_per_element(
        kernel, impl, std::to_string(rows) + "x" + std::to_string(cols), 1, elements,
        [=] { return std::make_shared<Buffers>(rows, cols); }, [=](const std::shared_ptr<Buffers>& b) { fn(*b); });
}

MapConst in(const Buffers& b) { return {b.x.data(), b.rows, b.cols}; }
Map out(Buffers& b, index_t cols) { return {b.y.data(), b.rows, cols}; }

const bool registered = [] {
    const index_t R = 640, C = 128, n = R * C;
    add("exp", "ink", R, C, n, [](Buffers& b) { ink::kernels::exp(b.rows * b.cols, b.x.data(), b.y.data()); });
    add("exp", "eigen", R, C, n, [](Buffers& b) { out(b, b.cols) = in(b).exp(); });
    add("sigmoid", "ink", R, C, n, [](Buffers& b) { ink::kernels::sigmoid(b.rows * b.cols, b.x.data(), b.y.data()); });
    add("sigmoid", "eigen", R, C, n, [](Buffers& b) { out(b, b.cols) = in(b).logistic(); });
    add("tanh", "ink", R, C, n, [](Buffers& b) { ink::kernels::tanh(b.rows * b.cols, b.x.data(), b.y.data()); });
    add("tanh", "eigen", R, C, n, [](Buffers& b) { out(b, b.cols) = in(b).tanh(); });
    add("glu", "ink", R, C, n, [](Buffers& b) { ink::kernels::glu(b.rows, b.cols / 2, b.x.data(), b.y.data()); });
    add("glu", "eigen", R, C, n, [](Buffers& b) {
        const index_t h = b.cols / 2;
        out(b, h) = in(b).leftCols(h) * in(b).rightCols(h).logistic();
    });

    const index_t V = 7000;
    add("col_sums", "ink", R, V, R * V,
        [](Buffers& b) { ink::kernels::col_sums(b.rows, b.cols, b.x.data(), b.y.data()); });
    add("col_sums", "eigen", R, V, R * V, [](Buffers& b) {
        Eigen::Map<Eigen::Array<float, 1, Eigen::Dynamic>>(b.y.data(), b.cols) = in(b).colwise().sum();
    });
    add("sum", "ink", R, V, R * V, [](Buffers& b) { b.result = ink::kernels::sum(b.rows * b.cols, b.x.data()); });
    add("sum", "eigen", R, V, R * V, [](Buffers& b) { b.result = in(b).sum(); });
    return true;
}();

}  // namespace
