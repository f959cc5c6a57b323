// conv1d on the GCNN shapes of docs/design.md §6, 'same' padding, stride 1: ink f32, ink bf16
// (conv1d_bf16.hpp), Eigen (explicit im2col + product, col2im) and, when CMake finds oneDNN, oneDNN f32
// and bf16 (onednn_baselines.hpp: nwc activations, weights in the layout oneDNN chose, bf16 inputs
// converted once outside the timing). conv1d/<impl>/<shape>/threads:N runs forward + backward-data +
// backward-weight (GFLOPS counts all three); conv1d_fwd/<impl>/... runs the forward pass alone.
// <impl>: ink, ink_bf16, eigen, onednn, onednn_bf16.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/conv1d_bf16.hpp"
#if defined(INK_BENCH_ONEDNN)
#include "onednn_baselines.hpp"
#endif

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

enum class Impl { ink, ink_bf16, eigen, onednn, onednn_bf16 };

template <Impl kImpl>
void run_conv(benchmark::State& state, ConvShape s, int threads, bool backward) {
    ink::set_num_threads(threads);  // before oneDNN's primitives are created: they take it then
    Eigen::setNbThreads(threads);
    Conv1dParams p{.batch = s.batch, .length = s.length, .channels_in = s.cin, .channels_out = s.cout,
                   .kernel = s.kernel};
    p.set_padding(ink::Padding::Same);
    const index_t Lo = p.length_out();
    std::vector<float> x(s.batch * s.length * s.cin), w(s.kernel * s.cin * s.cout), bias(s.cout);
    std::vector<float> y(s.batch * Lo * s.cout), dy(y.size()), dx(x.size()), dw(w.size());
    ink::Rng rng(1);
    for (auto* v : {&x, &w, &bias, &dy}) rng.fill_uniform(v->data(), index_t(v->size()), -1.f, 1.f);
    namespace k = ink::kernels;
    ink::bench::EigenConv1d<float> eigen(p);
#if defined(INK_BENCH_ONEDNN)
    using ink::bench::onednn::dt;
    std::optional<ink::bench::onednn::Conv1d> onednn;
    if constexpr (kImpl == Impl::onednn || kImpl == Impl::onednn_bf16) {
        const dt type = kImpl == Impl::onednn ? dt::f32 : dt::bf16;
        try {
            onednn.emplace(p, type, x.data(), w.data(), bias.data(), dy.data(), y.data(), dx.data());
        } catch (const dnnl::error& e) {
            state.SkipWithError(ink::bench::onednn::unavailable(type, e).c_str());
            return;
        }
    }
#endif
    const ink::bench::WallClockRate rate;
    for (auto _ : state) {
        if constexpr (kImpl == Impl::ink) {
            k::conv1d_forward(p, x.data(), w.data(), bias.data(), y.data());
            if (backward) {
                k::conv1d_backward_data(p, dy.data(), w.data(), dx.data());
                k::conv1d_backward_weight(p, x.data(), dy.data(), dw.data());
            }
        } else if constexpr (kImpl == Impl::ink_bf16) {
            k::conv1d_forward_bf16(p, x.data(), w.data(), bias.data(), y.data());
            if (backward) {
                k::conv1d_backward_data_bf16(p, dy.data(), w.data(), dx.data());
                k::conv1d_backward_weight_bf16(p, x.data(), dy.data(), dw.data());
            }
        } else if constexpr (kImpl == Impl::eigen) {
            eigen.forward(x.data(), w.data(), bias.data(), y.data());
            if (backward) {
                eigen.backward_data(dy.data(), w.data(), dx.data());
                eigen.backward_weight(x.data(), dy.data(), dw.data());
            }
        } else {
#if defined(INK_BENCH_ONEDNN)
            onednn->forward();
            if (backward) {
                onednn->backward_data();
                onednn->backward_weight();
            }
#endif
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
                auto add = [&](const char* impl, auto fn) {
                    benchmark::RegisterBenchmark((head + impl + tail).c_str(), fn, s, threads, backward);
                };
                add("ink", run_conv<Impl::ink>);
                add("ink_bf16", run_conv<Impl::ink_bf16>);
                add("eigen", run_conv<Impl::eigen>);
#if defined(INK_BENCH_ONEDNN)
                add("onednn", run_conv<Impl::onednn>);
                add("onednn_bf16", run_conv<Impl::onednn_bf16>);
#endif
            }
    return true;
}();

}  // namespace
