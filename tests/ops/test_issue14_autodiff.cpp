// Issue 14, items 14-16: a second backward through linear_cross_entropy (Reduction::None), gradients of
// gradients through piecewise-linear ops, and the API (grad with braced options, concat of a braced
// list, ink::Padding and one conv1d options type, cross_entropy's ignore_index and label smoothing).
#include <doctest/doctest.h>

#include <cmath>
#include <type_traits>

#include "ink/nn/conv1d.hpp"
#include "ops/op_check.hpp"

using namespace ink;
using test::check_gradgrad;
using test::random_var;
using V = std::vector<Var<double>>;

TEST_CASE("issue14.14 linear_cross_entropy Reduction::None: a second backward through a retained graph") {
    const Var<double> x = random_var({3, 4}, 1), w = random_var({4, 5}, 2), b = random_var({5}, 3);
    const Tensor<std::int32_t> t(Shape{3}, {0, 4, 2});
    const Tensor<double> seed(Shape{3}, {0.5, -2.0, 3.0});
    const Var<double> loss = linear_cross_entropy(x, w, b, t, Reduction::None);
    loss.backward(seed, true);
    const Tensor<double> gx = x.grad().clone(), gw = w.grad().clone(), gb = b.grad().clone();
    loss.backward(seed, true);
    for (index_t i = 0; i < gx.numel(); ++i) CHECK(x.grad()[i] == doctest::Approx(2 * gx[i]));
    for (index_t i = 0; i < gw.numel(); ++i) CHECK(w.grad()[i] == doctest::Approx(2 * gw[i]));
    for (index_t i = 0; i < gb.numel(); ++i) CHECK(b.grad()[i] == doctest::Approx(2 * gb[i]));
    // grad() with retain_graph twice gives the same gradient, which equals the unfused composite's.
    const std::vector<Tensor<double>> seeds{seed};
    const auto first = grad(std::vector{loss}, std::vector{w}, seeds, {.retain_graph = true});
    const auto second = grad(std::vector{loss}, std::vector{w}, seeds, {.retain_graph = true});
    const Var<double> plain = cross_entropy(linear(x, w, b), t, Reduction::None);
    const auto want = grad(std::vector{plain}, std::vector{w}, seeds);
    for (index_t i = 0; i < gw.numel(); ++i) {
        CHECK(first[0].value()[i] == doctest::Approx(want[0].value()[i]));
        CHECK(second[0].value()[i] == doctest::Approx(want[0].value()[i]));
    }
}

namespace {
// A Hessian-vector product d/dp <v, d f / d p> with create_graph: throws on the old code when the
// first gradient did not require grad.
Tensor<double> hvp(const Var<double>& f, const Var<double>& p, const Tensor<double>& v) {
    const Var<double> g = grad(f, p, {.create_graph = true});
    REQUIRE(g.requires_grad());
    return grad(sum(g * Var<double>(v)), p).value();
}
}  // namespace

TEST_CASE("issue14.15 relu: create_graph gradient stays differentiable") {
    // x is data (no gradient), as in a Hessian-vector product with respect to the weights.
    const Var<double> x = random_var({4, 3}, 4).detach(), w = random_var({3, 5}, 5);
    const Tensor<double> v = random_var({3, 5}, 6).value();
    // sum(relu(x w)) is piecewise linear in w: its Hessian is zero (PyTorch gives zeros too).
    const Tensor<double> h = hvp(sum(relu(matmul(x, w))), w, v);
    for (double e : h) CHECK(e == 0.0);
    // Every piecewise-linear and linear op: leaky_relu, scale, sum, slicing, reshape, broadcasting.
    const Var<double> fs[] = {sum(leaky_relu(matmul(x, w), 0.1)), sum(w * 3.0), mean(slice(w, 1, 1, 4)),
                              sum(reshape(w, {15})), sum(broadcast_to(reshape(w, {1, 3, 5}), {2, 3, 5}))};
    for (const Var<double>& f : fs)
        for (double e : hvp(f, w, v)) CHECK(e == 0.0);
    // An input the output does not depend on: its gradient (zeros) is differentiable too.
    const Var<double> unused = random_var({2}, 7);
    const auto gs = grad(std::vector{sum(relu(w))}, std::vector{w, unused}, {.create_graph = true});
    CHECK(gs[1].requires_grad());
    for (double e : grad(sum(gs[1]), unused).value()) CHECK(e == 0.0);
}

TEST_CASE("issue14.15 relu network: the Hessian-vector product matches finite differences") {
    // f(w1, w2) = sum(tanh(relu(x w1) w2)): not piecewise linear in w2, so the product is not zero.
    const Var<double> x = random_var({4, 3}, 8).detach(), w1 = random_var({3, 6}, 9), w2 = random_var({6, 2}, 10);
    const Tensor<double> v = random_var({3, 6}, 11).value();
    const auto f = [&](const Var<double>& a) { return sum(tanh(matmul(relu(matmul(x, a)), w2))); };
    const Tensor<double> h = hvp(f(w1), w1, v);
    const double eps = 1e-6;
    const auto gradient_at = [&](double step) {
        Tensor<double> at = w1.value().clone();
        for (index_t i = 0; i < v.numel(); ++i) at[i] += step * v[i];
        const Var<double> a(at, true);
        return grad(f(a), a).value();
    };
    const Tensor<double> gp = gradient_at(eps), gm = gradient_at(-eps);
    double largest = 0;
    for (index_t i = 0; i < h.numel(); ++i) {
        CHECK(h[i] == doctest::Approx((gp[i] - gm[i]) / (2 * eps)).epsilon(1e-5));
        largest = std::max(largest, std::abs(h[i]));
    }
    CHECK(largest > 1e-3);
}

