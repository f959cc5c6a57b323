#pragma once
// Registration helper for the memory-streaming kernels' benchmarks (softmax, element-wise maps,
// reductions): a name <kernel>/<impl>/<shape>/threads:N, items/s and a counter ns_per_element.
//
// The counters use this thread's CPU time on one thread (robust when other processes share the cores,
// as they do on the build machine) and wall time on more (so that the helper threads' work counts);
// read them rather than the Time columns, which are the main thread's times.
#include <benchmark/benchmark.h>

#include <ctime>
#include <memory>
#include <string>

#include "ink/core/shape.hpp"
#include "ink/core/threads.hpp"

namespace ink::bench {

inline double seconds(int threads) {
    timespec ts;
    clock_gettime(threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Registers a benchmark that builds its inputs with make() once, then times run(inputs) over
// `elements` elements per call.
template <class Make, class Run>
void register_per_element(const std::string& kernel, const std::string& impl, const std::string& shape, int threads,
                          index_t elements, Make make, Run run) {
    const std::string name = kernel + "/" + impl + "/" + shape + "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        set_num_threads(threads);
        auto inputs = make();
        const double t0 = seconds(threads);
        for (auto _ : state) {
            run(inputs);
            benchmark::ClobberMemory();
        }
        const double n = double(state.iterations()) * double(elements), elapsed = seconds(threads) - t0;
        // Both from the clock above (Google Benchmark's items/s would use the main thread's CPU time
        // on more threads too, and UseRealTime() would append "/real_time" to the name).
        state.counters["items_per_second"] = n / elapsed;
        state.counters["ns_per_element"] = elapsed * 1e9 / n;
    });
}

}  // namespace ink::bench
