#pragma once
// Heap allocations of the benchmark program: heap_counter.cpp, linked into ink-bench whatever subset
// of benchmarks is built, replaces the global operator new and counts its calls, so that a benchmark
// can report heap allocations per training step.
#include <cstdint>

namespace ink::bench {
// The number of calls to any global operator new so far.
std::uint64_t heap_allocations();
}  // namespace ink::bench
