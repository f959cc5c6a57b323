// SGD, Adam, AdamW, RMSprop: two steps checked against numbers worked out from each formula (see the
// header comments; computed in double precision), skipping, state and allocation behaviour.
#include <doctest/doctest.h>

#include "ink/optim.hpp"
#include "support/check.hpp"

using namespace ink;
using namespace ink::optim;

namespace {

// One parameter p0 = [0.5, -1.5], gradients g1 = [0.1, -0.2] then g2 = [-0.3, 0.4]; `want` holds the
// parameter after step 1 and after step 2.
template <class Opt, class Options>
void check_two_steps(Options o, std::vector<double> want1, std::vector<double> want2) {
    Var<double> p(Tensor<double>(Shape{2}, {0.5, -1.5}), true);
    Opt opt({{"p", p}}, o);
    p.grad() = Tensor<double>(Shape{2}, {0.1, -0.2});
    opt.step();
    test::check_close(p.value().to_vector(), want1, 1e-14, std::string(opt.name()) + " step 1");
    p.grad() = Tensor<double>(Shape{2}, {-0.3, 0.4});
    opt.step();
    test::check_close(p.value().to_vector(), want2, 1e-14, std::string(opt.name()) + " step 2");
    CHECK(opt.steps() == 2);
}

}  // namespace

TEST_CASE("SGD: plain, with momentum and weight decay, Nesterov") {
    // p -= 0.1 * g: 0.5 - 0.01 = 0.49, then 0.49 + 0.03 = 0.52.
    check_two_steps<SGD<double>>(SGDOptions{.lr = 0.1}, {0.49, -1.48}, {0.52, -1.52});
    // g = grad + 0.01 p; b = 0.9 b + g; p -= 0.1 b.
    // step 1: g = 0.1 + 0.005 = 0.105, b = 0.105, p = 0.4895.
    // step 2: g = -0.3 + 0.004895 = -0.295105, b = 0.0945 - 0.295105 = -0.200605, p = 0.5095605.
    check_two_steps<SGD<double>>(SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01},
                                 {0.4895, -1.4785}, {0.5095605, -1.4976715});
    // Nesterov: p -= 0.1 (g + 0.9 b). step 1: b = 0.1, p = 0.5 - 0.1 * 0.19 = 0.481.
    // step 2: b = 0.09 - 0.3 = -0.21, p = 0.481 - 0.1 * (-0.3 - 0.189) = 0.5299.
    check_two_steps<SGD<double>>(SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true}, {0.481, -1.462},
                                 {0.5299, -1.5218});
    Var<double> p(Tensor<double>(Shape{1}), true);
    CHECK_THROWS_AS(SGD<double>({p}, SGDOptions{.nesterov = true}), Error);
}

TEST_CASE("Adam and AdamW: PyTorch's formula") {
    // Step 1: m_hat = g and v_hat = g^2, so p -= lr * g / (|g| + eps): 0.5 - 0.01 * 0.1 / (0.1 + 1e-8).
    // Step 2: m = 0.9 * 0.01 - 0.03 = -0.021, v = 0.999e-5 + 0.9e-4 = 9.999e-5 (first element),
    //         p -= 0.01 / 0.19 * m / (sqrt(v) / sqrt(1 - 0.999^2) + 1e-8).
    check_two_steps<Adam<double>>(AdamOptions{.lr = 0.01}, {0.49000000099999991, -1.4900000005},
                                  {0.49494189911200653, -1.4936610356546038});
    // L2 in the gradient: g = grad + 0.1 p.
    check_two_steps<Adam<double>>(AdamOptions{.lr = 0.01, .weight_decay = 0.1},
                                  {0.4900000006666666, -1.4900000002857143},
                                  {0.49295244907868235, -1.4888938781737724});
    // Decoupled: p *= 1 - 0.01 * 0.1 before the Adam step on the raw gradient.
    check_two_steps<AdamW<double>>(AdamOptions{.lr = 0.01, .weight_decay = 0.1},
                                   {0.48950000099999991, -1.4885000005},
                                   {0.49395239911100652, -1.4906725356541037});
    Var<float> p(Tensor<float>(Shape{1}), true);
    CHECK(AdamW<float>({p}).options().weight_decay == 1e-2);
    CHECK(std::string(AdamW<float>({p}).name()) == "AdamW");
    CHECK_THROWS_AS(Adam<float>({p}, AdamOptions{.beta1 = 1.0}), Error);
}

