// Gradient checks of conv1d (first and second order, every padding mode, stride, dilation) and embedding.
#include <doctest/doctest.h>

#include "ops/op_check.hpp"

using namespace ink;
using test::check_grad;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("conv1d: gradients for padding modes, stride and dilation, with and without bias") {
    const Conv1dOptions cases[] = {
        {},                                                    // valid
        {.padding = Padding::Same},                   // the GCNN's 'same'
        {.padding = Padding::Same, .stride = 2},
        {.padding = Padding::Explicit, .dilation = 2, .pad_left = 2, .pad_right = 1},
    };
    for (const auto& o : cases) {
        CAPTURE(o.stride);
        CAPTURE(o.dilation);
        const auto x = random_var({2, 7, 3}, 41), w = random_var({3, 3, 4}, 42), b = random_var({4}, 43);
        check_gradgrad([o](const V& v) { return conv1d(v[0], v[1], v[2], o); }, {x, w, b});
        check_gradgrad([o](const V& v) { return conv1d(v[0], v[1], o); }, {x, w});
        // Second order through a non-linearity: d/dw of d/dx.
        check_gradgrad([o](const V& v) { return tanh(conv1d(v[0], v[1], o)); }, {x, w});
    }
}

TEST_CASE("conv1d: 'same' keeps the length; shape errors name both shapes") {
    const Tensor<float> x(Shape{2, 10, 64}), w(Shape{3, 64, 128});
    CHECK(conv1d(x, w, Tensor<float>(), {.padding = Padding::Same}).shape() == Shape{2, 10, 128});
    CHECK(conv1d(x, w).shape() == Shape{2, 8, 128});
    CHECK_THROWS_WITH_AS(conv1d(x, Tensor<float>(Shape{3, 32, 128})),
                         doctest::Contains("conv1d: shapes [2, 10, 64] and [3, 32, 128] do not match"), Error);
    CHECK_THROWS_WITH_AS(conv1d(x, w, Tensor<float>(Shape{64})), doctest::Contains("bias shape [64]"), Error);
    // A value: x = [1, 2, 3] with one channel, w = [1, 10] -> valid outputs [21, 32].
    const Tensor<float> y = conv1d(Tensor<float>(Shape{1, 3, 1}, {1, 2, 3}), Tensor<float>(Shape{2, 1, 1}, {1, 10}));
    CHECK(y.to_vector() == std::vector<float>{21, 32});
}

TEST_CASE("embedding: gradients (repeated ids accumulate), values and bad ids") {
    const Tensor<std::int32_t> ids(Shape{2, 3}, {0, 2, 2, 4, 0, 1});
    check_gradgrad([&](const V& v) { return embedding(v[0], ids); }, {random_var({5, 3}, 44)});
    check_gradgrad([&](const V& v) { return square(embedding(v[0], ids)); }, {random_var({5, 3}, 45)});
    const Tensor<float> table(Shape{3, 2}, {1, 2, 3, 4, 5, 6});
    const Tensor<float> y = embedding(table, Tensor<std::int32_t>(Shape{2}, {2, 0}));
    CHECK(y.shape() == Shape{2, 2});
    CHECK(y.to_vector() == std::vector<float>{5, 6, 1, 2});
    CHECK_THROWS_WITH_AS(embedding(table, Tensor<std::int32_t>(Shape{2}, {1, 3})),
                         doctest::Contains("id 3 at position 1"), Error);
    Var<float> t(table, true);
    sum(embedding(t, Tensor<std::int32_t>(Shape{3}, {1, 1, 2}))).backward();
    CHECK(t.grad().to_vector() == std::vector<float>{0, 0, 2, 2, 1, 1});
}
