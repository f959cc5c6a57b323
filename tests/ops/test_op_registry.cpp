// The op registry (in the style of ggml's test-backend-ops): one table with a case for every kind of
// graph node in ink/autograd/node_kinds.hpp, each checked by finite differences in double
// (gradcheck, which also differentiates twice through a retained graph) and, where the op can sit under
// a gradient penalty, by gradgradcheck. The test fails for a node kind that has no case, and for a
// case whose graph (or its create_graph gradient's graph) does not contain a node of its kind.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "ops/op_check.hpp"

using namespace ink;
using test::random_var;
using V = std::vector<Var<double>>;

namespace {

struct OpCase {
    NodeKind kind;
    testing::Function f;
    V inputs;
    bool gradgrad = true;  // false where a second derivative is not defined or not needed
};

const Tensor<std::int32_t> ids(Shape{2, 3}, {0, 4, 1, 2, 2, 3});  // class targets and embedding ids

// Gradient of <u, f(v)> with respect to v[which], itself as a differentiable function (for the kinds
// that appear only in create_graph gradients: backward-data, gradient sums, constant gradients).
Var<double> gradient_of(const testing::Function& f, const V& v, std::size_t which) {
    const Var<double> y = f(v);
    const Var<double> s = sum(y * Var<double>(Tensor<double>::ones(y.shape())));
    return grad(std::vector{s}, std::vector{v[which]}, {.create_graph = true})[0];
}

std::vector<OpCase> op_table() {
    const auto x23 = [](std::uint64_t seed) { return random_var({2, 3}, seed); };
    const auto pos23 = [](std::uint64_t seed) { return random_var({2, 3}, seed, 0.5, 1.5); };
    const Conv1dOptions conv{.padding = Padding::Same, .stride = 2, .dilation = 1};
    const auto conv_f = [conv](const V& v) { return conv1d(v[0], v[1], v[2], conv); };
    const auto x = random_var({2, 5, 2}, 40), w = random_var({3, 2, 3}, 41), b = random_var({3}, 42);
    return {
        {NodeKind::gradient_sum, [](const V& v) { return gradient_of([](const V& u) { return u[0] * u[0] * u[1]; }, v, 0); },
         {x23(1), x23(2)}},
        {NodeKind::constant_gradient,
         [](const V& v) { return gradient_of([](const V& u) { return relu(u[0]); }, v, 0) * v[0]; }, {x23(3)}},
        {NodeKind::add, [](const V& v) { return v[0] + v[1]; }, {x23(4), random_var({3}, 5)}},
        {NodeKind::sub, [](const V& v) { return v[0] - v[1]; }, {random_var({2, 1}, 6), x23(7)}},
        {NodeKind::mul, [](const V& v) { return v[0] * v[1]; }, {x23(8), random_var({1, 3}, 9)}},
        {NodeKind::div, [](const V& v) { return v[0] / v[1]; }, {x23(10), pos23(11)}},
        {NodeKind::neg, [](const V& v) { return -v[0]; }, {x23(12)}},
        {NodeKind::scale, [](const V& v) { return v[0] * 2.5; }, {x23(13)}},
        {NodeKind::add_scalar, [](const V& v) { return v[0] + 1.5; }, {x23(14)}},
        {NodeKind::exp, [](const V& v) { return exp(v[0]); }, {x23(15)}},
        {NodeKind::log, [](const V& v) { return log(v[0]); }, {pos23(16)}},
        {NodeKind::sqrt, [](const V& v) { return sqrt(v[0]); }, {pos23(17)}},
        {NodeKind::square, [](const V& v) { return square(v[0]); }, {x23(18)}},
        {NodeKind::pow, [](const V& v) { return pow(v[0], 2.5); }, {pos23(19)}},
        {NodeKind::sigmoid, [](const V& v) { return sigmoid(v[0]); }, {x23(20)}},
        {NodeKind::tanh, [](const V& v) { return tanh(v[0]); }, {x23(21)}},
        {NodeKind::relu, [](const V& v) { return relu(v[0]); }, {x23(22)}},
        {NodeKind::leaky_relu, [](const V& v) { return leaky_relu(v[0], 0.2); }, {x23(23)}},
        {NodeKind::softplus, [](const V& v) { return softplus(v[0]); }, {x23(24)}},
        {NodeKind::glu, [](const V& v) { return glu(v[0]); }, {random_var({2, 4}, 25)}},
        {NodeKind::broadcast_to, [](const V& v) { return broadcast_to(v[0], Shape{2, 2, 3}); }, {random_var({2, 1, 3}, 26)}},
        {NodeKind::sum_to, [](const V& v) { return sum_to(v[0], Shape{1, 3}); }, {x23(27)}},
        {NodeKind::sum, [](const V& v) { return sum(v[0], 1) * sum(v[0]); }, {x23(28)}},
        {NodeKind::reshape, [](const V& v) { return reshape(v[0], {3, 2}) * v[1]; }, {x23(29), random_var({3, 2}, 30)}},
        {NodeKind::transpose, [](const V& v) { return transpose(v[0]); }, {x23(31)}},
        {NodeKind::slice, [](const V& v) { return slice(v[0], 1, 1, 3); }, {x23(32)}},
        {NodeKind::pad, [](const V& v) { return pad(v[0], Shape{2, 5}, 1, 1); }, {x23(33)}},
        {NodeKind::concat, [](const V& v) { return concat({v[0], v[1]}, 0); }, {x23(34), random_var({1, 3}, 35)}},
        {NodeKind::matmul, [](const V& v) { return matmul(v[0], v[1]); }, {random_var({2, 2, 3}, 36), random_var({3, 2}, 37)}},
        {NodeKind::linear, [](const V& v) { return linear(v[0], v[1], v[2]); },
         {x23(38), random_var({3, 4}, 39), random_var({4}, 43)}},
        {NodeKind::conv1d, conv_f, {x, w, b}},
        {NodeKind::conv1d_backward_data, [conv_f](const V& v) { return gradient_of(conv_f, v, 0); }, {x, w, b}},
        {NodeKind::conv1d_backward_weight, [conv_f](const V& v) { return gradient_of(conv_f, v, 1); }, {x, w, b}},
        {NodeKind::embedding, [](const V& v) { return embedding(v[0], ids); }, {random_var({5, 2}, 44)}},
        {NodeKind::embedding_backward,
         [](const V& v) { return gradient_of([](const V& u) { return embedding(u[0], ids) * u[1]; }, v, 0); },
         {random_var({5, 2}, 45), random_var({2, 3, 2}, 46)}},
        {NodeKind::softmax, [](const V& v) { return softmax(v[0]); }, {x23(47)}},
        {NodeKind::log_softmax, [](const V& v) { return log_softmax(v[0]); }, {x23(48)}},
        {NodeKind::cross_entropy,
         [](const V& v) {
             const Tensor<std::int32_t> t(Shape{2, 3}, {0, 4, -100, 2, 2, 3});
             return cross_entropy(v[0], t, {.label_smoothing = 0.1});
         },
         {random_var({2, 3, 5}, 49)}},
        {NodeKind::binary_cross_entropy_with_logits,
         [](const V& v) { return binary_cross_entropy_with_logits(v[0], random_var({2, 3}, 50, 0, 1).value()); },
         {x23(51)}},
        {NodeKind::linear_cross_entropy,
         [](const V& v) { return linear_cross_entropy(v[0], v[1], v[2], ids, Reduction::None); },
         {random_var({2, 3, 4}, 52), random_var({4, 5}, 53), random_var({5}, 54)}},
    };
}

// The kinds of the nodes reachable from y.
void collect_kinds(const Var<double>& y, std::set<NodeKind>& kinds) {
    std::vector<const Node<double>*> stack{y.node()};
    std::set<const Node<double>*> seen;
    while (!stack.empty()) {
        const Node<double>* n = stack.back();
        stack.pop_back();
        if (!n || !seen.insert(n).second) continue;
        kinds.insert(n->kind());
        for (int i = 0; i < n->num_inputs(); ++i) stack.push_back(n->input(i).node());
    }
}

// The kinds in f's graph and in the graph of its create_graph gradient.
std::set<NodeKind> kinds_of(const OpCase& c) {
    V xs;
    for (const auto& x : c.inputs) xs.emplace_back(x.value().clone(), true);
    std::set<NodeKind> kinds;
    const Var<double> y = c.f(xs);
    collect_kinds(y, kinds);
    const Var<double> s = sum(y * Var<double>(Tensor<double>::ones(y.shape())));
    for (const auto& g : grad(std::vector{s}, xs, {.create_graph = true})) collect_kinds(g, kinds);
    return kinds;
}

}  // namespace

TEST_CASE("op registry: every node kind has a case in the table") {
    std::set<NodeKind> covered;
    for (const OpCase& c : op_table()) covered.insert(c.kind);
    for (int k = 0; k < node_kind_count; ++k) {
        const auto kind = static_cast<NodeKind>(k);
        if (kind == NodeKind::leaf) continue;
        INFO("node kind ", node_kind_name(kind), " has no case in tests/ops/test_op_registry.cpp");
        CHECK(covered.count(kind) == 1);
    }
}

TEST_CASE("op registry: each case's gradients by finite differences, of first and second order") {
    for (const OpCase& c : op_table()) {
        const std::string name = node_kind_name(c.kind);
        CAPTURE(name);
        CHECK(kinds_of(c).count(c.kind) == 1);
        const auto first = testing::gradcheck(c.f, c.inputs);
        INFO(first.message);
        CHECK(first.ok);
        if (!c.gradgrad) continue;
        const auto second = testing::gradgradcheck(c.f, c.inputs);
        INFO(second.message);
        CHECK(second.ok);
    }
}
