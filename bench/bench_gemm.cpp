// SGEMM: ink vs Eigen on the shapes that matter (docs/design.md §6, peers' figures), named MxKxN:
//   640x64x7000      the poem decoder's output layer (B*10 x 64 by 64 x V)
//   64x640x7000_At   its weight gradient, A transposed (X^T dY)
//   640x7000x64_Bt   its input gradient, B transposed (dY W^T)
//   1024x1024x1024
// Names: gemm/<ink|ink_bf16|eigen|onednn|onednn_bf16>/<shape>/threads:N, with a GFLOPS counter
// (wall-clock rate). ink_bf16 is kernels::gemm_bf16 (float in and out, bf16 products); the oneDNN rows
// (dnnl::matmul, f32 and bf16 with f32 output, built when CMake finds oneDNN) are set up as its users
// would: the primitive is created once and, for bf16, A and B converted to bf16 once outside the
// timing, so oneDNN is timed on its product alone while ink's time includes the rounding.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/gemm.hpp"
#include "ink/kernels/gemm_bf16.hpp"
#if defined(INK_BENCH_ONEDNN)
#include <oneapi/dnnl/dnnl.hpp>
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
// dnnl::matmul C (M x N, f32) = op(A) op(B) with A, B in `type` (f32 or bf16), transposes as strides.
void run_onednn(benchmark::State& state, GemmShape s, int threads, dnnl::memory::data_type type) {
    ink::set_num_threads(threads);  // oneDNN's own thread count is fixed by its runtime (OMP_NUM_THREADS)
    using dt = dnnl::memory::data_type;
    const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream strm(eng);
    const bool at = s.ta == Trans::Yes, bt = s.tb == Trans::Yes;
    const dnnl::memory::dims a_strides = at ? dnnl::memory::dims{1, s.M} : dnnl::memory::dims{s.K, 1};
    const dnnl::memory::dims b_strides = bt ? dnnl::memory::dims{1, s.K} : dnnl::memory::dims{s.N, 1};
    const dnnl::memory::desc a_f32({s.M, s.K}, dt::f32, a_strides), b_f32({s.K, s.N}, dt::f32, b_strides);
    const dnnl::memory::desc a_md({s.M, s.K}, type, a_strides), b_md({s.K, s.N}, type, b_strides);
    const dnnl::memory::desc c_md({s.M, s.N}, dt::f32, dnnl::memory::dims{s.N, 1});
    std::vector<float> A(s.M * s.K), B(s.K * s.N), C(s.M * s.N);
    ink::Rng rng(1);
    rng.fill_uniform(A.data(), index_t(A.size()), -1.f, 1.f);
    rng.fill_uniform(B.data(), index_t(B.size()), -1.f, 1.f);
    dnnl::memory a32(a_f32, eng, A.data()), b32(b_f32, eng, B.data()), c(c_md, eng, C.data());
    dnnl::memory a(a_md, eng), b(b_md, eng);
    dnnl::reorder(a32, a).execute(strm, a32, a);  // f32 -> bf16 once, outside the timing
    dnnl::reorder(b32, b).execute(strm, b32, b);
    const dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), eng));
    const ink::bench::WallClockRate rate;
    for (auto _ : state) {
        mm.execute(strm, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
        strm.wait();
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
            if (threads == 1) {  // oneDNN's threads are its runtime's, not ink's: one-thread rows only
                benchmark::RegisterBenchmark(("gemm/onednn" + tail).c_str(), run_onednn, s, threads,
                                             dnnl::memory::data_type::f32);
                benchmark::RegisterBenchmark(("gemm/onednn_bf16" + tail).c_str(), run_onednn, s, threads,
                                             dnnl::memory::data_type::bf16);
            }
#endif
        }
    return true;
}();

}  // namespace
