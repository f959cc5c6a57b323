#pragma once
// Data sharding for data-parallel training, with the semantics of PyTorch's DistributedSampler:
// every rank builds the same data::Batches (same seed, hence the same shuffled order and the same
// global batches) and trains on its own contiguous slice of each global batch. --batch stays the
// global batch; each rank runs batch / N samples.
//
//     data::Batches batches(train_size, global_batch, Rng(seed).fork(2));   // identical on all ranks
//     for (auto global = batches.next(); !global.empty(); global = batches.next()) {
//         const Shard s = shard_of(index_t(global.size()), comm.rank(), comm.size());
//         const auto rows = global.subspan(s.begin, s.size());            // this rank's samples
//         ... forward, backward on rows; ddp.average_gradients(s.weight(global.size())) ...
//     }
//
// Over one global batch the ranks together see exactly the samples a single process sees at batch B,
// so the averaged gradient is the single-process gradient up to float summation order. The last
// batch of an epoch (LastBatch::keep) may not split evenly: ranks then get sizes that differ by one
// (a rank may get none), and the gradient weights below keep the average exact.
//
// The batch State (epoch, position) counts global samples, so a checkpoint written by rank 0 resumes
// on any number of ranks. Nothing here calls MPI.
#include <cstdint>
#include <span>

#include "ink/core/error.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/shape.hpp"

namespace ink::distributed {

// Rank r's samples [begin, end) of a global batch of `count`: contiguous, sizes differing by at most one.
struct Shard {
    index_t begin = 0, end = 0;
    index_t size() const { return end - begin; }
    // This rank's share of the global batch: the factor that turns its mean-loss gradient into its
    // part of the global mean-loss gradient (summed over ranks).
    double weight(index_t count) const { return count > 0 ? double(size()) / double(count) : 0.0; }
};

inline Shard shard_of(index_t count, int rank, int world) {
    INK_CHECK(world >= 1 && rank >= 0 && rank < world, "shard_of: rank ", rank, " is outside a world of ", world);
    INK_CHECK(count >= 0, "shard_of: expected a non-negative batch, got ", count);
    return {count * rank / world, count * (rank + 1) / world};
}

// This rank's rows of a global batch.
inline std::span<const index_t> local_rows(std::span<const index_t> global, int rank, int world) {
    const Shard s = shard_of(index_t(global.size()), rank, world);
    return global.subspan(std::size_t(s.begin), std::size_t(s.size()));
}

// The global batch given on the command line, checked against the world size: an uneven split of every
// batch would give the ranks different work per step (the slowest sets the pace), so it is refused.
inline index_t per_rank_batch(index_t global_batch, int world, const char* option = "--batch") {
    INK_CHECK(global_batch >= 1, option, " is ", global_batch, ", expected at least 1");
    INK_CHECK(global_batch % world == 0, option, " ", global_batch, " is the global batch and does not split evenly over ",
              world, " ranks: pass a multiple of ", world, " (each rank then trains on ", option, " / ", world,
              " samples per step)");
    return global_batch / world;
}

// Random numbers drawn per sample (a VAE's eps, a GAN's noise) that match the single-process run:
// the single process draws `per_sample` numbers for each of the global batch's `count` samples from
// one Rng; rank r must draw the ones of its rows [begin, end). Construct a ShardedDraw before the
// rank's draws: it moves `rng` to its first row; its destructor moves `rng` past the whole global
// draw, where the single process would be. Philox is counter-based, so skipping costs nothing.
// T is the type drawn (float: 4 numbers per counter block, double: 2).
template <class T>
class ShardedDraw {
public:
    ShardedDraw(Rng& rng, const Shard& shard, index_t count, index_t per_sample)
        : rng_(rng), start_(rng.state()), end_(start_.counter + blocks(count * per_sample)) {
        INK_CHECK((shard.begin * per_sample) % kPerBlock == 0, "ShardedDraw: ", per_sample,
                  " numbers per sample do not align the shard starting at sample ", shard.begin,
                  " with the generator's blocks of ", kPerBlock);
        rng_.set_state({start_.seed, start_.counter + blocks(shard.begin * per_sample)});
    }
    ~ShardedDraw() { rng_.set_state({start_.seed, end_}); }
    ShardedDraw(const ShardedDraw&) = delete;
    ShardedDraw& operator=(const ShardedDraw&) = delete;

private:
    static constexpr index_t kPerBlock = sizeof(T) == 4 ? 4 : 2;
    static std::uint64_t blocks(index_t numbers) { return std::uint64_t((numbers + kPerBlock - 1) / kPerBlock); }

    Rng& rng_;
    Rng::State start_;
    std::uint64_t end_;
};

}  // namespace ink::distributed
