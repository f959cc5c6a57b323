// SGEMM: ink vs Eigen on the shapes that matter (docs/design.md §6, peers' figures), named MxKxN:
//   640x64x7000      the poem decoder's output layer (B*10 x 64 by 64 x V)
//   64x640x7000_At   its weight gradient, A transposed (X^T dY)
//   640x7000x64_Bt   its input gradient, B transposed (dY W^T)
//   1024x1024x1024
// Names: gemm/<ink|ink_bf16|eigen|onednn|onednn_bf16>/<shape>/threads:N, with a GFLOPS counter
// (wall-clock rate). ink_bf16 is kernels::gemm_bf16 (float in and out, bf16 products); the oneDNN rows
// (dnnl::matmul, f32 and bf16 with f32 output, built when CMake finds oneDNN; onednn_baselines.hpp) are
// set up as its users would: the primitive is created once and, for bf16, A and B converted to bf16
// once outside the timing, so oneDNN is timed on its product alone while ink's time includes the rounding.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/gemm.hpp"
#include "ink/kernels/gemm_bf16.hpp"
#if defined(INK_BENCH_ONEDNN)
#include "onednn_baselines.hpp"
#endif

namespace {

using ink::index_t;
using ink::kernels::Trans;

struct GemmShape {
    const char* name;
    Trans ta, tb;
    index_t M, K, N;
};

constexpr GemmShape kShapes[] = {
    {"640x64x7000", Trans::No, Trans::No, 640, 64, 7000},
    {"64x640x7000_At", Trans::Yes, Trans::No, 64, 640, 7000},
    {"640x7000x64_Bt", Trans::No, Trans::Yes, 640, 7000, 64},
    {"1024x1024x1024", Trans::No, Trans::No, 1024, 1024, 1024},
};

enum class Impl { ink, ink_bf16, eigen };

template <Impl kImpl>
void run_gemm(benchmark::State& state, GemmShape s, int threads) {
    ink::set_num_threads(threads);
    Eigen::setNbThreads(threads);
    std::vector<float> A(s.M * s.K), B(s.K * s.N), C(s.M * s.N);
    ink::Rng rng(1);
    rng.fill_uniform(A.data(), index_t(A.size()), -1.f, 1.f);
    rng.fill_uniform(B.data(), index_t(B.size()), -1.f, 1.f);
    const index_t lda = s.ta == Trans::No ? s.K : s.M, ldb = s.tb == Trans::No ? s.N : s.K;
    const ink::bench::WallClockRate rate;
    for (auto _ : state) {
        if constexpr (kImpl == Impl::ink)
            ink::kernels::gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
        else if constexpr (kImpl == Impl::ink_bf16)
            ink::kernels::gemm_bf16(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
        else
            ink::bench::eigen_gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(),
                                          s.N);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOPS"] = rate.gflops(2.0 * double(s.M) * double(s.N) * double(s.K), state.iterations());
}

#if defined(INK_BENCH_ONEDNN)
// dnnl::matmul C (M x N, f32) = op(A) op(B) with A, B in `type` (f32 or bf16): onednn_baselines.hpp.
void run_onednn(benchmark::State& state, GemmShape s, int threads, ink::bench::onednn::dt type) {
    ink::set_num_threads(threads);  // before the primitive is created: oneDNN takes its thread count then
    std::vector<float> A(s.M * s.K), B(s.K * s.N), C(s.M * s.N);
    ink::Rng rng(1);
    rng.fill_uniform(A.data(), index_t(A.size()), -1.f, 1.f);
    rng.fill_uniform(B.data(), index_t(B.size()), -1.f, 1.f);
    std::optional<ink::bench::onednn::Matmul> matmul;
    try {
        matmul.emplace(s.ta, s.tb, s.M, s.N, s.K, A.data(), B.data(), C.data(), type);
    } catch (const dnnl::error& e) {
        state.SkipWithError(ink::bench::onednn::unavailable(type, e).c_str());
        return;
    }
    const ink::bench::WallClockRate rate;
    for (auto _ : state) {
        matmul->run();
        benchmark::DoNotOptimize(C.data());
    }
    state.counters["GFLOPS"] = rate.gflops(2.0 * double(s.M) * double(s.N) * double(s.K), state.iterations());
}
#endif

const bool registered = [] {
    for (int threads : {1, 2})
        for (const GemmShape& s : kShapes) {
            const std::string tail = std::string("/") + s.name + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(("gemm/ink" + tail).c_str(), run_gemm<Impl::ink>, s, threads);
            benchmark::RegisterBenchmark(("gemm/ink_bf16" + tail).c_str(), run_gemm<Impl::ink_bf16>, s, threads);
            benchmark::RegisterBenchmark(("gemm/eigen" + tail).c_str(), run_gemm<Impl::eigen>, s, threads);
#if defined(INK_BENCH_ONEDNN)
            benchmark::RegisterBenchmark(("gemm/onednn" + tail).c_str(), run_onednn, s, threads,
                                         ink::bench::onednn::dt::f32);
            benchmark::RegisterBenchmark(("gemm/onednn_bf16" + tail).c_str(), run_onednn, s, threads,
                                         ink::bench::onednn::dt::bf16);
#endif
        }
    return true;
}();

}  // namespace
