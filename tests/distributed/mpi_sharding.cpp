// Sharding: every rank's slice of a global batch, the refusal of an uneven --batch, and per-sample
// random draws that match the single process's.
#include <doctest/doctest.h>

#include <vector>

#include "ink/distributed/sharding.hpp"

using namespace ink;
using distributed::Shard;
using distributed::shard_of;

TEST_CASE("shard_of: contiguous slices that cover the batch, sizes differing by at most one") {
    for (index_t count : {0, 1, 5, 7, 64, 65})
        for (int world : {1, 2, 3, 8}) {
            CAPTURE(count);
            CAPTURE(world);
            index_t next = 0, smallest = count, largest = 0;
            for (int r = 0; r < world; ++r) {
                const Shard s = shard_of(count, r, world);
                CHECK(s.begin == next);
                next = s.end;
                smallest = std::min(smallest, s.size());
                largest = std::max(largest, s.size());
            }
            CHECK(next == count);
            CHECK(largest - smallest <= 1);
        }
    CHECK(shard_of(5, 0, 2).size() == 2);
    CHECK(shard_of(5, 1, 2).size() == 3);
    CHECK(shard_of(5, 1, 2).weight(5) == 0.6);
    CHECK(shard_of(1, 0, 2).weight(1) == 0.0);
    CHECK_THROWS_WITH(shard_of(5, 2, 2), "shard_of: rank 2 is outside a world of 2");
    const std::vector<index_t> rows{9, 8, 7, 6, 5};
    const auto mine = distributed::local_rows(rows, 1, 2);
    CHECK(std::vector<index_t>(mine.begin(), mine.end()) == std::vector<index_t>{7, 6, 5});
}

TEST_CASE("per_rank_batch: --batch is global and must split evenly") {
    CHECK(distributed::per_rank_batch(64, 2) == 32);
    CHECK(distributed::per_rank_batch(64, 1) == 64);
    CHECK_THROWS_WITH(distributed::per_rank_batch(63, 2),
                      "--batch 63 is the global batch and does not split evenly over 2 ranks: pass a multiple of 2 "
                      "(each rank then trains on --batch / 2 samples per step)");
    CHECK_THROWS_WITH(distributed::per_rank_batch(0, 2), "--batch is 0, expected at least 1");
}

TEST_CASE("ShardedDraw: each rank draws its rows of the single process's numbers") {
    for (index_t per_sample : {4, 8, 64}) {
        const index_t count = 7;
        Rng single(11);
        single.next_u64();  // not at counter 0
        Rng shared = single;
        std::vector<float> want(std::size_t(count * per_sample));
        single.fill_normal(want.data(), index_t(want.size()), 0.0f, 1.0f);
        for (int world : {1, 2, 3}) {
            std::vector<float> got;
            Rng last = shared;
            for (int r = 0; r < world; ++r) {
                Rng rng = shared;  // every rank starts from the same state
                const Shard s = shard_of(count, r, world);
                std::vector<float> mine(std::size_t(s.size() * per_sample));
                {
                    distributed::ShardedDraw<float> draw(rng, s, count, per_sample);
                    rng.fill_normal(mine.data(), index_t(mine.size()), 0.0f, 1.0f);
                }
                got.insert(got.end(), mine.begin(), mine.end());
                CHECK(rng.state().counter == single.state().counter);  // where the single process is
                last = rng;
            }
            CHECK(got == want);
            CHECK(last.next_u64() == Rng(single).next_u64());
        }
    }
    Rng rng(1);
    CHECK_THROWS_WITH(distributed::ShardedDraw<float>(rng, shard_of(7, 1, 2), 7, 3),
                      "ShardedDraw: 3 numbers per sample do not align the shard starting at sample 3 with the "
                      "generator's blocks of 4");
}
