// Module names, moving modules, initialisers, Linear, activations and Sequential.
#include <doctest/doctest.h>

#include <cmath>

#include "ink/nn/activation.hpp"
#include "ink/nn/linear.hpp"
#include "ink/nn/sequential.hpp"
#include "ink/ops/reductions.hpp"
#include "ink/optim/sgd.hpp"
#include "support/check.hpp"

using namespace ink;

namespace {

struct Encoder : nn::Module<float> {
    nn::Linear<float> fc1, fc2;
    Encoder(Rng& rng) : fc1(3, 4, rng), fc2(4, 2, rng, {.bias = false}) {
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }
};
struct Model : nn::Module<float> {
    Encoder encoder;
    Var<float> scale;
    Model(Rng& rng) : encoder(rng) {
        register_module("encoder", encoder);
        scale = register_parameter("scale", Tensor<float>::ones(Shape{1}));
    }
};

}  // namespace

TEST_CASE("Module: nested names, parameter lists, zero_grad") {
    Rng rng(0);
    Model m(rng);
    const auto named = m.named_parameters();
    REQUIRE(named.size() == 4);
    CHECK(named[0].first == "scale");
    CHECK(named[1].first == "encoder.fc1.weight");
    CHECK(named[2].first == "encoder.fc1.bias");
    CHECK(named[3].first == "encoder.fc2.weight");
    CHECK(named[1].second.node() == m.encoder.fc1.weight.node());  // shared handles, not copies
    CHECK(m.parameters().size() == 4);
    CHECK(m.num_parameters() == 1 + 12 + 4 + 8);
    CHECK(named[1].second.requires_grad());

    m.encoder.fc1.weight.grad() = Tensor<float>::ones(Shape{3, 4});
    m.zero_grad();
    CHECK_FALSE(m.encoder.fc1.weight.grad().defined());

    struct Bad : nn::Module<float> {
        void add(const std::string& n) { register_parameter(n, Tensor<float>(Shape{1})); }
    } bad;
    bad.add("w");
    CHECK_THROWS_WITH_AS(bad.add("w"), doctest::Contains("already used"), Error);
    CHECK_THROWS_WITH_AS(bad.add("a.b"), doctest::Contains("invalid name 'a.b'"), Error);
    CHECK_THROWS_AS(bad.add(""), Error);
}

namespace {

// Each registered name with its node, and whether that node is the one the member now holds.
void check_registry_is_the_members(const Model& m) {
    const auto named = m.named_parameters();
    REQUIRE(named.size() == 4);
    CHECK(named[0].first == "scale");
    CHECK(named[0].second.node() == m.scale.node());
    CHECK(named[1].first == "encoder.fc1.weight");
    CHECK(named[1].second.node() == m.encoder.fc1.weight.node());
    CHECK(named[2].second.node() == m.encoder.fc1.bias.node());
    CHECK(named[3].first == "encoder.fc2.weight");
    CHECK(named[3].second.node() == m.encoder.fc2.weight.node());
}

// The squared output of the encoder on a fixed input: a loss whose gradient reaches its weights.
Var<float> square_loss(const Model& m) {
    const Var<float> x(Tensor<float>::ones(Shape{2, 3}));
    return sum(square(m.encoder.fc2(m.encoder.fc1(x))));
}

}  // namespace

TEST_CASE("Module: a moved module keeps its registry; it is the moved members that train") {
    Rng rng(3);
    Model original(rng);
    const std::vector<float> before = original.encoder.fc1.weight.value().to_vector();
    optim::SGD<float> sgd(original.named_parameters(), {.lr = 0.1});  // built before the move

    Model moved(std::move(original));
    check_registry_is_the_members(moved);
    CHECK(original.named_parameters().empty());  // NOLINT: the moved-from module lists nothing

    std::vector<Model> many;  // growing a vector moves its modules
    for (int i = 0; i < 5; ++i) many.emplace_back(rng);
    for (const Model& m : many) check_registry_is_the_members(m);

    Rng other(9);
    Model assigned(other);
    assigned = std::move(moved);
    check_registry_is_the_members(assigned);
    CHECK(assigned.encoder.fc1.weight.value().to_vector() == before);

    // The optimizer holds the same nodes, so a step after the move updates the moved-to members.
    sgd.zero_grad();
    square_loss(assigned).backward();
    REQUIRE(assigned.encoder.fc1.weight.grad().defined());
    sgd.step();
    CHECK(assigned.encoder.fc1.weight.value().to_vector() != before);
    CHECK(assigned.named_parameters()[1].second.value().to_vector() == assigned.encoder.fc1.weight.value().to_vector());

    nn::Sequential<float> seq;
    seq.emplace<nn::Linear<float>>(3, 2, rng);
    seq.emplace<nn::Tanh<float>>();
    const auto seq_names = seq.named_parameters();
    nn::Sequential<float> seq_moved(std::move(seq));
    const auto moved_names = seq_moved.named_parameters();
    REQUIRE(moved_names.size() == 2);
    CHECK(moved_names[0].first == "0.weight");
    CHECK(moved_names[0].second.node() == seq_names[0].second.node());
    CHECK(seq_moved(Var<float>(Tensor<float>::ones(Shape{1, 3}))).shape() == Shape{1, 2});
}

