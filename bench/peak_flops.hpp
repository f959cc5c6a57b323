#pragma once
// The machine's arithmetic peak, measured: a loop of independent multiply-adds with nothing else in it
// (no loads, no stores), on each of `threads` OpenMP threads at once. "% of peak" in ink-conv-bench is
// against these figures, not against a datasheet: on a shared or throttled machine the peak moves
// with the load, and a figure taken in the same run moves with it.
//   f32   one FMA of the build's vector width (simd::Vec<float>): 2 * width flops per instruction
//         (AVX-512 vfmadd231ps zmm: 32; AVX2 ymm: 16)
//   bf16  vdpbf16ps zmm: 32 bf16 products summed in pairs into 16 floats = 64 flops per instruction;
//         measurable only where the build has it (simd::kHasBf16Dot)
// Independent chains hide the latency (FMA 4-5 cycles, vdpbf16ps 6, up to two per cycle on a core
// with two FMA pipes): 16 on AVX-512's 32 registers, 12 on AVX2's 16, leaving registers for the
// operands. Measured 2 Dec 2026: the Zen 5 of docs/kernels-bf16.md does about 235 GFLOP/s f32 and
// 470 bf16 a core when the core is not shared; a second process on the same core halves it.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "ink/simd/vec.hpp"

namespace ink::bench {

enum class PeakKind { f32, bf16 };

namespace detail {

using simd::Vec;
constexpr int kAccumulators = Vec<float>::width >= 16 ? 16 : 12;

// `iterations` rounds of kAccumulators independent multiply-adds; returns a value depending on all of
// them so the compiler keeps the loop.
template <PeakKind kKind>
float multiply_add_chains(std::int64_t iterations) {
    Vec<float> acc[kAccumulators];
    for (int i = 0; i < kAccumulators; ++i) acc[i] = Vec<float>(float(i) * 1e-3f);
    Vec<float> a(0.999f), b(1e-6f);
    for (std::int64_t it = 0; it < iterations; ++it) {
        // Keeps a and b opaque, so the compiler cannot fold the chains.
        __asm__ volatile("" : "+v"(a.v), "+v"(b.v));
#pragma GCC unroll 16
        for (int i = 0; i < kAccumulators; ++i) {
            if constexpr (kKind == PeakKind::f32)
                acc[i] = simd::fma(acc[i], a, b);
#if defined(INK_SIMD_BF16_NATIVE)
            else
                acc[i] = simd::isa::dot_bf16(acc[i].v, a.v, b.v);
#endif
        }
    }
    Vec<float> sum = acc[0];
    for (int i = 1; i < kAccumulators; ++i) sum = sum + acc[i];
    return simd::isa::hsum(sum.v);
}

}  // namespace detail

// Whether this build can measure kind's peak (bf16 needs AVX512-BF16 at compile time).
constexpr bool peak_available(PeakKind kind) { return kind == PeakKind::f32 || simd::kHasBf16Dot; }

// GFLOP/s of `threads` threads each running the chains (0.05-0.2 s per repetition, median of reps);
// 0 when !peak_available(kind).
inline double peak_gflops(PeakKind kind, int threads, int reps = 5) {
    if (!peak_available(kind)) return 0.0;
    constexpr std::int64_t kIterations = 32'000'000;  // 512 M instructions a thread: 0.07-0.15 s at 3.5 GHz
    const double flops_per_instruction = 2.0 * double(simd::Vec<float>::width) * (kind == PeakKind::f32 ? 1 : 2);
    const double flops = double(threads) * double(kIterations) * detail::kAccumulators * flops_per_instruction;
    std::vector<double> rates;
    float sink = 0;
    for (int r = 0; r <= reps; ++r) {  // repetition 0 warms up (clock ramp, thread start)
        const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += kind == PeakKind::f32 ? detail::multiply_add_chains<PeakKind::f32>(kIterations)
                                      : detail::multiply_add_chains<PeakKind::bf16>(kIterations);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r > 0) rates.push_back(1e-9 * flops / seconds);
    }
    volatile float keep = sink;
    (void)keep;
    std::nth_element(rates.begin(), rates.begin() + reps / 2, rates.end());
    return rates[std::size_t(reps / 2)];
}

}  // namespace ink::bench
