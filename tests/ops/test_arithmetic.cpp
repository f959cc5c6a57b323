// Gradient checks of the arithmetic ops; broadcasting values and shape errors.
#include <doctest/doctest.h>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_grad;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("add, sub, mul, div: gradients, same shapes and broadcasting") {
    const Shape shapes[][2] = {{{2, 3}, {2, 3}}, {{2, 3, 4}, {4}}, {{4}, {2, 3, 4}}, {{3, 1}, {1, 4}}, {{2, 3}, {}}};
    for (const auto& s : shapes) {
        CAPTURE(s[0]);
        CAPTURE(s[1]);
        const auto a = random_var(s[0], 1), b = random_var(s[1], 2, 0.5, 2.0);
        check_gradgrad([](const V& v) { return v[0] + v[1]; }, {a, b});
        check_grad([](const V& v) { return v[0] - v[1]; }, {a, b});
        check_gradgrad([](const V& v) { return v[0] * v[1]; }, {a, b});
        check_grad([](const V& v) { return v[0] / v[1]; }, {a, b});
    }
}

TEST_CASE("unary arithmetic and scalar ops: gradients") {
    const auto x = random_var({3, 4}, 3), p = random_var({3, 4}, 4, 0.5, 2.0);
    check_grad([](const V& v) { return -v[0]; }, {x});
    check_grad([](const V& v) { return exp(v[0]); }, {x});
    check_grad([](const V& v) { return log(v[0]); }, {p});
    check_gradgrad([](const V& v) { return sqrt(v[0]); }, {p});
    check_gradgrad([](const V& v) { return square(v[0]); }, {x});
    check_grad([](const V& v) { return pow(v[0], 2.5); }, {p});
    check_grad([](const V& v) { return 2.0 * v[0] + 1.0 - v[0] / 4.0; }, {x});
    check_grad([](const V& v) { return 3.0 / v[0] - (1.0 - v[0]) * 0.5; }, {p});
}

TEST_CASE("add: broadcasting values") {
    const Tensor<float> a(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor<float> b(Shape{3}, {10, 20, 30});
    const Tensor<float> c(Shape{2, 1}, {100, 200});
    CHECK(add(a, b).to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
    CHECK(add(a, c).to_vector() == std::vector<float>{101, 102, 103, 204, 205, 206});
    CHECK(add(b, c).to_vector() == std::vector<float>{110, 120, 130, 210, 220, 230});
    CHECK(sum_to(add(a, c), Shape{3}).to_vector() == std::vector<float>{305, 307, 309});
}

TEST_CASE("binary ops: a shape mismatch names both shapes") {
    const Tensor<float> a(Shape{2, 3}), b(Shape{4});
    CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("add: shapes [2, 3] and [4] do not broadcast"), Error);
    CHECK_THROWS_WITH_AS(mul(Var<float>(a), Var<float>(b)), doctest::Contains("[2, 3] and [4]"), Error);
}
