// Gradient checks of softmax, log_softmax, the losses and normal_sample; values against formulas.
#include <doctest/doctest.h>

#include <cmath>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_grad;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("softmax and log_softmax: gradients, first and second order") {
    const auto x = random_var({2, 3, 5}, 51, -2, 2);
    check_gradgrad([](const V& v) { return softmax(v[0]); }, {x});
    check_gradgrad([](const V& v) { return log_softmax(v[0]); }, {x});
    const Tensor<float> y = softmax(Tensor<float>(Shape{1, 2}, {0, 0}));
    CHECK(y.to_vector() == std::vector<float>{0.5f, 0.5f});
}

TEST_CASE("cross_entropy: gradients for every reduction; value; bad targets and shapes") {
    const auto z = random_var({2, 3, 4}, 52, -2, 2);
    const Tensor<std::int32_t> t(Shape{2, 3}, {0, 3, 1, 2, 2, 0});
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        CAPTURE(int(r));
        check_gradgrad([&](const V& v) { return cross_entropy(v[0], t, r); }, {z});
    }
    // Against log_softmax: loss = -log_softmax(z)[t].
    const Tensor<double> ls = log_softmax(z.value());
    const Tensor<double> l = cross_entropy(z.value(), t, Reduction::None);
    CHECK(l.shape() == Shape{2, 3});
    for (index_t i = 0; i < 6; ++i) CHECK(l[i] == doctest::Approx(-ls[i * 4 + t[i]]));
    CHECK(cross_entropy(z.value(), t).item() == doctest::Approx(sum(l).item() / 6));
    CHECK_THROWS_WITH_AS(cross_entropy(z.value(), Tensor<std::int32_t>(Shape{2, 3}, {0, 4, 0, 0, 0, 0})),
                         doctest::Contains("target 4 at position 1"), Error);
    CHECK_THROWS_WITH_AS(cross_entropy(z.value(), Tensor<std::int32_t>(Shape{6})),
                         doctest::Contains("shapes [2, 3, 4] and [6] do not match"), Error);
}

TEST_CASE("binary_cross_entropy_with_logits and mse: gradients; values") {
    const auto z = random_var({3, 4}, 53, -3, 3);
    Tensor<double> t = random_var({3, 4}, 54, 0, 1).value();
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        check_gradgrad([&](const V& v) { return binary_cross_entropy_with_logits(v[0], t, r); }, {z});
        check_gradgrad([&](const V& v) { return mse(v[0], v[1], r); }, {z, random_var({3, 4}, 55)});
        check_gradgrad([&](const V& v) { return binary_cross_entropy_with_logits(v[0], v[1], r); },
                       {z, Var<double>(t, true)});
    }
    const double x = 0.7, y = 0.25, s = 1 / (1 + std::exp(-x));
    const Tensor<double> b = binary_cross_entropy_with_logits(Tensor<double>(Shape{1}, {x}), Tensor<double>(Shape{1}, {y}));
    CHECK(b.item() == doctest::Approx(-(y * std::log(s) + (1 - y) * std::log(1 - s))));
    CHECK(binary_cross_entropy_with_logits(Tensor<float>(Shape{1}, {-200.0f}), Tensor<float>(Shape{1}, {1.0f})).item() ==
          doctest::Approx(200.0));  // stable for large logits
}

TEST_CASE("gaussian_kl: gradients and value") {
    const auto mu = random_var({2, 3}, 56), lv = random_var({2, 3}, 57);
    check_gradgrad([](const V& v) { return gaussian_kl(v[0], v[1]); }, {mu, lv});
    const Var<double> kl = gaussian_kl(mu, lv);
    CHECK(kl.shape() == Shape{2});
    double want = 0;
    for (index_t j = 0; j < 3; ++j) {
        const double m = mu.value()[j], l = lv.value()[j];
        want += -0.5 * (1 + l - m * m - std::exp(l));
    }
    CHECK(kl.value()[0] == doctest::Approx(want));
    CHECK(gaussian_kl(Var<double>(Tensor<double>(Shape{1, 4})), Var<double>(Tensor<double>(Shape{1, 4}))).item() == 0.0);
}

TEST_CASE("normal_sample: reparameterised gradients; the same seed gives the same sample") {
    const auto mu = random_var({4, 3}, 58), lv = random_var({4, 3}, 59);
    check_gradgrad([](const V& v) {
        Rng rng(7);  // the same eps at every evaluation
        return normal_sample(v[0], v[1], rng);
    }, {mu, lv});
    Rng a(9), b(9);
    CHECK(normal_sample(mu, lv, a).value().to_vector() == normal_sample(mu, lv, b).value().to_vector());
    // Moments with mu = 1, logvar = log 4 (stddev 2).
    Rng rng(3);
    const Var<float> m(Tensor<float>::full(Shape{20000}, 1.0f)), l(Tensor<float>::full(Shape{20000}, std::log(4.0f)));
    const Tensor<float> z = normal_sample(m, l, rng).value();
    double s = 0, s2 = 0;
    for (float v : z) {
        s += v;
        s2 += double(v) * v;
    }
    const double mean = s / z.numel(), var = s2 / z.numel() - mean * mean;
    CHECK(mean == doctest::Approx(1.0).epsilon(0.05));
    CHECK(var == doctest::Approx(4.0).epsilon(0.05));
}
