// Shape, Tensor, Rng, memory cache and thread settings.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "ink/core.hpp"

using namespace ink;

TEST_CASE("Shape: numel, rank, equality and errors") {
    CHECK(Shape{}.numel() == 1);
    CHECK(Shape{}.rank() == 0);
    const Shape s{2, 3, 4};
    CHECK(s.numel() == 24);
    CHECK(s.row_size() == 12);
    CHECK(s[-1] == 4);
    CHECK(s.str() == "[2, 3, 4]");
    CHECK(s == Shape{2, 3, 4});
    CHECK(s != Shape{2, 3});
    CHECK_THROWS_AS((void)s[3], Error);
    CHECK_THROWS_AS((Shape{1, 2, 3, 4, 5, 6, 7}), Error);
    CHECK_THROWS_WITH_AS((Shape{2, -1}), doctest::Contains("non-negative"), Error);
}

TEST_CASE("Tensor: construction, alignment, access, views") {
    Tensor<float> t(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % kAlignment == 0);
    CHECK(t(1, 2) == 6);
    CHECK(t[4] == 5);
    CHECK(Tensor<double>(Shape{4, 1, 2, 3}).numel() == 24);
    CHECK(Tensor<double>(Shape{4, 1, 2, 3})(3, 0, 1, 2) == 0.0);

    Tensor<float> r = t.rows(1, 2);
    CHECK(r.shape() == Shape{1, 3});
    CHECK(r.shares_storage_with(t));
    r(0, 0) = 40;
    CHECK(t(1, 0) == 40);
    CHECK(t.row(0).shape() == Shape{3});
    CHECK(t.row(1)(2) == 6);

    Tensor<float> v = t.reshape({3, -1});
    CHECK(v.shape() == Shape{3, 2});
    CHECK_THROWS_WITH_AS(t.reshape({4, 2}), doctest::Contains("[2, 3]"), Error);
    CHECK_THROWS_AS(t.rows(1, 3), Error);

    Tensor<float> c = t.clone();
    c(0, 0) = -1;
    CHECK(t(0, 0) == 1);
    CHECK(!c.shares_storage_with(t));
    CHECK(Tensor<float>::scalar(2.5f).item() == 2.5f);
    CHECK_THROWS_AS(t.item(), Error);
    CHECK_THROWS_WITH_AS((Tensor<float>(Shape{2}, {1, 2, 3})), doctest::Contains("needs 2 values, got 3"), Error);
    CHECK_FALSE(Tensor<float>().defined());
}

TEST_CASE("Tensor: reference counting shares and frees storage") {
    Tensor<float> a(Shape{8});
    CHECK(a.use_count() == 1);
    {
        Tensor<float> b = a;
        CHECK(a.use_count() == 2);
        Tensor<float> moved = std::move(b);
        CHECK(a.use_count() == 2);
    }
    CHECK(a.use_count() == 1);
}

TEST_CASE("memory cache: a freed size is reused without a system allocation") {
    const auto bytes = Shape{123, 457}.numel();
    { Tensor<float> warm(Shape{123, 457}); }
    const auto before = memory_stats();
    for (int i = 0; i < 5; ++i) Tensor<float> t(Shape{123, 457});
    const auto after = memory_stats();
    if (std::getenv("INK_NO_MEMORY_CACHE") == nullptr) {
        CHECK(after.system_allocations == before.system_allocations);
        CHECK(after.cache_hits == before.cache_hits + 5);
    } else {
        CHECK(after.system_allocations == before.system_allocations + 5);
    }
    CHECK(bytes > 0);
}

TEST_CASE("Rng: reproducible, stateful, and independent of how the fill is split") {
    Rng a(42), b(42), c(43);
    std::vector<float> x(1001), y(1001), z(1001);
    a.fill_uniform(x.data(), 1001, -1.0f, 1.0f);
    b.fill_uniform(y.data(), 1001, -1.0f, 1.0f);
    c.fill_uniform(z.data(), 1001, -1.0f, 1.0f);
    CHECK(x == y);
    CHECK(x != z);
    CHECK(*std::min_element(x.begin(), x.end()) >= -1.0f);
    CHECK(*std::max_element(x.begin(), x.end()) < 1.0f);

    // Element i depends only on (seed, counter + i / 4): filling in two parts that split on a block
    // boundary gives the same numbers as one fill.
    Rng d(42);
    std::vector<float> parts(1001);
    d.fill_uniform(parts.data(), 400, -1.0f, 1.0f);
    d.fill_uniform(parts.data() + 400, 601, -1.0f, 1.0f);
    CHECK(parts == x);

    // Saving and restoring the state continues the stream.
    Rng e(7);
    (void)e.next_u64();
    const auto st = e.state();
    const auto u1 = e.next_u64();
    e.set_state(st);
    CHECK(e.next_u64() == u1);
}

