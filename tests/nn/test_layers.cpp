// Embedding, Conv1d and GatedConv1d: shapes, values against naive loops, init, gradients.
#include <doctest/doctest.h>

#include <cmath>

#include "e2e/model_gradcheck.hpp"
#include "ink/nn/conv1d.hpp"
#include "ink/nn/embedding.hpp"
#include "ink/nn/gated_conv1d.hpp"
#include "ink/ops/reductions.hpp"
#include "support/check.hpp"

using namespace ink;

namespace {

// y[b, t, o] = bias[o] + sum_{k, c} x[b, t*stride + k*dilation - pad_left, c] w[k, c, o], zero outside.
Tensor<double> naive_conv(const Tensor<double>& x, const Tensor<double>& w, const Tensor<double>* bias,
                          index_t stride, index_t dilation, index_t pad_left, index_t lout) {
    const index_t B = x.dim(0), L = x.dim(1), C = x.dim(2), K = w.dim(0), O = w.dim(2);
    Tensor<double> y(Shape{B, lout, O});
    for (index_t b = 0; b < B; ++b)
        for (index_t t = 0; t < lout; ++t)
            for (index_t o = 0; o < O; ++o) {
                double s = bias ? (*bias)[o] : 0.0;
                for (index_t k = 0; k < K; ++k) {
                    const index_t u = t * stride + k * dilation - pad_left;
                    if (u < 0 || u >= L) continue;
                    for (index_t c = 0; c < C; ++c) s += x(b, u, c) * w(k, c, o);
                }
                y(b, t, o) = s;
            }
    return y;
}

Tensor<double> random_tensor(const Shape& s, std::uint64_t seed) {
    Rng rng(seed);
    return Tensor<double>::uniform(s, rng, -1.0, 1.0);
}

template <class M>
struct Wrap : nn::Module<double> {  // a root module so that gradients are checked by name
    M& inner;
    explicit Wrap(M& m) : inner(m) { register_module("layer", m); }
};

}  // namespace

TEST_CASE("Embedding: lookup, Keras init, gradient scatter-add") {
    Rng rng(1);
    nn::Embedding<double> emb(10, 4, rng);
    CHECK(emb.weight.shape() == Shape{10, 4});
    for (double v : emb.weight.value()) CHECK(std::abs(v) <= 0.05);
    CHECK(emb.named_parameters()[0].first == "weight");

    const Tensor<std::int32_t> ids(Shape{2, 3}, {3, 0, 3, 9, 1, 3});
    Var<double> y = emb(ids);
    REQUIRE(y.shape() == Shape{2, 3, 4});
    for (index_t i = 0; i < 6; ++i)
        for (index_t d = 0; d < 4; ++d) CHECK(y.value()[i * 4 + d] == emb.weight.value()(ids[i], d));
    sum(y).backward();
    CHECK(emb.weight.grad()(3, 0) == 3.0);  // id 3 appears three times
    CHECK(emb.weight.grad()(9, 2) == 1.0);
    CHECK(emb.weight.grad()(5, 1) == 0.0);

    nn::Embedding<float> normal(5, 2, rng, {.init = nn::Init::normal(0, 1)});
    CHECK(normal.embedding_dim() == 2);
    CHECK_THROWS_AS(emb(Tensor<std::int32_t>(Shape{1}, {10})), Error);
}

