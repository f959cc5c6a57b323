#pragma once
// 64-byte aligned memory with a caching allocator.
//
// A training loop with fixed shapes frees and re-allocates the same sizes every step. Blocks freed
// here are kept in per-size free lists and handed out again, so that in steady state a step makes
// no system allocation. Set the environment variable INK_NO_MEMORY_CACHE=1 to disable the cache
// (the sanitizer test run does, so that AddressSanitizer sees every use after free).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ink {

inline constexpr std::size_t kAlignment = 64;

// Counters of the caching allocator, for benchmarks and tests.
struct MemoryStats {
    std::uint64_t system_allocations = 0;  // calls that reached the system allocator
    std::uint64_t cache_hits = 0;          // allocations served from the cache
    std::uint64_t bytes_in_use = 0;        // bytes handed out and not yet freed
    std::uint64_t bytes_cached = 0;        // bytes held in the free lists
};

namespace detail {

class BlockCache {
public:
    static BlockCache& instance() {
        // Never destroyed: tensors with static storage duration may be freed after main returns.
        static BlockCache* cache = new BlockCache();
        return *cache;
    }

    void* allocate(std::size_t bytes) {
        bytes = round_up(bytes);
        if (enabled_) {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = free_.find(bytes);
            if (it != free_.end() && !it->second.empty()) {
                void* p = it->second.back();
                it->second.pop_back();
                ++stats_.cache_hits;
                stats_.bytes_cached -= bytes;
                stats_.bytes_in_use += bytes;
                return p;
            }
        }
        void* p = std::aligned_alloc(kAlignment, bytes);
        if (!p) throw std::bad_alloc();
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.system_allocations;
        stats_.bytes_in_use += bytes;
        return p;
    }

    void deallocate(void* p, std::size_t bytes) {
        if (!p) return;
        bytes = round_up(bytes);
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.bytes_in_use -= bytes;
        if (!enabled_) {
            std::free(p);
            return;
        }
        free_[bytes].push_back(p);
        stats_.bytes_cached += bytes;
    }

    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& [bytes, blocks] : free_)
            for (void* p : blocks) std::free(p);
        free_.clear();
        stats_.bytes_cached = 0;
    }

    MemoryStats stats() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stats_;
    }

private:
    BlockCache() {
        const char* env = std::getenv("INK_NO_MEMORY_CACHE");
        enabled_ = !(env && env[0] == '1');
    }
    static std::size_t round_up(std::size_t bytes) {
        return bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
    }

    std::mutex mutex_;
    std::unordered_map<std::size_t, std::vector<void*>> free_;
    MemoryStats stats_;
    bool enabled_ = true;
};

}  // namespace detail

// Aligned allocation through the cache. `bytes` must be passed back unchanged to aligned_free.
inline void* aligned_malloc(std::size_t bytes) { return detail::BlockCache::instance().allocate(bytes); }
inline void aligned_free(void* p, std::size_t bytes) { detail::BlockCache::instance().deallocate(p, bytes); }
inline MemoryStats memory_stats() { return detail::BlockCache::instance().stats(); }
// Returns every cached block to the system.
inline void release_cached_memory() { detail::BlockCache::instance().release(); }

}  // namespace ink
