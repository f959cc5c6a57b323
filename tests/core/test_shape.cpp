// core/shape.hpp: the overflow invariant of Shape (issue 14, item 3), and what relies on it.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ink/core/shape.hpp"
#include "ink/core/tensor.hpp"
#include "ink/ops/broadcast.hpp"

using namespace ink;

namespace {
constexpr index_t k2to31 = index_t(1) << 31;
constexpr index_t k2to40 = index_t(1) << 40;
}  // namespace

TEST_CASE("issue14.3 Shape: a zero extent followed by huge ones is refused") {
    // numel() would be 0, but row_size() and the strides would be 2^80.
    CHECK_THROWS_WITH_AS((Shape{0, k2to40, k2to40}), doctest::Contains("describe more than 2^63 - 1 elements"), Error);
    CHECK_THROWS_WITH_AS((Shape{0, k2to40, k2to40}), doctest::Contains("[0, 1099511627776, 1099511627776]"), Error);
    CHECK_THROWS_AS((Shape{k2to40, 0, k2to40}), Error);
    CHECK_THROWS_AS((Shape{k2to40, k2to40, 0}), Error);
    CHECK_THROWS_AS(Shape(std::vector<index_t>{0, 0, k2to40, k2to40}), Error);
    const index_t dims[] = {0, k2to31, k2to31, k2to31};
    CHECK_THROWS_AS(Shape(dims, dims + 4), Error);

    // Up to 2^63 - 1 counting the non-zero extents is fine, and then every partial product is exact.
    const Shape big{0, k2to31, k2to31};
    CHECK(big.numel() == 0);
    CHECK(big.row_size() == index_t(1) << 62);
    CHECK(Shape{INT64_MAX}.numel() == INT64_MAX);
    CHECK(Shape{1, INT64_MAX, 1}.row_size() == INT64_MAX);
}

TEST_CASE("issue14.3 Shape: an element count or row size that overflows int64 is refused") {
    CHECK_THROWS_AS((Shape{3037000500, 3037000500}), Error);  // just above sqrt(2^63)
    CHECK(Shape{3037000499, 3037000499}.numel() == index_t(3037000499) * 3037000499);
    // 641 x 6700417 x 4294967295 = 2^64 - 1 wraps to -1; 2^31 x 4 x 2^31 = 2^64 wraps to 0.
    CHECK_THROWS_AS((Shape{641, 6700417, 4294967295}), Error);
    CHECK_THROWS_AS((Shape{k2to31, 4, k2to31}), Error);
    CHECK_THROWS_WITH_AS((Shape{2, -1}), doctest::Contains("non-negative"), Error);

    // Shapes derived from valid ones are checked too.
    const Shape rows{0, k2to31, k2to31};
    CHECK_THROWS_AS(rows.with_dim(0, 4), Error);
    CHECK(rows.with_dim(0, 1).numel() == index_t(1) << 62);
    CHECK_THROWS_AS(detail::broadcast_shapes("add", Shape{k2to40, 1}, Shape{1, k2to40}), Error);
    CHECK(detail::broadcast_shapes("add", Shape{k2to31, 1}, Shape{1, k2to31}) == Shape{k2to31, k2to31});
}

TEST_CASE("issue14.3 Tensor: an element count whose bytes overflow is refused before allocating") {
    // 2^61 doubles are 2^64 bytes, which wraps to 0 in a size_t.
    CHECK_THROWS_WITH_AS(Tensor<double>::empty(Shape{index_t(1) << 61}), doctest::Contains("more than memory"), Error);
    CHECK_THROWS_WITH_AS(Tensor<float>::empty(Shape{2, index_t(1) << 61}), doctest::Contains("more than memory"), Error);
}
