// The GAN example's networks and training steps (examples/gan/model.hpp, classifier.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../../examples/gan/classifier.hpp"
#include "../../examples/gan/model.hpp"
#include "ink/optim/adam.hpp"

using namespace gan;
using Tensor = ink::Tensor<float>;

namespace {

Tensor uniform(const ink::Shape& s, std::uint64_t seed, float lo, float hi) {
    ink::Rng rng(seed);
    return Tensor::uniform(s, rng, lo, hi);
}

}  // namespace

TEST_CASE("gan: the original's layers, initialisation and parameter counts") {
    ink::Rng rng(1);
    const Gan<float> g(rng);
    CHECK(g.generator.num_parameters() == 10 * 32 + 32 + 32 * 128 + 128 + 128 * 784 + 784);
    CHECK(g.critic.num_parameters() == 784 * 128 + 128 + 128 * 32 + 32 + 32 + 1);
    CHECK(g.named_parameters().front().first == "generator.dense1.weight");
    CHECK(g.named_parameters().back().first == "critic.dense3.bias");
    for (const auto& named : g.named_parameters()) {
        const std::string& name = named.first;  // not a structured binding: CAPTURE is a lambda
        const auto& p = named.second;
        CAPTURE(name);
        const auto [lo, hi] = std::minmax_element(p.value().begin(), p.value().end());
        if (name.ends_with("bias")) {
            CHECK(*lo == 0.0f);
            CHECK(*hi == 0.0f);
        } else {
            CHECK(*lo >= -0.05f);
            CHECK(*hi <= 0.05f);
            CHECK(*hi - *lo > 0.09f);
        }
    }
    const ink::Var<float> x = g.generator(ink::Var<float>(uniform({3, 10}, 2, -1, 1)));
    CHECK(x.shape() == ink::Shape{3, 784});
    CHECK(g.critic(x).shape() == ink::Shape{3, 1});
}

TEST_CASE("gan: one Adam with per-network step counts equals two Adams") {
    // The trainer shares one Adam between the networks and sets its step count to each network's
    // own before each update; a generator and a critic with their own Adams must end up identical.
    const Tensor real = uniform({4, 784}, 3, 0, 1), eps = uniform({4}, 4, 0, 1);
    const Tensor z1 = uniform({4, 10}, 5, -1, 1), z2 = uniform({4, 10}, 6, -1, 1);
    const ink::optim::AdamOptions opts{.lr = 1e-3, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-7};
    ink::Rng rng_a(9), rng_b(9);
    Gan<float> a(rng_a), b(rng_b);
    ink::optim::Adam<float> shared(a.named_parameters(), opts);
    ink::optim::Adam<float> critic_adam(b.critic.named_parameters(), opts), generator_adam(b.generator.named_parameters(), opts);
    const int critic_steps = 3;
    for (int it = 0; it < 3; ++it) {
        const Tensor fake = a.generator(ink::Var<float>(z1)).value().clone();
        for (int k = 0; k < critic_steps; ++k) {
            shared.set_steps(it * critic_steps + k);
            critic_step(a.critic, shared, Loss::wgan_gp, {}, real, fake, eps);
            critic_step(b.critic, critic_adam, Loss::wgan_gp, {}, real, fake, eps);
        }
        shared.set_steps(it);
        generator_step(a.generator, a.critic, shared, Loss::wgan_gp, z2);
        generator_step(b.generator, b.critic, generator_adam, Loss::wgan_gp, z2);
    }
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i)
        for (ink::index_t k = 0; k < pa[i].numel(); ++k) REQUIRE(pa[i].value()[k] == pb[i].value()[k]);
    CHECK(critic_adam.steps() == 3 * critic_steps);
}

TEST_CASE("gan: the generator step leaves the critic alone and its parameters trainable") {
    ink::Rng rng(2);
    Gan<float> g(rng);
    ink::optim::Adam<float> adam(g.named_parameters(), {.lr = 1e-2});
    const Tensor before = g.critic.parameters().front().value().clone();
    const Tensor g_before = g.generator.parameters().front().value().clone();
    for (const Loss loss : {Loss::wgan_gp, Loss::gan}) generator_step(g.generator, g.critic, adam, loss, uniform({5, 10}, 1, -1, 1));
    CHECK(std::equal(before.begin(), before.end(), g.critic.parameters().front().value().begin()));
    CHECK(!std::equal(g_before.begin(), g_before.end(), g.generator.parameters().front().value().begin()));
    for (const auto& p : g.critic.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("gan: the losses' signs (Su's for WGAN, the standard one for the GAN toy)") {
    const ink::Var<float> low(Tensor(ink::Shape{2, 1}, {-1, -3})), high(Tensor(ink::Shape{2, 1}, {2, 4}));
    // WGAN: the critic wants real scores low and fake ones high.
    CHECK(critic_loss(Loss::wgan_gp, low, high).item() == doctest::Approx(-2 - 3));
    CHECK(generator_loss(Loss::wgan_gp, high).item() == doctest::Approx(3));
    // GAN: logits of "real"; BCE(l, 1) = softplus(-l), BCE(l, 0) = softplus(l).
    const auto sp = [](double v) { return std::log1p(std::exp(v)); };
    CHECK(critic_loss(Loss::gan, high, low).item() == doctest::Approx((sp(-2) + sp(-4)) / 2 + (sp(-1) + sp(-3)) / 2));
    CHECK(generator_loss(Loss::gan, low).item() == doctest::Approx((sp(1) + sp(3)) / 2));
}

TEST_CASE("gan classifier: learns bars whose position is the class; features are 128-d") {
    // 10 classes of 28 x 28 images: a vertical bar at column 2 * class + 2.
    ink::data::LabeledImages d;
    const ink::index_t n = 400;
    ink::Rng noise(4);
    d.images = Tensor::uniform(ink::Shape{n, 784}, noise, 0.0f, 0.3f);
    d.labels = ink::Tensor<std::int32_t>::empty(ink::Shape{n});
    for (ink::index_t i = 0; i < n; ++i) {
        d.labels[i] = static_cast<std::int32_t>(i % 10);
        for (ink::index_t r = 0; r < 28; ++r) d.images(i, r * 28 + 2 * (i % 10) + 2) = 1.0f;
    }
    d.height = d.width = 28;
    ink::Rng rng(1);
    Classifier c(rng);
    std::vector<double> losses;
    train_classifier(c, d, 4, ink::Rng(2), [&](int, double loss) { losses.push_back(loss); });
    REQUIRE(losses.size() == 4);
    CHECK(losses.back() < losses.front() / 4);
    CHECK(classifier_accuracy(c, d) > 0.99);
    CHECK(classifier_features(c, d.images).shape() == ink::Shape{n, 128});
}
