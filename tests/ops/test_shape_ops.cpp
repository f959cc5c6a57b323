// Gradient checks of reshape, transpose, slice, concat, split, broadcast_to, sum_to.
#include <doctest/doctest.h>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("shape ops: gradients") {
    const auto x = random_var({2, 3, 4}, 31);
    check_gradgrad([](const V& v) { return reshape(v[0], {4, -1}) * 2.0; }, {x});
    check_gradgrad([](const V& v) { return transpose(v[0]); }, {x});
    check_gradgrad([](const V& v) { return slice(v[0], 1, 1, 3); }, {x});
    check_gradgrad([](const V& v) { return slice(v[0], -1, 0, 1); }, {x});
    check_gradgrad([](const V& v) { return concat<double>({v[0], v[1], v[0]}, 1); }, {x, random_var({2, 1, 4}, 32)});
    check_gradgrad([](const V& v) {
        const auto parts = split(v[0], -1, {1, 3});
        return parts[0] * slice(parts[1], -1, 2, 3);
    }, {x});
    check_gradgrad([](const V& v) { return broadcast_to(v[0], Shape{2, 3, 4}); }, {random_var({3, 1}, 33)});
    check_gradgrad([](const V& v) { return sum_to(v[0], Shape{3, 1}); }, {x});
}

TEST_CASE("shape ops: values and errors") {
    const Tensor<float> t(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(transpose(t).to_vector() == std::vector<float>{1, 4, 2, 5, 3, 6});
    CHECK(slice(t, 1, 1, 3).to_vector() == std::vector<float>{2, 3, 5, 6});
    CHECK(concat<float>({t, slice(t, 1, 0, 1)}, 1).to_vector() == std::vector<float>{1, 2, 3, 1, 4, 5, 6, 4});
    CHECK(split(Var<float>(t), 0, 2)[1].value().to_vector() == std::vector<float>{4, 5, 6});
    CHECK(reshape(Var<float>(t), {3, 2}).value().shares_storage_with(t));
    CHECK_THROWS_WITH_AS(concat<float>({t, Tensor<float>(Shape{3, 3})}, 1),
                         doctest::Contains("concat: shapes [2, 3] and [3, 3] do not match"), Error);
    CHECK_THROWS_WITH_AS(slice(t, 1, 2, 4), doctest::Contains("[2, 3]"), Error);
    CHECK_THROWS_WITH_AS(reshape(Var<float>(t), {4, 2}), doctest::Contains("[2, 3]"), Error);
}
