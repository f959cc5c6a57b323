// SGD, Adam, AdamW, RMSprop: two steps checked against numbers worked out from each formula (see the
// header comments; computed in double precision), skipping, state and allocation behaviour.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

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

TEST_CASE("issue14.10 optimizers: every option is range-checked, naming it") {
    Var<double> p(Tensor<double>(Shape{2}), true);
    const double tiny = 1e-310;  // subnormal: a learning rate that silently does nothing
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    for (double lr : {-1.0, 0.0, tiny, nan, inf}) {
        CAPTURE(lr);
        CHECK_THROWS_WITH_AS(SGD<double>({p}, SGDOptions{.lr = lr}), doctest::Contains("SGD: lr = "), Error);
        CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.lr = lr}), doctest::Contains("Adam: lr = "), Error);
        CHECK_THROWS_WITH_AS(AdamW<double>({p}, AdamOptions{.lr = lr}), doctest::Contains("AdamW: lr = "), Error);
        CHECK_THROWS_WITH_AS(RMSprop<double>({p}, RMSpropOptions{.lr = lr}), doctest::Contains("RMSprop: lr = "), Error);
    }
    CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.lr = -1}),
                         doctest::Contains("Adam: lr = -1 is out of range: expected a finite number > 0"), Error);
    for (double fraction : {-0.1, 1.0, nan}) {
        CAPTURE(fraction);
        CHECK_THROWS_WITH_AS(SGD<double>({p}, SGDOptions{.momentum = fraction}), doctest::Contains("SGD: momentum = "),
                             Error);
        CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.beta1 = fraction}), doctest::Contains("Adam: beta1 = "), Error);
        CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.beta2 = fraction}), doctest::Contains("Adam: beta2 = "), Error);
        CHECK_THROWS_WITH_AS(RMSprop<double>({p}, RMSpropOptions{.rho = fraction}), doctest::Contains("RMSprop: rho = "),
                             Error);
    }
    CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.beta2 = 1}),
                         doctest::Contains("Adam: beta2 = 1 is out of range: expected [0, 1)"), Error);
    for (double eps : {0.0, -1e-8, tiny, nan}) {  // eps 0: a parameter with zero gradients would get 0/0
        CAPTURE(eps);
        CHECK_THROWS_WITH_AS(Adam<double>({p}, AdamOptions{.eps = eps}), doctest::Contains("Adam: eps = "), Error);
        CHECK_THROWS_WITH_AS(RMSprop<double>({p}, RMSpropOptions{.eps = eps}), doctest::Contains("RMSprop: eps = "), Error);
    }
    for (double decay : {-1e-4, nan, inf}) {
        CAPTURE(decay);
        CHECK_THROWS_WITH_AS(SGD<double>({p}, SGDOptions{.weight_decay = decay}), doctest::Contains("SGD: weight_decay = "),
                             Error);
        CHECK_THROWS_WITH_AS(AdamW<double>({p}, AdamOptions{.weight_decay = decay}),
                             doctest::Contains("AdamW: weight_decay = "), Error);
        CHECK_THROWS_WITH_AS(RMSprop<double>({p}, RMSpropOptions{.weight_decay = decay}),
                             doctest::Contains("RMSprop: weight_decay = "), Error);
    }
    // The edges that are valid: beta1 = 0 (WGAN-GP's Adam), no decay, a tiny but normal lr.
    CHECK_NOTHROW(Adam<double>({p}, AdamOptions{.lr = 1e-300, .beta1 = 0, .beta2 = 0.999, .eps = 1e-300}));
    CHECK_NOTHROW(SGD<double>({p}, SGDOptions{.lr = 1, .momentum = 0.999}));

    // set_lr and set_steps apply the same rules, and a refused value changes nothing.
    Adam<double> adam({p}, AdamOptions{.lr = 0.01});
    CHECK_THROWS_WITH_AS(adam.set_lr(0), doctest::Contains("Adam: lr = 0 is out of range"), Error);
    CHECK_THROWS_WITH_AS(adam.set_lr(-1), doctest::Contains("Adam: lr = -1 is out of range"), Error);
    CHECK(adam.lr() == 0.01);
    CHECK_THROWS_WITH_AS(adam.set_steps(-1), doctest::Contains("Adam: steps = -1 is out of range: expected 0 to"), Error);
    CHECK_THROWS_WITH_AS(adam.set_steps(std::numeric_limits<std::int64_t>::max()),
                         doctest::Contains("Adam: steps = 9223372036854775807 is out of range"), Error);
    CHECK(adam.steps() == 0);
    adam.set_steps(Optimizer<double>::kMaxSteps);
    p.grad() = Tensor<double>(Shape{2}, {1, -1});
    adam.step();  // the largest step count still steps, without overflow
    CHECK(adam.steps() == std::numeric_limits<std::int64_t>::max());
}
