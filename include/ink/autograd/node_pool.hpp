#pragma once
// A free-list allocator for graph nodes.
//
// A training step records the same graph every time: the same number of nodes of the same sizes. Nodes
// are carved from 64 KiB chunks in size classes of 32 bytes and, when freed, kept on a per-thread
// free list of their class, so that in steady state recording a graph makes no heap allocation.
// Chunks are never returned to the system; a thread that ends hands its free blocks to the threads
// that come after it (a server that starts threads keeps a bounded pool, not one per thread). INK_NO_MEMORY_CACHE=1 (the sanitizer run) bypasses the
// pool so that AddressSanitizer sees every use after free, as it does for tensor storage.
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <new>

namespace ink::detail {

class NodePool {
public:
    static constexpr std::size_t kGranule = 32;
    static constexpr std::size_t kClasses = 24;  // pooled sizes: up to 768 bytes
    static constexpr std::size_t kChunk = 64 * 1024;

    static void* allocate(std::size_t bytes) {
        const std::size_t c = size_class(bytes);
        if (c >= kClasses || !enabled()) return ::operator new(bytes);
        Lists& l = lists();
        if (!l.head[c]) refill(l, c);
        FreeBlock* b = l.head[c];
        l.head[c] = b->next;
        return b;
    }
    static void deallocate(void* p, std::size_t bytes) {
        const std::size_t c = size_class(bytes);
        if (c >= kClasses || !enabled()) {
            ::operator delete(p);
            return;
        }
        Lists& l = lists();
        auto* b = static_cast<FreeBlock*>(p);
        b->next = l.head[c];
        l.head[c] = b;
    }

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    struct Heads {
        FreeBlock* head[kClasses] = {};
    };
    // The free blocks of threads that have ended; never destroyed (a thread may end after main).
    struct Orphans {
        std::mutex mutex;
        Heads heads;
    };
    static Orphans& orphans() {
        static Orphans* o = new Orphans;
        return *o;
    }
    // Blocks of other threads' chunks may sit on any thread's lists, so a chunk cannot be freed when
    // its thread ends: the thread's lists are appended to the orphans instead.
    struct Lists : Heads {
        Lists() = default;
        Lists(const Lists&) = delete;
        Lists& operator=(const Lists&) = delete;
        ~Lists() {
            Orphans& o = orphans();
            std::lock_guard<std::mutex> lock(o.mutex);
            for (std::size_t c = 0; c < kClasses; ++c) {
                if (!head[c]) continue;
                FreeBlock* tail = head[c];
                while (tail->next) tail = tail->next;
                tail->next = o.heads.head[c];  // this thread's list goes in front, in its order
                o.heads.head[c] = head[c];
            }
        }
    };
    static Lists& lists() {
        thread_local Lists l;
        return l;
    }
    static bool enabled() {
        static const bool on = [] {
            const char* env = std::getenv("INK_NO_MEMORY_CACHE");
            return !(env && env[0] == '1');
        }();
        return on;
    }
    static std::size_t size_class(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }
    // Takes the orphaned blocks of class c, or else carves a new chunk into blocks of class c.
    static void refill(Lists& l, std::size_t c) {
        {
            Orphans& o = orphans();
            std::lock_guard<std::mutex> lock(o.mutex);
            if (o.heads.head[c]) {
                l.head[c] = o.heads.head[c];
                o.heads.head[c] = nullptr;
                return;
            }
        }
        const std::size_t size = (c + 1) * kGranule;
        auto* chunk = static_cast<char*>(::operator new(kChunk));
        for (std::size_t off = 0; off + size <= kChunk; off += size) {
            auto* b = reinterpret_cast<FreeBlock*>(chunk + off);
            b->next = l.head[c];
            l.head[c] = b;
        }
    }
};

}  // namespace ink::detail
