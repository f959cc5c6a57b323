// The GAN example's gradient penalty (examples/gan/model.hpp): its gradient with respect to the
// critic's weights against finite differences, the one-sided hinge, and the per-sample norm.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "../../examples/gan/model.hpp"
#include "ink/optim/adam.hpp"

using namespace gan;
using D = double;
using VarD = ink::Var<D>;
using TensorD = ink::Tensor<D>;

namespace {

TensorD uniform(const ink::Shape& s, std::uint64_t seed, D lo, D hi) {
    ink::Rng rng(seed);
    return TensorD::uniform(s, rng, lo, hi);
}

// The penalty's value at x_hat (no graph needed).
D penalty_value(const Critic<D>& critic, const TensorD& x_hat, Penalty kind, D lambda) {
    return gradient_penalty(critic, x_hat, kind, lambda).item();
}

// Sets a tiny critic's weights: W1 (in, h1), W2 (h1, h2), W3 (h2, 1), biases zero.
void set_weights(Critic<D>& c, const std::vector<TensorD>& w) {
    const auto params = c.named_parameters();  // dense1.weight, dense1.bias, dense2.weight, ...
    for (std::size_t i = 0; i < params.size(); ++i) {
        TensorD v = params[i].second.value();
        if (i % 2 == 0) v.copy_from(w[i / 2]);
        else v.fill(0);
    }
}

}  // namespace

TEST_CASE("gan: the penalty's gradient with respect to every critic weight matches finite differences") {
    for (const Penalty kind : {Penalty::one_sided, Penalty::two_sided}) {
        CAPTURE(static_cast<int>(kind));
        ink::Rng rng(5);
        Critic<D> critic(rng, {6, 5, 4, 1});
        // Weights of +-0.05 give |g| << 1, where the one-sided penalty is flat: scale them up so that
        // the samples' norms straddle 1.
        ink::Rng weights(7);
        for (auto& p : critic.parameters()) weights.fill_uniform(p.value().data(), p.numel(), -1.5, 1.5);
        const TensorD real = uniform({8, 6}, 11, 0, 1), fake = uniform({8, 6}, 12, 0, 1), eps = uniform({8}, 13, 0, 1);
        const TensorD x_hat = interpolate(real, fake, eps);  // norms of g from about 0.5 to 1.2

        const VarD p = gradient_penalty(critic, x_hat, kind, D(10));
        CHECK(p.item() > 0);
        critic.zero_grad();
        p.backward();
        int nonzero = 0;
        for (auto& named : critic.named_parameters()) {
            const std::string& name = named.first;  // not a structured binding: CAPTURE is a lambda
            auto& w = named.second;
            CAPTURE(name);
            for (ink::index_t k = 0; k < w.numel(); ++k) {
                const D saved = w.value()[k], h = 1e-6;
                w.value()[k] = saved + h;
                const D plus = penalty_value(critic, x_hat, kind, 10);
                w.value()[k] = saved - h;
                const D minus = penalty_value(critic, x_hat, kind, 10);
                w.value()[k] = saved;
                const D numeric = (plus - minus) / (2 * h), analytic = w.grad().defined() ? w.grad()[k] : 0.0;
                CHECK(analytic == doctest::Approx(numeric).epsilon(1e-5).scale(1e-3));
                nonzero += std::abs(analytic) > 1e-8;
            }
        }
        CHECK(nonzero > 20);  // the weights get a gradient (the biases of a ReLU net get none: g ignores them)
    }
}