TEST_CASE("Init: Glorot-uniform limits, uniform, normal, zeros; reproducible from the seed") {
    Rng rng(42);
    Tensor<float> w = nn::Init::glorot_uniform().make<float>(Shape{3, 64, 128}, 3 * 64, 3 * 128, rng);
    const float limit = std::sqrt(6.0f / (3 * 64 + 3 * 128));
    float lo = 1, hi = -1;
    for (float v : w) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(lo >= -limit);
    CHECK(hi <= limit);
    CHECK(hi > 0.98f * limit);  // 24k draws reach the ends
    CHECK(lo < -0.98f * limit);

    Rng a(7), b(7);
    CHECK(nn::Init::uniform(0.05).make<double>(Shape{10}, 0, 0, a).to_vector() ==
          nn::Init::uniform(0.05).make<double>(Shape{10}, 0, 0, b).to_vector());
    Tensor<double> u = nn::Init::uniform(0.05).make<double>(Shape{1000}, 0, 0, a);
    for (double v : u) CHECK((v >= -0.05 && v < 0.05));

    Tensor<double> n = nn::Init::normal(1.0, 2.0).make<double>(Shape{20000}, 0, 0, a);
    double mean = 0, var = 0;
    for (double v : n) mean += v / 20000;
    for (double v : n) var += (v - mean) * (v - mean) / 20000;
    CHECK(mean == doctest::Approx(1.0).epsilon(0.05));
    CHECK(std::sqrt(var) == doctest::Approx(2.0).epsilon(0.03));
    CHECK(nn::Init::zeros().make<float>(Shape{4}, 1, 1, a).to_vector() == std::vector<float>(4, 0.0f));
    CHECK_THROWS_AS(nn::Init::uniform(-1), Error);
}

TEST_CASE("Linear: Keras layout and init, forward and gradients") {
    Rng rng(5);
    nn::Linear<double> fc(3, 2, rng);
    CHECK(fc.weight.shape() == Shape{3, 2});
    CHECK(fc.bias.value().to_vector() == std::vector<double>{0, 0});
    const double limit = std::sqrt(6.0 / 5);
    for (double v : fc.weight.value()) CHECK(std::abs(v) <= limit);

    fc.bias.value() = Tensor<double>(Shape{2}, {0.5, -1});
    // x (2, 2, 3): Linear acts on the last dimension.
    Var<double> x(Tensor<double>(Shape{2, 2, 3}, {1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 2, 2}), true);
    Var<double> y = fc(x);
    REQUIRE(y.shape() == Shape{2, 2, 2});
    const auto& W = fc.weight.value();
    for (index_t r = 0; r < 4; ++r)
        for (index_t o = 0; o < 2; ++o) {
            double want = fc.bias.value()[o];
            for (index_t i = 0; i < 3; ++i) want += x.value()[r * 3 + i] * W(i, o);
            CHECK(y.value()[r * 2 + o] == doctest::Approx(want).epsilon(1e-12));
        }
    // d sum(y) / dW[i, o] = sum over rows of x[r, i]; d / db = number of rows; d / dx = row sums of W.
    sum(y).backward();
    for (index_t i = 0; i < 3; ++i) {
        double col = 0;
        for (index_t r = 0; r < 4; ++r) col += x.value()[r * 3 + i];
        CHECK(fc.weight.grad()(i, 0) == doctest::Approx(col));
        CHECK(fc.weight.grad()(i, 1) == doctest::Approx(col));
        CHECK(x.grad()[i] == doctest::Approx(W(i, 0) + W(i, 1)));
    }
    CHECK(fc.bias.grad().to_vector() == std::vector<double>{4, 4});

    nn::Linear<float> nobias(4, 4, rng, {.bias = false, .weight_init = nn::Init::zeros()});
    CHECK_FALSE(nobias.bias.defined());
    CHECK(nobias.named_parameters().size() == 1);
    CHECK_THROWS_AS(nn::Linear<float>(0, 3, rng), Error);
}

TEST_CASE("Sequential and activations") {
    Rng rng(9);
    nn::Sequential<double> mlp;
    auto& fc1 = mlp.emplace<nn::Linear<double>>(2, 3, rng);
    mlp.emplace<nn::ReLU<double>>();
    auto& fc2 = mlp.emplace<nn::Linear<double>>(3, 1, rng);
    mlp.emplace<nn::Sigmoid<double>>();
    CHECK(mlp.size() == 4);
    const auto named = mlp.named_parameters();
    REQUIRE(named.size() == 4);
    CHECK(named[0].first == "0.weight");
    CHECK(named[3].first == "2.bias");

    Var<double> x(Tensor<double>(Shape{2, 2}, {0.3, -0.7, 1.5, 0.2}));
    const Var<double> want = sigmoid(fc2(relu(fc1(x))));
    test::check_close(mlp(x).value().to_vector(), want.value().to_vector(), 1e-15, "Sequential");

    Var<double> v(Tensor<double>(Shape{3}, {-2, 0.5, 3}));
    CHECK(nn::Tanh<double>()(v).value()[2] == doctest::Approx(std::tanh(3.0)));
    CHECK(nn::LeakyReLU<double>(0.3)(v).value()[0] == doctest::Approx(-0.6));
    CHECK(nn::LeakyReLU<double>()(v).value()[0] == doctest::Approx(-0.02));
    CHECK(nn::ReLU<double>()(v).value()[0] == 0);
}
