// conv1d: ink vs Eigen (explicit im2col + product, col2im) on the GCNN shapes of docs/design.md §6,
// 'same' padding, stride 1. conv1d/<impl>/<shape>/threads:N runs forward + backward-data +
// backward-weight (GFLOPS counts all three); conv1d_fwd/<impl>/... runs the forward pass alone.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d.hpp"

namespace {

using ink::index_t;
using ink::kernels::Conv1dParams;

struct ConvShape {
    const char* name;
    index_t batch, length, cin, cout, kernel;
};

constexpr ConvShape kShapes[] = {
    {"B64_L10_64x128_k3", 64, 10, 64, 128, 3},
    {"B64_L256_128x256_k3", 64, 256, 128, 256, 3},
    {"B32_L1024_64x64_k5", 32, 1024, 64, 64, 5},
};

template <bool kInk>
void run_conv(benchmark::State& state, ConvShape s, int threads, bool backward) {
    ink::set_num_threads(threads);
    Eigen::setNbThreads(threads);
    Conv1dParams p{.batch = s.batch, .length = s.length, .channels_in = s.cin, .channels_out = s.cout,
                   .kernel = s.kernel};
    p.set_padding(ink::Padding::Same);
    const index_t Lo = p.length_out();
    std::vector<float> x(s.batch * s.length * s.cin), w(s.kernel * s.cin * s.cout), bias(s.cout);
    std::vector<float> y(s.batch * Lo * s.cout), dy(y.size()), dx(x.size()), dw(w.size());
    ink::Rng rng(1);
    for (auto* v : {&x, &w, &bias, &dy}) rng.fill_uniform(v->data(), index_t(v->size()), -1.f, 1.f);
    ink::bench::EigenConv1d<float> eigen(p);
    const ink::bench::WallClockRate rate;
    for (auto _ : state) {
        if constexpr (kInk) {
            ink::kernels::conv1d_forward(p, x.data(), w.data(), bias.data(), y.data());
            if (backward) {
                ink::kernels::conv1d_backward_data(p, dy.data(), w.data(), dx.data());
                ink::kernels::conv1d_backward_weight(p, x.data(), dy.data(), dw.data());
            }
        } else {
            eigen.forward(x.data(), w.data(), bias.data(), y.data());
            if (backward) {
                eigen.backward_data(dy.data(), w.data(), dx.data());
                eigen.backward_weight(x.data(), dy.data(), dw.data());
            }
        }
        benchmark::ClobberMemory();
    }
    state.counters["GFLOPS"] = rate.gflops(p.flops() * (backward ? 3.0 : 1.0), state.iterations());
}

const bool registered = [] {
    for (int threads : {1, 2})
        for (const ConvShape& s : kShapes)
            for (bool backward : {true, false}) {
                const std::string head = backward ? "conv1d/" : "conv1d_fwd/";
                const std::string tail = std::string("/") + s.name + "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark((head + "ink" + tail).c_str(), run_conv<true>, s, threads, backward);
                benchmark::RegisterBenchmark((head + "eigen" + tail).c_str(), run_conv<false>, s, threads, backward);
            }
    return true;
}();

}  // namespace