TEST_CASE("Conv1d: NLC layout, padding, stride, dilation, bias against a naive loop") {
    Rng rng(2);
    struct Case {
        Padding padding;
        index_t stride, dilation, kernel;
        bool bias;
    };
    for (const Case c : {Case{Padding::Valid, 1, 1, 3, true}, Case{Padding::Same, 1, 1, 3, false},
                         Case{Padding::Same, 2, 1, 4, true}, Case{Padding::Valid, 1, 2, 3, true},
                         Case{Padding::Same, 1, 3, 2, true}}) {
        CAPTURE(c.stride);
        CAPTURE(c.dilation);
        CAPTURE(c.kernel);
        nn::Conv1d<double> conv(3, 5, c.kernel, rng,
                                {.padding = c.padding, .stride = c.stride, .dilation = c.dilation}, {.bias = c.bias});
        CHECK(conv.weight.shape() == Shape{c.kernel, 3, 5});
        CHECK(conv.bias.defined() == c.bias);
        if (c.bias) conv.bias.value() = random_tensor(Shape{5}, 3);
        const Tensor<double> x = random_tensor(Shape{2, 9, 3}, 4);
        kernels::Conv1dParams p{.batch = 2, .length = 9, .channels_in = 3, .channels_out = 5, .kernel = c.kernel,
                                .stride = c.stride, .dilation = c.dilation};
        p.set_padding(c.padding);
        const Tensor<double> want = naive_conv(x, conv.weight.value(), c.bias ? &conv.bias.value() : nullptr,
                                               c.stride, c.dilation, p.pad_left, p.length_out());
        const Var<double> y = conv(Var<double>(x));
        REQUIRE(y.shape() == want.shape());
        if (c.padding == Padding::Same) CHECK(y.dim(1) == (9 + c.stride - 1) / c.stride);
        test::check_close(y.value().to_vector(), want.to_vector(), 1e-12, "conv1d");
    }
    // Glorot with the receptive field in the fans: limit sqrt(6 / (K Cin + K Cout)).
    nn::Conv1d<float> big(64, 128, 3, rng);
    const float limit = std::sqrt(6.0f / (3 * 64 + 3 * 128));
    float hi = 0;
    for (float v : big.weight.value()) hi = std::max(hi, std::abs(v));
    CHECK(hi <= limit);
    CHECK(hi > 0.99f * limit);
    CHECK_THROWS_AS(nn::Conv1d<float>(3, 0, 3, rng), Error);
}

TEST_CASE("Conv1d: gradients match central differences") {
    Rng rng(3);
    nn::Conv1d<double> conv(2, 3, 3, rng, {.padding = Padding::Same, .dilation = 2});
    conv.bias.value() = random_tensor(Shape{3}, 5);
    Wrap root(conv);
    const Var<double> x(random_tensor(Shape{2, 7, 2}, 6));
    const Var<double> target(random_tensor(Shape{2, 7, 3}, 7));
    test::check_model_gradients(root, [&] { return sum(square(conv(x) - target)); });
}

TEST_CASE("GatedConv1d: conv (K, C, 2C) 'same' without bias, a * sigmoid(b), residual") {
    Rng rng(4);
    nn::GatedConv1d<double> gcnn(4, rng);
    const auto named = gcnn.named_parameters();
    REQUIRE(named.size() == 1);
    CHECK(named[0].first == "conv.weight");
    CHECK(named[0].second.shape() == Shape{3, 4, 8});

    const Tensor<double> x = random_tensor(Shape{2, 5, 4}, 8);
    const Tensor<double> h = naive_conv(x, gcnn.conv.weight.value(), nullptr, 1, 1, 1, 5);
    const Var<double> y = gcnn(Var<double>(x));
    REQUIRE(y.shape() == Shape{2, 5, 4});
    std::vector<double> want(static_cast<std::size_t>(x.numel()));
    for (index_t r = 0; r < 10; ++r)
        for (index_t c = 0; c < 4; ++c)
            want[static_cast<std::size_t>(r * 4 + c)] =
                h[r * 8 + c] / (1 + std::exp(-h[r * 8 + 4 + c])) + x[r * 4 + c];
    test::check_close(y.value().to_vector(), want, 1e-12, "gcnn");

    nn::GatedConv1d<double> plain(4, rng, {.residual = false});
    plain.conv.weight.value().copy_from(gcnn.conv.weight.value());
    const Var<double> yp = plain(Var<double>(x));
    for (index_t i = 0; i < x.numel(); ++i)
        CHECK(yp.value()[i] == doctest::Approx(want[static_cast<std::size_t>(i)] - x[i]).epsilon(1e-12));

    Wrap root(gcnn);
    const Var<double> xv(x, true);
    test::check_model_gradients(root, [&] { return sum(square(gcnn(gcnn(xv)))); });
}
