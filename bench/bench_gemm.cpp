// SGEMM: ink vs Eigen on the shapes that matter (docs/design.md §6, peers' figures), named MxKxN:
//   640x64x7000      the poem decoder's output layer (B*10 x 64 by 64 x V)
//   64x640x7000_At   its weight gradient, A transposed (X^T dY)
//   640x7000x64_Bt   its input gradient, B transposed (dY W^T)
//   1024x1024x1024
// Names: gemm/<ink|eigen>/<shape>/threads:N, with a GFLOPS counter (wall-clock rate).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/gemm.hpp"

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

template <bool kInk>
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
        if constexpr (kInk)
            ink::kernels::gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
        else
            ink::bench::eigen_gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(),
                                          s.N);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOPS"] = rate.gflops(2.0 * double(s.M) * double(s.N) * double(s.K), state.iterations());
}

const bool registered = [] {
    for (int threads : {1, 2})
        for (const GemmShape& s : kShapes) {
            const std::string tail = std::string("/") + s.name + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(("gemm/ink" + tail).c_str(), run_gemm<true>, s, threads);
            benchmark::RegisterBenchmark(("gemm/eigen" + tail).c_str(), run_gemm<false>, s, threads);
        }
    return true;
}();

}  // namespace
