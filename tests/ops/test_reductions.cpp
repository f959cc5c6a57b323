// Gradient checks of sum, mean and norm_per_sample (first and second order).
#include <doctest/doctest.h>

#include <cmath>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("sum and mean: all elements and one dimension") {
    const auto x = random_var({2, 3, 4}, 21);
    check_gradgrad([](const V& v) { return sum(v[0]); }, {x});
    check_gradgrad([](const V& v) { return mean(v[0]); }, {x});
    for (int d : {0, 1, 2, -1}) {
        CAPTURE(d);
        check_gradgrad([d](const V& v) { return sum(v[0], d); }, {x});
        check_gradgrad([d](const V& v) { return mean(v[0], d, true); }, {x});
    }
    const Tensor<float> t(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(sum(t, 0).to_vector() == std::vector<float>{5, 7, 9});
    CHECK(sum(t, 1, true).shape() == Shape{2, 1});
    CHECK(sum(t, 1).to_vector() == std::vector<float>{6, 15});
    CHECK(sum(t).item() == 21);
    CHECK_THROWS_WITH_AS(sum(t, 2), doctest::Contains("dimension 2 is out of range for shape [2, 3]"), Error);
}

TEST_CASE("norm_per_sample: value, gradients, and a zero gradient (not NaN) at zero") {
    const auto x = random_var({3, 2, 2}, 22);
    check_gradgrad([](const V& v) { return norm_per_sample(v[0]); }, {x});
    check_gradgrad([](const V& v) { return square(norm_per_sample(v[0]) - 1.0); }, {x});
    const Var<double> n = norm_per_sample(x);
    CHECK(n.shape() == Shape{3});
    double s = 0;
    for (index_t i = 0; i < 4; ++i) s += x.value()[i] * x.value()[i];
    CHECK(n.value()[0] == doctest::Approx(std::sqrt(s)));

    const Var<float> z(Tensor<float>(Shape{2, 3}), true);
    sum(norm_per_sample(z)).backward();
    for (float g : z.grad()) CHECK(g == 0.0f);
}
