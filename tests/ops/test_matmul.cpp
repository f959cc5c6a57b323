// Gradient checks of matmul and linear (first and second order); shape errors.
#include <doctest/doctest.h>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("matmul: gradients for rank-2 and rank-3 left operands") {
    check_gradgrad([](const V& v) { return matmul(v[0], v[1]); }, {random_var({3, 4}, 1), random_var({4, 2}, 2)});
    check_gradgrad([](const V& v) { return matmul(v[0], v[1]); }, {random_var({2, 3, 4}, 3), random_var({4, 5}, 4)});
}

TEST_CASE("linear: gradients with and without bias, any rank") {
    const auto x = random_var({2, 3, 4}, 5), w = random_var({4, 3}, 6), b = random_var({3}, 7);
    check_gradgrad([](const V& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
    check_gradgrad([](const V& v) { return linear(v[0], v[1]); }, {random_var({5, 4}, 8), w});
    // A GAN-critic-like composition, differentiated twice.
    check_gradgrad([](const V& v) { return linear(relu(linear(v[0], v[1], v[2])), v[3]); },
                   {random_var({2, 4}, 9), w, b, random_var({3, 1}, 10)});
}

TEST_CASE("matmul and linear: values and errors naming both shapes") {
    const Tensor<float> a(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor<float> b(Shape{3, 2}, {1, 0, 0, 1, 1, 1});
    CHECK(matmul(a, b).to_vector() == std::vector<float>{4, 5, 10, 11});
    CHECK(linear(a, b, Tensor<float>(Shape{2}, {10, 20})).to_vector() == std::vector<float>{14, 25, 20, 31});
    CHECK_THROWS_WITH_AS(matmul(Tensor<float>(Shape{2, 3}), Tensor<float>(Shape{4, 5})),
                         doctest::Contains("matmul: shapes [2, 3] and [4, 5] do not match: expected a.dim(-1) == b.dim(0)"),
                         Error);
    CHECK_THROWS_WITH_AS(linear(a, b, Tensor<float>(Shape{3})), doctest::Contains("bias shape [3] and weight shape [3, 2]"),
                         Error);
}