TEST_CASE("Rng: normal draws have the right moments, float and double") {
    Rng rng(1);
    std::vector<double> d(200000);
    rng.fill_normal(d.data(), static_cast<index_t>(d.size()), 1.0, 2.0);
    const double mean = std::accumulate(d.begin(), d.end(), 0.0) / double(d.size());
    double var = 0;
    for (double v : d) var += (v - mean) * (v - mean);
    var /= double(d.size());
    CHECK(mean == doctest::Approx(1.0).epsilon(0.02));
    CHECK(var == doctest::Approx(4.0).epsilon(0.02));

    std::vector<float> f(200001);
    rng.fill_normal(f.data(), static_cast<index_t>(f.size()), 0.0f, 1.0f);
    double fm = 0, fv = 0;
    for (float v : f) fm += v;
    fm /= double(f.size());
    for (float v : f) fv += (v - fm) * (v - fm);
    fv /= double(f.size());
    CHECK(std::abs(fm) < 0.01);
    CHECK(fv == doctest::Approx(1.0).epsilon(0.02));
    CHECK(std::all_of(f.begin(), f.end(), [](float v) { return std::isfinite(v); }));
}

// The factories must draw exactly what a hand-written empty() + fill would: same bits, same Rng state
// afterwards (checkpointed runs and the examples' pictures depend on it).
template <class T>
void check_random_factories(const Shape& shape) {
    CAPTURE(shape.str());
    Rng by_factory(11), by_hand(11);
    const Tensor<T> u = Tensor<T>::uniform(shape, by_factory, T(-0.5), T(2));
    const Tensor<T> n = Tensor<T>::normal(shape, by_factory, T(1), T(3));
    Tensor<T> want_u = Tensor<T>::empty(shape), want_n = Tensor<T>::empty(shape);
    by_hand.fill_uniform(want_u.data(), want_u.numel(), T(-0.5), T(2));
    by_hand.fill_normal(want_n.data(), want_n.numel(), T(1), T(3));
    CHECK(u.shape() == shape);
    CHECK(n.shape() == shape);
    CHECK(std::memcmp(u.data(), want_u.data(), sizeof(T) * std::size_t(u.numel())) == 0);
    CHECK(std::memcmp(n.data(), want_n.data(), sizeof(T) * std::size_t(n.numel())) == 0);
    CHECK(by_factory.state().counter == by_hand.state().counter);
    CHECK(std::all_of(u.begin(), u.end(), [](T v) { return v >= T(-0.5) && v < T(2); }));
    CHECK(std::all_of(n.begin(), n.end(), [](T v) { return std::isfinite(v); }));
}

TEST_CASE("Tensor::uniform and Tensor::normal: the same draws and Rng state as filling by hand") {
    for (const Shape& shape : {Shape{1}, Shape{7}, Shape{7, 9}, Shape{65}, Shape{3, 0}, Shape{}}) {
        check_random_factories<float>(shape);
        check_random_factories<double>(shape);
    }
    // Two factories in a row continue one stream: the second tensor is not a copy of the first.
    Rng rng(3);
    const Tensor<float> a = Tensor<float>::uniform(Shape{63}, rng, 0.0f, 1.0f);
    const Tensor<float> b = Tensor<float>::uniform(Shape{63}, rng, 0.0f, 1.0f);
    CHECK(!std::equal(a.begin(), a.end(), b.begin()));
}

TEST_CASE("Tensor::full fills every element with the value") {
    const Tensor<float> t = Tensor<float>::full(Shape{7, 9}, -2.5f);
    CHECK(t.numel() == 63);
    CHECK(std::all_of(t.begin(), t.end(), [](float v) { return v == -2.5f; }));
    CHECK(Tensor<std::int32_t>::full(Shape{65}, 4)[64] == 4);
}

TEST_CASE("Rng: shuffle is a permutation and uniform_int stays in range") {
    Rng rng(3);
    std::vector<int> p(1000);
    std::iota(p.begin(), p.end(), 0);
    rng.shuffle(p.begin(), p.end());
    CHECK(std::set<int>(p.begin(), p.end()).size() == 1000);
    CHECK(!std::is_sorted(p.begin(), p.end()));
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 7000; ++i) ++counts[rng.uniform_int(7)];
    for (int c : counts) CHECK(c > 800);
    CHECK(rng.fork(1).next_u64() != rng.fork(2).next_u64());
}

TEST_CASE("threads: set_num_threads and parallel_for cover the range exactly once") {
    const int saved = num_threads();
    set_num_threads(2);
    CHECK(num_threads() == 2);
    std::vector<int> hits(1003, 0);
    parallel_for(1003, 2, [&](index_t b, index_t e) {
        for (index_t i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
    });
    CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
    CHECK(threads_for(10, 1000) == 1);
    CHECK_THROWS_AS(set_num_threads(0), Error);
    set_num_threads(saved);
}
