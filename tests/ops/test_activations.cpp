// Gradient checks of the activations (first and second order) and glu.
#include <doctest/doctest.h>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_grad;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("activations: first and second derivatives") {
    const auto x = random_var({3, 5}, 11, -3, 3);
    check_gradgrad([](const V& v) { return sigmoid(v[0]); }, {x});
    check_gradgrad([](const V& v) { return tanh(v[0]); }, {x});
    check_gradgrad([](const V& v) { return softplus(v[0]); }, {x});
    // relu and leaky_relu are piecewise linear: their second derivative is zero, which a composition shows.
    check_gradgrad([](const V& v) { return relu(v[0]) * v[0]; }, {x});
    check_gradgrad([](const V& v) { return leaky_relu(v[0], 0.2) * v[0]; }, {x});
    check_gradgrad([](const V& v) { return relu(v[0]); }, {x});
    check_gradgrad([](const V& v) { return leaky_relu(v[0], 0.2); }, {x});
}

TEST_CASE("activations: values") {
    const Tensor<float> x(Shape{4}, {-2, -0.5f, 0, 3});
    CHECK(relu(x).to_vector() == std::vector<float>{0, 0, 0, 3});
    CHECK(leaky_relu(x, 0.1f).to_vector() == std::vector<float>{-0.2f, -0.05f, 0, 3});
    CHECK(sigmoid(x)[2] == 0.5f);
    CHECK(softplus(Tensor<float>(Shape{1}, {100.0f}))[0] == doctest::Approx(100.0));  // no overflow
}

TEST_CASE("glu: gradient (first and second order), values and shape errors") {
    const auto x = random_var({2, 3, 8}, 12, -2, 2);
    check_gradgrad([](const V& v) { return glu(v[0]); }, {x});
    const Tensor<double> t(Shape{1, 4}, {2, 3, 0, 100});
    const Tensor<double> y = glu(t);
    CHECK(y.shape() == Shape{1, 2});
    CHECK(y[0] == doctest::Approx(1.0));
    CHECK(y[1] == doctest::Approx(3.0));
    CHECK_THROWS_WITH_AS(glu(Tensor<double>(Shape{2, 3})), doctest::Contains("[2, 3]"), Error);
}
