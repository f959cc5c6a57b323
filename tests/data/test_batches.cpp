// data/batches.hpp: every sample once per epoch, reproducible from the seed, resumable mid-epoch.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "ink/core/memory.hpp"
#include "ink/data/batches.hpp"

using namespace ink;
using namespace ink::data;

namespace {

// The batches of one epoch, concatenated, and their sizes.
std::vector<index_t> run_epoch(Batches& b, std::vector<index_t>* sizes = nullptr) {
    std::vector<index_t> seen;
    for (auto rows = b.next(); !rows.empty(); rows = b.next()) {
        seen.insert(seen.end(), rows.begin(), rows.end());
        if (sizes) sizes->push_back(static_cast<index_t>(rows.size()));
    }
    return seen;
}

}  // namespace

TEST_CASE("Batches: each epoch is a permutation, different per epoch") {
    Batches b(103, 10, Rng(7));
    CHECK(b.batches_per_epoch() == 11);
    std::vector<index_t> sizes;
    const std::vector<index_t> e0 = run_epoch(b, &sizes);
    CHECK(sizes == std::vector<index_t>{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3});
    CHECK(b.epoch() == 1);
    const std::vector<index_t> e1 = run_epoch(b);
    std::vector<index_t> all(103);
    std::iota(all.begin(), all.end(), index_t(0));
    for (const auto* e : {&e0, &e1}) {
        std::vector<index_t> sorted = *e;
        std::sort(sorted.begin(), sorted.end());
        CHECK(sorted == all);
    }
    CHECK(e0 != e1);
    CHECK(e0 != all);
    CHECK(e0 == b.order(0));
    CHECK(e1 == b.order(1));
}

TEST_CASE("Batches: the order depends only on the seed and the epoch") {
    Batches a(50, 8, Rng(42)), b(50, 8, Rng(42)), c(50, 8, Rng(43));
    CHECK(run_epoch(a) == run_epoch(b));
    CHECK(run_epoch(a) == run_epoch(b));
    CHECK(a.order(1) != c.order(1));
    // A generator that has been used has the same seed, so the same epochs.
    Rng used(42);
    used.next_u64();
    CHECK(Batches(50, 8, used).order(3) == a.order(3));
}

TEST_CASE("Batches: dropping the last partial batch") {
    Batches b(103, 10, Rng(1), LastBatch::drop);
    CHECK(b.batches_per_epoch() == 10);
    std::vector<index_t> sizes;
    const std::vector<index_t> seen = run_epoch(b, &sizes);
    CHECK(sizes == std::vector<index_t>(10, 10));
    const std::vector<index_t> order = b.order(0);
    CHECK(seen == std::vector<index_t>(order.begin(), order.begin() + 100));
    Batches tiny(3, 10, Rng(1), LastBatch::drop);
    CHECK(tiny.next().empty());
    CHECK(tiny.epoch() == 1);
}

TEST_CASE("Batches: resuming from a saved state continues the same sequence") {
    Batches straight(37, 5, Rng(9));
    std::vector<index_t> expected = run_epoch(straight);
    const std::vector<index_t> e1 = run_epoch(straight);
    expected.insert(expected.end(), e1.begin(), e1.end());

    Batches first(37, 5, Rng(9));
    std::vector<index_t> got;
    for (int i = 0; i < 3; ++i) {
        const auto rows = first.next();
        got.insert(got.end(), rows.begin(), rows.end());
    }
    const Batches::State saved = first.state();
    CHECK(saved.epoch == 0);
    CHECK(saved.position == 15);

    Batches resumed(37, 5, Rng(9));
    resumed.set_state(saved);
    const std::vector<index_t> rest0 = run_epoch(resumed);
    const std::vector<index_t> rest1 = run_epoch(resumed);
    got.insert(got.end(), rest0.begin(), rest0.end());
    got.insert(got.end(), rest1.begin(), rest1.end());
    CHECK(got == expected);

    CHECK_THROWS_AS(resumed.set_state({0, 38}), Error);
    CHECK_THROWS_AS(Batches(10, 0, Rng(1)), Error);
}

TEST_CASE("gather_rows: into a reused buffer, without allocating") {
    Tensor<float> x(Shape{5, 2}, {0, 1, 10, 11, 20, 21, 30, 31, 40, 41});
    Tensor<float> buffer(Shape{3, 2});
    const std::vector<index_t> rows{4, 0, 2};
    Tensor<float> batch = gather_rows(x, rows, buffer);
    CHECK(batch.shares_storage_with(buffer));
    CHECK(batch.to_vector() == std::vector<float>{40, 41, 0, 1, 20, 21});
    const std::vector<index_t> two{3, 1};
    CHECK(gather_rows(x, two, buffer).shape() == Shape{2, 2});
    CHECK(buffer(1, 1) == 11);

    Tensor<std::int32_t> labels(Shape{5}, {5, 6, 7, 8, 9});
    Tensor<std::int32_t> label_buffer(Shape{3});
    Batches b(5, 3, Rng(3));
    b.next();  // the first batch may allocate the epoch's order
    const auto before = memory_stats().system_allocations;
    for (int step = 0; step < 4; ++step) {
        auto idx = b.next();
        if (idx.empty()) idx = b.next();
        const Tensor<std::int32_t> y = gather_rows(labels, idx, label_buffer);
        CHECK(y[0] == labels[idx[0]]);
    }
    CHECK(memory_stats().system_allocations == before);

    CHECK_THROWS_WITH_AS(gather_rows(x, std::vector<index_t>{0, 1, 2, 3}, buffer), doctest::Contains("do not fit"), Error);
    CHECK_THROWS_WITH_AS(gather_rows(x, std::vector<index_t>{5}, buffer), doctest::Contains("row 5 is outside"), Error);
    Tensor<float> wrong(Shape{3, 3});
    CHECK_THROWS_WITH_AS(gather_rows(x, rows, wrong), doctest::Contains("differ after dimension 0"), Error);
}