TEST_CASE("RMSprop: Keras defaults, eps outside the square root") {
    const RMSpropOptions defaults;
    CHECK(defaults.lr == 1e-3);
    CHECK(defaults.rho == 0.9);
    CHECK(defaults.eps == 1e-7);
    // Step 1: v = 0.1 g^2, p -= 0.01 g / (sqrt(0.1) |g| + 1e-7) = 0.5 - 0.01 / (sqrt(0.1) + 1e-6).
    // Step 2: v = 0.9 * 0.001 + 0.1 * 0.09 = 0.0099, p -= 0.01 * (-0.3) / (sqrt(0.0099) + 1e-7).
    check_two_steps<RMSprop<double>>(RMSpropOptions{.lr = 0.01}, {0.46837732339799998, -1.4683772733982372},
                                     {0.49852842755277649, -1.4969486815615172});
}

TEST_CASE("optimizers: parameters without a gradient are skipped; zero_grad drops gradients") {
    Var<float> a(Tensor<float>(Shape{2}, {1, 2}), true), b(Tensor<float>(Shape{3}, {1, 2, 3}), true);
    Adam<float> opt(NamedParameters<float>{{"a", a}, {"b", b}});
    a.grad() = Tensor<float>(Shape{2}, {1, 1});
    opt.step();
    CHECK(a.value()[0] < 1);
    CHECK(b.value().to_vector() == std::vector<float>{1, 2, 3});
    CHECK(opt.state()[1].first == "b.exp_avg");
    CHECK(opt.state()[1].second.to_vector() == std::vector<float>{0, 0, 0});
    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
    b.grad() = Tensor<float>(Shape{2});
    CHECK_THROWS_WITH_AS(opt.step(), doctest::Contains("the gradient of 'b' has shape [2]"), Error);
}

TEST_CASE("optimizers: restoring state() and steps() continues the same trajectory") {
    // Steps [from, to) with gradients that depend on the step only.
    auto run = [](Optimizer<double>& opt, Var<double>& p, int from, int to) {
        for (int s = from; s < to; ++s) {
            p.grad() = Tensor<double>(Shape{2}, {std::sin(s + 1.0), std::cos(s * 2.0)});
            opt.step();
        }
    };
    Var<double> p(Tensor<double>(Shape{2}, {0.3, 0.7}), true);
    Adam<double> adam({{"w", p}});
    run(adam, p, 0, 5);
    // A copy of everything a checkpoint holds, then 3 more steps.
    const Tensor<double> saved_p = p.value().clone();
    std::vector<Tensor<double>> saved;
    for (const auto& [name, t] : adam.state()) saved.push_back(t.clone());
    run(adam, p, 5, 8);

    Var<double> q(saved_p.clone(), true);
    Adam<double> resumed({{"w", q}});
    CHECK(resumed.state()[0].first == "w.exp_avg");
    CHECK(resumed.state()[1].first == "w.exp_avg_sq");
    std::size_t k = 0;
    for (auto& [name, t] : resumed.state()) t.copy_from(saved[k++]);
    resumed.set_steps(5);
    run(resumed, q, 5, 8);
    CHECK(q.value().to_vector() == p.value().to_vector());

    Var<double> r(Tensor<double>(Shape{2}), true);
    RMSprop<double> rms({r});
    CHECK(rms.state().size() == 1);
    CHECK(rms.state()[0].first == "0.square_avg");
    CHECK_THROWS_AS(rms.set_steps(-1), Error);
}

TEST_CASE("optimizers: a step allocates nothing") {
    Var<float> w(Tensor<float>(Shape{64, 64}), true), b(Tensor<float>(Shape{64}), true);
    w.grad() = Tensor<float>::full(Shape{64, 64}, 0.5f);
    b.grad() = Tensor<float>::full(Shape{64}, -0.5f);
    SGD<float> sgd({w, b}, SGDOptions{.lr = 0.1, .momentum = 0.9});
    AdamW<float> adamw({w, b});
    RMSprop<float> rms({w, b});
    sgd.step();
    const auto before = memory_stats();
    for (int i = 0; i < 3; ++i) {
        sgd.step();
        adamw.step();
        rms.step();
    }
    const auto after = memory_stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits == before.cache_hits);
}