TEST_CASE("gan: one-sided, samples with |g| < 1 add nothing; two-sided, they are pulled up to 1") {
    // A critic 2 -> 2 -> 2 -> 1 with W1 = W2 = I and W3 = (s, s): D(x) = s (x1 + x2) where both
    // coordinates are positive, so g = (s, s); where x2 < 0 the ReLUs drop it and g = (s, 0).
    const D s = 0.9;
    ink::Rng rng(1);
    Critic<D> critic(rng, {2, 2, 2, 1});
    const TensorD eye(ink::Shape{2, 2}, {1, 0, 0, 1});
    set_weights(critic, {eye, eye, TensorD(ink::Shape{2, 1}, {s, s})});
    const TensorD steep(ink::Shape{1, 2}, {0.5, 0.7});   // |g| = s sqrt(2) = 1.273
    const TensorD flat(ink::Shape{1, 2}, {0.5, -0.7});   // |g| = s = 0.9
    const TensorD both(ink::Shape{2, 2}, {0.5, 0.7, 0.5, -0.7});
    const D lambda = 10, big = s * std::sqrt(2.0) - 1, small = s - 1;

    CHECK(penalty_value(critic, flat, Penalty::one_sided, lambda) == doctest::Approx(0));
    CHECK(penalty_value(critic, steep, Penalty::one_sided, lambda) == doctest::Approx(lambda * big));
    CHECK(penalty_value(critic, both, Penalty::one_sided, lambda) == doctest::Approx(lambda * big / 2));
    CHECK(penalty_value(critic, both, Penalty::two_sided, lambda) ==
          doctest::Approx(lambda * (big * big + small * small) / 2));

    // The gradient: the flat sample contributes none, so the batch's is half the steep sample's alone.
    auto weight_grads = [&](const TensorD& x, Penalty kind) {
        critic.zero_grad();
        gradient_penalty(critic, x, kind, lambda).backward();
        std::vector<D> g;
        for (const auto& p : critic.parameters())
            for (ink::index_t k = 0; k < p.numel(); ++k) g.push_back(p.grad().defined() ? p.grad()[k] : 0.0);
        return g;
    };
    const std::vector<D> g_flat = weight_grads(flat, Penalty::one_sided), g_steep = weight_grads(steep, Penalty::one_sided),
                         g_both = weight_grads(both, Penalty::one_sided), g_flat2 = weight_grads(flat, Penalty::two_sided);
    D flat_norm = 0, flat2_norm = 0;
    for (std::size_t i = 0; i < g_both.size(); ++i) {
        flat_norm += std::abs(g_flat[i]);
        flat2_norm += std::abs(g_flat2[i]);
        CHECK(g_both[i] == doctest::Approx(g_steep[i] / 2));
    }
    CHECK(flat_norm == 0);
    CHECK(flat2_norm > 0.1);  // the two-sided penalty pushes |g| = 0.9 up towards 1
}

TEST_CASE("gan: the norm is over all of a sample's dimensions, not one axis, and not the whole batch") {
    // Samples of shape (2, 2), a critic D(x) = w . flatten(x) with every w = 0.6 (positive inputs keep
    // the ReLUs open): |g| over the sample's 4 values is 1.2, over one row 0.6 sqrt(2) = 0.85 < 1, and
    // over the whole batch of 2 samples 1.2 sqrt(2) = 1.70.
    ink::Rng rng(1);
    Critic<D> flat(rng, {4, 1, 1, 1});
    set_weights(flat, {TensorD::full({4, 1}, 0.6), TensorD::full({1, 1}, 1), TensorD::full({1, 1}, 1)});
    const auto critic = [&](const VarD& x) { return flat(ink::reshape(x, {x.dim(0), 4})); };
    const TensorD x = uniform({2, 2, 2}, 3, 0.1, 1);
    const D lambda = 10;
    const D p = gradient_penalty(critic, x, Penalty::one_sided, lambda).item();
    CHECK(p == doctest::Approx(lambda * (1.2 - 1)));
    CHECK(p != doctest::Approx(0));                                       // per row: both norms < 1
    CHECK(p != doctest::Approx(lambda * (1.2 * std::sqrt(2.0) - 1)));     // whole batch
    CHECK(gradient_penalty(critic, x, Penalty::two_sided, lambda).item() == doctest::Approx(lambda * 0.2 * 0.2));
}

TEST_CASE("gan: interpolates are per-sample mixtures of real and fake") {
    const TensorD real(ink::Shape{2, 3}, {1, 1, 1, 2, 2, 2}), fake(ink::Shape{2, 3}, {0, 0, 0, 4, 4, 4});
    const TensorD x = interpolate(real, fake, TensorD(ink::Shape{2}, {0.25, 1.0}));
    CHECK(x(0, 2) == doctest::Approx(0.25));
    CHECK(x(1, 0) == doctest::Approx(2));
    CHECK_THROWS_AS(interpolate(real, fake, TensorD(ink::Shape{3})), ink::Error);
}
