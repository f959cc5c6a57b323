#pragma once
// The machine's arithmetic peak, measured: a loop of independent multiply-adds with nothing else in it
// (no loads, no stores), on each of `threads` OpenMP threads at once. "% of peak" in ink-conv-bench is
// against these figures, not against a datasheet: on a shared or throttled machine the peak moves
// with the load, and a figure taken in the same run moves with it.
//   f32   vfmadd231ps zmm: 16 multiply-adds = 32 flops per instruction
//   bf16  vdpbf16ps zmm:   32 bf16 products summed in pairs into 16 floats = 64 flops per instruction
// kAccumulators independent chains hide the latency (FMA 4 cycles, vdpbf16ps 6, up to two of either
// per cycle on a core with two 512-bit pipes): 16 covers both and leaves registers for the operands.
// This machine's Zen 5 does about 1.9 of either per cycle: about 235 GFLOP/s f32 and 470 bf16 a core
// when the core is not shared (measured 2 Dec 2026); a second process on the same core halves it.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace ink::bench {

enum class PeakKind { f32, bf16 };

namespace detail {

constexpr int kAccumulators = 16;

// `iterations` rounds of kAccumulators independent multiply-adds; returns a value depending on all of
// them so the compiler keeps the loop.
template <PeakKind kKind>
float multiply_add_chains(std::int64_t iterations) {
    __m512 acc[kAccumulators];
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-6f);
    for (std::int64_t it = 0; it < iterations; ++it) {
        // Keeps a and b opaque, so the compiler cannot fold the chains.
        __asm__ volatile("" : : "v"(a), "v"(b));
#pragma GCC unroll 16
        for (int i = 0; i < kAccumulators; ++i) {
            if constexpr (kKind == PeakKind::f32)
                acc[i] = _mm512_fmadd_ps(acc[i], a, b);
#if defined(__AVX512BF16__)
            else
                acc[i] = _mm512_dpbf16_ps(acc[i], (__m512bh)_mm512_castps_si512(a), (__m512bh)_mm512_castps_si512(b));
#endif
        }
    }
    __m512 sum = acc[0];
    for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
    alignas(64) float lanes[16];  // (not _mm512_reduce_add_ps: GCC 12 warns inside it)
    _mm512_store_ps(lanes, sum);
    float total = 0;
    for (float lane : lanes) total += lane;
    return total;
}

}  // namespace detail

// Whether this build can measure kind's peak (bf16 needs AVX512-BF16 at compile time).
constexpr bool peak_available(PeakKind kind) {
#if defined(__AVX512BF16__)
    (void)kind;
    return true;
#else
    return kind == PeakKind::f32;
#endif
}

// GFLOP/s of `threads` threads each running the chains (0.05-0.2 s per repetition, median of reps);
// 0 when !peak_available(kind).
inline double peak_gflops(PeakKind kind, int threads, int reps = 5) {
    if (!peak_available(kind)) return 0.0;
    constexpr std::int64_t kIterations = 32'000'000;  // 512 M instructions a thread: 0.07-0.15 s at 3.5 GHz
    constexpr double kFlopsPerInstruction[] = {32.0, 64.0};
    const double flops = double(threads) * double(kIterations) * detail::kAccumulators *
                         kFlopsPerInstruction[kind == PeakKind::f32 ? 0 : 1];
    std::vector<double> rates;
    float sink = 0;
    for (int r = 0; r <= reps; ++r) {  // repetition 0 warms up (clock ramp, thread start)
        const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
#if defined(__AVX512BF16__)
            sink += kind == PeakKind::f32 ? detail::multiply_add_chains<PeakKind::f32>(kIterations)
                                          : detail::multiply_add_chains<PeakKind::bf16>(kIterations);
#else
            sink += detail::multiply_add_chains<PeakKind::f32>(kIterations);
#endif
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r > 0) rates.push_back(1e-9 * flops / seconds);
    }
    volatile float keep = sink;
    (void)keep;
    std::nth_element(rates.begin(), rates.begin() + reps / 2, rates.end());
    return rates[std::size_t(reps / 2)];
}

}  // namespace ink::bench
