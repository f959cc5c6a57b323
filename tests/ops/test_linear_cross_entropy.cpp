// ops/linear_cross_entropy.hpp: the fused output layer equals linear followed by cross_entropy, in
// value and in first and second-order gradients, for every reduction, with and without a bias.
#include <doctest/doctest.h>

#include "ink/ops/linear_cross_entropy.hpp"
#include "ops/op_check.hpp"

using namespace ink;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("linear_cross_entropy: gradients of first and second order, every reduction, bias or not") {
    const auto x = random_var({2, 3, 4}, 61, -1, 1);
    const auto w = random_var({4, 5}, 62, -1, 1);
    const auto b = random_var({5}, 63, -1, 1);
    const Tensor<std::int32_t> t(Shape{2, 3}, {0, 4, 1, 2, 2, 3});
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        CAPTURE(int(r));
        check_gradgrad([&](const V& v) { return linear_cross_entropy(v[0], v[1], v[2], t, r); }, {x, w, b});
        check_gradgrad([&](const V& v) { return linear_cross_entropy(v[0], v[1], Var<double>(), t, r); }, {x, w});
    }
}

TEST_CASE("linear_cross_entropy: equals linear + cross_entropy, values and gradients, on a large problem") {
    // Large enough to be split over threads: 96 rows of 3,000 classes.
    Rng rng(64);
    const Tensor<float> xv = Tensor<float>::uniform({32, 3, 16}, rng, -1.0f, 1.0f);
    const Tensor<float> wv = Tensor<float>::uniform({16, 3000}, rng, -0.5f, 0.5f);
    const Tensor<float> bv = Tensor<float>::uniform({3000}, rng, -0.5f, 0.5f);
    Tensor<std::int32_t> t = Tensor<std::int32_t>::empty({32, 3});
    for (auto& id : t) id = std::int32_t(rng.uniform_int(3000));

    auto run = [&](bool fused) {
        Var<float> x(xv.clone(), true), w(wv.clone(), true), b(bv.clone(), true);
        const Var<float> loss = fused ? linear_cross_entropy(x, w, b, t, Reduction::Sum) * 0.25f
                                      : cross_entropy(linear(x, w, b), t, Reduction::Sum) * 0.25f;
        loss.backward();
        return std::vector<Tensor<float>>{loss.value(), x.grad(), w.grad(), b.grad()};
    };
    const auto fused = run(true), plain = run(false);
    for (std::size_t k = 0; k < fused.size(); ++k) {
        CAPTURE(k);
        REQUIRE(fused[k].shape() == plain[k].shape());
        for (index_t i = 0; i < fused[k].numel(); ++i)
            REQUIRE(fused[k][i] == doctest::Approx(plain[k][i]).epsilon(1e-4).scale(1e-6));
    }
    // Without a graph, the value alone.
    CHECK(linear_cross_entropy(xv, wv, bv, t, Reduction::Sum).item() * 0.25f == doctest::Approx(fused[0].item()));
    CHECK_THROWS_WITH_AS(linear_cross_entropy(xv, wv, bv, Tensor<std::int32_t>(Shape{96})),
                         doctest::Contains("do not match"), Error);
}