TEST_CASE("issue14.16 API: grad with braced options, concat of a braced list, ink::Padding") {
    const Var<double> x = random_var({3}, 12);
    const Var<double> f = sum(square(x));
    const auto g = grad(std::vector{f}, std::vector{x}, {.create_graph = true});  // 2x
    REQUIRE(g.size() == 1);
    const Tensor<double> h = grad(sum(g[0]), x).value();  // d/dx sum(2x) = 2
    for (double e : h) CHECK(e == doctest::Approx(2.0));

    const Var<double> c = concat({x, x * 2.0}, 0);
    CHECK(c.shape() == Shape{6});
    CHECK(c.value()[4] == doctest::Approx(2 * x.value()[1]));
    CHECK(concat({x.value(), x.value()}, 0).shape() == Shape{6});

    // One conv1d options type, for the op and the layer, with the padding enum at ink:: level.
    static_assert(std::is_same_v<decltype(Conv1dOptions::padding), Padding>);
    Rng rng(13);
    const Conv1dOptions same{.padding = Padding::Same, .stride = 2};
    nn::Conv1d<double> layer(2, 3, 3, rng, same);
    const Var<double> in = random_var({1, 7, 2}, 14);
    CHECK(layer(in).shape() == Shape{1, 4, 3});
    CHECK(conv1d(in, layer.weight, layer.bias, same).value().to_vector() == layer(in).value().to_vector());
    nn::Conv1d<double> padded(2, 3, 3, rng, {.padding = Padding::Explicit, .pad_left = 2}, {.bias = false});
    CHECK(padded(in).shape() == Shape{1, 7, 3});
    CHECK(!padded.bias.defined());
}

namespace {
// -sum_c q_c log softmax(z)_c per row with q = (1 - eps) onehot + eps / C, 0 for ignored rows; the
// mean divides by the rows kept. A plain loop, the reference for the fused op.
double reference_cross_entropy(const Tensor<double>& z, const Tensor<std::int32_t>& t, CrossEntropyOptions o) {
    const index_t C = z.dim(-1), rows = t.numel();
    double total = 0;
    index_t kept = 0;
    for (index_t r = 0; r < rows; ++r) {
        if (t[r] == o.ignore_index) continue;
        double m = -1e300, s = 0;
        for (index_t c = 0; c < C; ++c) m = std::max(m, z[r * C + c]);
        for (index_t c = 0; c < C; ++c) s += std::exp(z[r * C + c] - m);
        double row = 0;
        for (index_t c = 0; c < C; ++c) {
            const double q = o.label_smoothing / double(C) + (c == t[r] ? 1 - o.label_smoothing : 0.0);
            row -= q * (z[r * C + c] - m - std::log(s));
        }
        total += row;
        ++kept;
    }
    return o.reduction == Reduction::Mean ? total / double(std::max<index_t>(kept, 1)) : total;
}
}  // namespace

TEST_CASE("issue14.16 cross_entropy: ignore_index and label smoothing, values and gradients") {
    const Var<double> z = random_var({2, 3, 4}, 15, -2, 2);
    const Tensor<std::int32_t> t(Shape{2, 3}, {0, -100, 3, 1, 7, 2});
    for (double eps : {0.0, 0.1, 1.0})
        for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
            CAPTURE(eps);
            CAPTURE(int(r));
            const CrossEntropyOptions o{.reduction = r, .ignore_index = 7, .label_smoothing = eps};
            const CrossEntropyOptions pytorch_default{.reduction = r, .label_smoothing = eps};  // ignores -100
            Tensor<std::int32_t> t7 = t.clone();
            t7[1] = 7;  // the -100 row of t, with the ignore_index of o
            t7[4] = 2;
            Tensor<std::int32_t> t100 = t.clone();
            t100[4] = 2;
            const Tensor<double> loss = cross_entropy(z.value(), t7, o);
            if (r != Reduction::None) {
                CHECK(loss.item() == doctest::Approx(reference_cross_entropy(z.value(), t7, o)));
                CHECK(cross_entropy(z.value(), t100, pytorch_default).item() == doctest::Approx(loss.item()));
            } else {
                CHECK(loss[1] == 0.0);
                CHECK(sum(loss).item() == doctest::Approx(reference_cross_entropy(z.value(), t7, {.reduction = Reduction::Sum, .ignore_index = 7, .label_smoothing = eps})));
            }
            check_gradgrad([&](const V& v) { return cross_entropy(v[0], t7, o); }, {z});
            // The ignored row gets no gradient.
            const Var<double> zz(z.value().clone(), true);
            cross_entropy(zz, t7, o).backward(Tensor<double>::ones(loss.shape()));
            for (index_t c = 0; c < 4; ++c) CHECK(zz.grad()[4 + c] == 0.0);
        }
    CHECK_THROWS_WITH_AS(cross_entropy(z.value(), t, {.ignore_index = 7}), doctest::Contains("target -100"), Error);
    CHECK_THROWS_WITH_AS(cross_entropy(z.value(), t, {.label_smoothing = 1.5}), doctest::Contains("label_smoothing"),
                         Error);
}
