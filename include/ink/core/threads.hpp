#pragma once
// Thread settings. ink uses OpenMP inside kernels, only above a work threshold (threading a tiny op
// makes it slower). Work is split statically, so results depend on the thread count but never on
// scheduling: the same seed and thread count give the same bits.
#include <algorithm>
#include <atomic>

#include "ink/core/shape.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ink {

namespace detail {
inline std::atomic<int>& thread_setting() {
    static std::atomic<int> n{
#if defined(_OPENMP)
        omp_get_max_threads()
#else
        1
#endif
    };
    return n;
}
}  // namespace detail

// The number of threads ink's kernels may use (default: OpenMP's default, usually the core count).
inline int num_threads() { return detail::thread_setting().load(std::memory_order_relaxed); }

inline void set_num_threads(int n) {
    INK_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
    detail::thread_setting().store(n, std::memory_order_relaxed);
#if defined(_OPENMP)
    omp_set_num_threads(n);
#endif
}

// How many threads to use for `work` units (e.g. flops) when a thread should get at least
// `min_work_per_thread` of them: 1 for small problems.
inline int threads_for(double work, double min_work_per_thread) {
    const int by_work = static_cast<int>(std::max(1.0, work / min_work_per_thread));
    return std::max(1, std::min(num_threads(), by_work));
}

// Calls fn(begin, end) on `nthreads` contiguous, statically assigned chunks of [0, n).
template <class Fn>
void parallel_for(index_t n, int nthreads, Fn&& fn) {
    nthreads = static_cast<int>(std::max<index_t>(1, std::min<index_t>(nthreads, n)));
    if (nthreads <= 1) {
        if (n > 0) fn(index_t{0}, n);
        return;
    }
#if defined(_OPENMP)
#pragma omp parallel num_threads(nthreads)
    {
        const index_t t = omp_get_thread_num();
        const index_t nt = omp_get_num_threads();
        const index_t begin = n * t / nt, end = n * (t + 1) / nt;
        if (begin < end) fn(begin, end);
    }
#else
    fn(index_t{0}, n);
#endif
}

}  // namespace ink
