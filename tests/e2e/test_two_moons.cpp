// End to end: an MLP learns the two-moons problem to > 99% accuracy, and its backward matches
// finite differences through every layer.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "e2e/model_gradcheck.hpp"
#include "ink/autograd/var.hpp"
#include "ink/nn/activation.hpp"
#include "ink/nn/linear.hpp"
#include "ink/nn/sequential.hpp"
#include "ink/ops/losses.hpp"
#include "ink/optim/adam.hpp"

using namespace ink;

namespace {

// n points (x (n, 2), label (n, 1) in {0, 1}): the upper moon (cos t, sin t) and the lower moon
// (1 - cos t, 1/2 - sin t), t ~ U[0, pi], plus N(0, noise^2) on each coordinate.
template <class T>
std::pair<Tensor<T>, Tensor<T>> two_moons(index_t n, double noise, Rng& rng) {
    Tensor<T> x(Shape{n, 2}), y(Shape{n, 1});
    for (index_t i = 0; i < n; ++i) {
        const double t = std::numbers::pi * rng.uniform();
        const bool lower = i % 2 == 1;
        x(i, 0) = T((lower ? 1 - std::cos(t) : std::cos(t)) + noise * rng.normal());
        x(i, 1) = T((lower ? 0.5 - std::sin(t) : std::sin(t)) + noise * rng.normal());
        y(i, 0) = T(lower);
    }
    return {x, y};
}

template <class T>
struct Mlp : nn::Sequential<T> {
    explicit Mlp(Rng& rng) {
        this->template emplace<nn::Linear<T>>(2, 32, rng);
        this->template emplace<nn::Tanh<T>>();
        this->template emplace<nn::Linear<T>>(32, 32, rng);
        this->template emplace<nn::ReLU<T>>();
        this->template emplace<nn::Linear<T>>(32, 1, rng);
    }
};

template <class T>
double accuracy(const Mlp<T>& model, const Tensor<T>& x, const Tensor<T>& y) {
    NoGradGuard no_grad;
    const Tensor<T> z = model(Var<T>(x)).value();
    index_t right = 0;
    for (index_t i = 0; i < z.numel(); ++i) right += (z[i] > 0) == (y[i] > T(0.5));
    return double(right) / double(z.numel());
}

}  // namespace

TEST_CASE("e2e: an MLP learns two moons to > 99% accuracy") {
    Rng rng(2024);
    const auto [x, y] = two_moons<float>(512, 0.1, rng);
    const auto [x_test, y_test] = two_moons<float>(1000, 0.1, rng);
    Mlp<float> model(rng);
    optim::Adam<float> adam(model.named_parameters(), {.lr = 0.01});

    const Var<float> vx(x);
    float first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
        adam.zero_grad();
        Var<float> loss = binary_cross_entropy_with_logits(model(vx), y);
        loss.backward();
        adam.step();
        (step == 0 ? first : last) = loss.item();
    }
    MESSAGE("loss " << first << " -> " << last);
    CHECK(last < 0.05f * first);
    CHECK(accuracy(model, x, y) > 0.99);
    CHECK(accuracy(model, x_test, y_test) > 0.99);
}

TEST_CASE("e2e: the MLP's gradients match central differences") {
    Rng rng(7);
    // Named members, not a structured binding: clang 14 cannot capture a binding in the lambda.
    const std::pair<Tensor<double>, Tensor<double>> moons = two_moons<double>(16, 0.1, rng);
    Mlp<double> model(rng);
    const Var<double> vx(moons.first);
    const Tensor<double>& y = moons.second;
    test::check_model_gradients(model, [&] { return binary_cross_entropy_with_logits(model(vx), y); });
}
