// The MNIST VAE example's model (examples/mnist_vae/model.hpp): sizes, the CVAE's KL, and learning.
#include <doctest/doctest.h>

#include <cmath>

#include "../../examples/mnist_vae/model.hpp"
#include "ink/optim/rmsprop.hpp"

using namespace vae;

namespace {

// n images (n, 784) with values in [0, 1] and labels n % 10: bright bars whose position is the class.
ink::Tensor<float> bar_images(index_t n) {
    ink::Tensor<float> x(ink::Shape{n, 784});
    for (index_t i = 0; i < n; ++i)
        for (index_t r = 0; r < 28; ++r)
            for (index_t c = 0; c < 3; ++c) x(i, r * 28 + 2 * (i % 10) + c + 2) = 0.9f;
    return x;
}

ink::Tensor<float> one_hots(index_t n) {
    ink::Tensor<float> y(ink::Shape{n, 10});
    for (index_t i = 0; i < n; ++i) y(i, i % 10) = 1.0f;
    return y;
}

}  // namespace

TEST_CASE("vae model: the layers and parameter counts of vae_keras.py and cvae_keras.py") {
    ink::Rng rng(1);
    const Model v({.kind = Kind::vae}, rng);
    // 784*256+256 + 2*(256*2+2) + 2*256+256 + 256*784+784
    CHECK(v.num_parameters() == 404244);
    CHECK(v.named_parameters().front().first == "encoder_hidden.weight");
    const Model c({.kind = Kind::cvae}, rng);
    CHECK(c.num_parameters() == 404244 + 10 * 2 + 2);
    CHECK(c.named_parameters().back().first == "class_mean.bias");
    CHECK_THROWS_AS(v.class_mean(Var(one_hots(1))), ink::Error);
}

TEST_CASE("vae model: the CVAE's KL is measured from the class mean") {
    ink::Rng rng(2);
    const Model m({.kind = Kind::cvae}, rng);
    const index_t n = 20;
    const Var x(bar_images(n)), y(one_hots(n));
    ink::NoGradGuard no_grad;
    const Model::Posterior q = m.encode(x);
    const ink::Tensor<float> mu_y = m.class_mean(y).value();
    double want = 0;  // mean over images of 1/2 sum (exp(lv) - lv - 1 + (mu - mu_y)^2)
    for (index_t i = 0; i < n; ++i)
        for (index_t d = 0; d < 2; ++d) {
            const double lv = q.logvar.value()(i, d), diff = q.mu.value()(i, d) - mu_y(i, d);
            want += 0.5 * (std::exp(lv) - lv - 1 + diff * diff);
        }
    ink::Rng noise(3);
    const Loss l = m.loss(x, y, noise);
    CHECK(l.kl == doctest::Approx(want / n).epsilon(1e-5));
    CHECK(l.total.item() == doctest::Approx(l.reconstruction + l.kl).epsilon(1e-6));
}

TEST_CASE("vae model: RMSprop steps lower the loss on a toy data set") {
    ink::Rng rng(4);
    const Model m({.kind = Kind::vae, .hidden = 32}, rng);
    ink::optim::RMSprop<float> optimizer(m.named_parameters());
    const Var x(bar_images(50));
    ink::Rng noise(5);
    auto loss = [&] {
        ink::NoGradGuard no_grad;
        ink::Rng eval(6);
        return m.loss(x, Var(), eval).total.item();
    };
    const float before = loss();
    for (int step = 0; step < 100; ++step) {
        const Loss l = m.loss(x, Var(), noise);
        optimizer.zero_grad();
        l.total.backward();
        optimizer.step();
    }
    CHECK(loss() < 0.5f * before);
}
