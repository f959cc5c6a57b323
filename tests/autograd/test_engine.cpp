// The backward engine: deep chains, reused values, retain_graph, grad() with create_graph, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <thread>

#include "ink/autograd.hpp"
#include "ink/ops.hpp"

using namespace ink;

namespace {
Var<double> scalar(double v, bool requires_grad = true) { return Var<double>(Tensor<double>::scalar(v), requires_grad); }
}  // namespace

TEST_CASE("backward: a value used several times accumulates every path") {
    const Var<double> x = scalar(3.0);
    const Var<double> y = x * x + x * 2.0 + x;  // dy/dx = 2x + 3
    y.backward();
    CHECK(x.grad().item() == doctest::Approx(9.0));
    CHECK(x.grad().shape() == Shape{});
}

TEST_CASE("backward: leaves of a diamond get the sum of both branches, shared inputs once") {
    const Var<double> a(Tensor<double>(Shape{2}, {1.0, 2.0}), true);
    const Var<double> h = a * a;      // shared by both branches
    const Var<double> y = sum(h * 3.0 + exp(h));
    y.backward();
    for (index_t i = 0; i < 2; ++i) {
        const double v = a.value()[i];
        CHECK(a.grad()[i] == doctest::Approx(2 * v * (3 + std::exp(v * v))));
    }
}

TEST_CASE("backward: retain_graph allows a second call, which accumulates; a freed graph throws") {
    Var<double> x = scalar(2.0);
    const Var<double> y = x * x * x;
    y.backward(/*retain_graph=*/true);
    CHECK(x.grad().item() == doctest::Approx(12.0));
    y.backward();
    CHECK(x.grad().item() == doctest::Approx(24.0));
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("already freed"), Error);
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward: a non-scalar output needs a seed") {
    const Var<double> x(Tensor<double>(Shape{3}, {1, 2, 3}), true);
    const Var<double> y = x * x;
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("needs a one-element output"), Error);
    y.backward(Tensor<double>(Shape{3}, {1, 0, -1}));
    CHECK(x.grad().to_vector() == std::vector<double>{2, 0, -6});
    CHECK_THROWS_WITH_AS(Var<double>(x.value()).backward(Tensor<double>(Shape{3})), doctest::Contains("does not require grad"),
                         Error);
}

TEST_CASE("backward: a chain of 100,000 ops neither overflows the stack nor recurses on destruction") {
    const int n = 100000;
    const Var<float> x(Tensor<float>::scalar(1.0f), true);
    {
        Var<float> y = x;
        for (int i = 0; i < n; ++i) y = y * 1.00001f;
        y.backward();
    }  // the chain is destroyed here
    CHECK(x.grad().item() == doctest::Approx(std::pow(1.00001, n)).epsilon(1e-3));
    {  // also a chain of binary ops on two leaves, differentiated with grad()
        Var<float> y = x;
        for (int i = 0; i < n; ++i) y = y + x * 1e-5f;
        CHECK(grad(y, x).item() == doctest::Approx(2.0).epsilon(1e-3));
    }
}

TEST_CASE("grad: create_graph gives gradients that can be differentiated again") {
    const Var<double> x = scalar(1.5);
    const Var<double> y = x * x * x;
    const Var<double> g = grad(y, x, {.create_graph = true});  // 3x^2
    CHECK(g.item() == doctest::Approx(3 * 1.5 * 1.5));
    CHECK(g.requires_grad());
    const Var<double> g2 = grad(g, x, {.create_graph = true});  // 6x
    CHECK(g2.item() == doctest::Approx(9.0));
    CHECK(grad(g2, x).item() == doctest::Approx(6.0));
    CHECK_FALSE(x.grad().defined());  // grad() leaves .grad alone
}

TEST_CASE("grad: the WGAN-GP penalty's gradient with respect to the critic's weights") {
    // critic D(x) = sum(tanh(x w)), x (2, 3), w (3, 1); penalty = sum((||dD/dx|| - 1)^2)
    const Var<double> x(Tensor<double>(Shape{2, 3}, {0.1, -0.2, 0.3, 0.5, 0.4, -0.6}), true);
    const Var<double> w(Tensor<double>(Shape{3, 1}, {0.7, -0.3, 0.2}), true);
    const auto penalty = [&](const Var<double>& wv) {
        const Var<double> d = sum(tanh(matmul(x, wv)));
        const Var<double> gx = grad(d, x, {.create_graph = true});
        return sum(square(norm_per_sample(gx) - 1.0));
    };
    const Var<double> p = penalty(w);
    p.backward();
    // Compare with a central difference in w[0].
    const double h = 1e-6;
    Tensor<double> wp = w.value().clone(), wm = w.value().clone();
    wp[0] += h;
    wm[0] -= h;
    const double numeric = (penalty(Var<double>(wp, true)).item() - penalty(Var<double>(wm, true)).item()) / (2 * h);
    CHECK(w.grad()[0] == doctest::Approx(numeric).epsilon(1e-6));
    CHECK(w.grad()[0] != 0.0);
}

TEST_CASE("grad: inputs the outputs do not depend on get zeros; a non-scalar output needs seeds") {
    const Var<double> x = scalar(1.0), z = scalar(2.0);
    const auto gs = grad<double>({x * 3.0}, {x, z});
    CHECK(gs[0].item() == 3.0);
    CHECK(gs[1].item() == 0.0);
    const Var<double> v(Tensor<double>(Shape{2}, {1, 2}), true);
    CHECK_THROWS_WITH_AS(grad<double>({v * 2.0}, {v}), doctest::Contains("pass seeds"), Error);
    const auto gv = grad<double>({v * 2.0}, {v}, {Tensor<double>(Shape{2}, {1, 10})});
    CHECK(gv[0].value().to_vector() == std::vector<double>{2, 20});
    CHECK_THROWS_WITH_AS(grad<double>({v * 2.0}, {scalar(1.0, false)}, {Tensor<double>(Shape{2})}),
                         doctest::Contains("does not require grad"), Error);
}

TEST_CASE("NoGradGuard: nothing is recorded inside its scope") {
    const Var<double> x = scalar(2.0);
    {
        NoGradGuard guard;
        CHECK_FALSE(grad_enabled());
        const Var<double> y = x * x;
        CHECK_FALSE(y.requires_grad());
        CHECK(y.is_leaf());
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("does not require grad"), Error);
    }
    CHECK(grad_enabled());
    CHECK((x * x).requires_grad());
}

TEST_CASE("Var: detach, set_requires_grad, undefined") {
    const Var<double> x = scalar(2.0);
    const Var<double> y = x * 3.0;
    const Var<double> d = y.detach();
    CHECK(d.is_leaf());
    CHECK_FALSE(d.requires_grad());
    CHECK(d.value().shares_storage_with(y.value()));
    Var<double> yc = y;
    CHECK_THROWS_WITH_AS(yc.set_requires_grad(false), doctest::Contains("only a leaf"), Error);
    const Var<double> u;
    CHECK_FALSE(u.defined());
    CHECK_FALSE(u.requires_grad());
    CHECK_THROWS_AS((void)u.value(), Error);
}

TEST_CASE("grad: with respect to an intermediate value, and retain_graph for a second call") {
    const Var<double> x = scalar(2.0);
    const Var<double> h = x * x;           // 4
    const Var<double> y = h * h * 3.0;     // 3 h^2
    CHECK(grad(y, h, {.retain_graph = true}).item() == doctest::Approx(24.0));  // 6 h
    CHECK(grad(y, x, {.retain_graph = true}).item() == doctest::Approx(96.0));  // 12 x^3
    CHECK(grad(y, x).item() == doctest::Approx(96.0));
    CHECK_THROWS_WITH_AS(grad(y, x), doctest::Contains("already freed"), Error);
}

TEST_CASE("backward: an op that is not needed for any target is skipped, constants get no grad") {
    const Var<double> x = scalar(2.0);
    const Var<double> c(Tensor<double>::scalar(5.0));  // a constant
    const Var<double> y = x * c + c * c;
    y.backward();
    CHECK(x.grad().item() == 5.0);
    CHECK_FALSE(c.grad().defined());
}

TEST_CASE("backward: an op with many inputs (concat of 100 Vars)") {
    std::vector<Var<double>> xs;
    for (int i = 0; i < 100; ++i) xs.emplace_back(Tensor<double>(Shape{1, 2}, {double(i), 1.0}), i % 2 == 0);
    sum(square(concat(xs, 0))).backward();
    CHECK(xs[10].grad().to_vector() == std::vector<double>{20.0, 2.0});
    CHECK_FALSE(xs[11].grad().defined());
}

TEST_CASE("node pool: a thread that ends hands its free blocks to the next thread") {
    // With INK_NO_MEMORY_CACHE=1 (the sanitizer run) the pool is bypassed and there is nothing to reuse.
    const char* bypass = std::getenv("INK_NO_MEMORY_CACHE");
    if (bypass && bypass[0] == '1') return;
    constexpr std::size_t kBytes = 200;
    void* first = nullptr;
    std::thread([&] {
        first = detail::NodePool::allocate(kBytes);
        detail::NodePool::deallocate(first, kBytes);
    }).join();
    void* second = nullptr;
    std::thread([&] {
        second = detail::NodePool::allocate(kBytes);
        detail::NodePool::deallocate(second, kBytes);
    }).join();
    CHECK(second == first);  // without the hand-over, the second thread would carve a new chunk
}

namespace {
// Records each call: which leaf, and its grad() at that moment (a copy: later passes change it).
struct ReadyLog : LeafGradientListener<double> {
    std::vector<std::pair<const void*, double>> calls;
    void leaf_gradient_ready(const Var<double>& leaf) override {
        calls.emplace_back(leaf.node(), leaf.grad().item());
    }
};
}  // namespace

TEST_CASE("LeafGradientListener: once per reached leaf, with its final gradient, in backward() only") {
    const Var<double> a = scalar(2.0), b = scalar(5.0), unused = scalar(1.0), constant = scalar(4.0, false);
    ReadyLog log;
    // a feeds three paths: one call, after all three were summed. d/da = 2ab + b + 1 = 26, d/db = a^2 + a = 6.
    const Var<double> y = a * a * b + a * b + a + constant;
    y.backward();
    REQUIRE(log.calls.size() == 2);  // not `unused` (not in the graph), not `constant` (no grad)
    for (const auto& [node, g] : log.calls) {
        CHECK((node == a.node() || node == b.node()));
        CHECK(g == (node == a.node() ? 26.0 : 6.0));
        CHECK(g == (node == a.node() ? a.grad().item() : b.grad().item()));
    }
    CHECK(log.calls[0].first != log.calls[1].first);

    SUBCASE("a second backward calls again, with the accumulated gradient") {
        log.calls.clear();
        (a * 3.0).backward();
        REQUIRE(log.calls.size() == 1);
        CHECK(log.calls[0].first == a.node());
        CHECK(log.calls[0].second == 29.0);
    }
    SUBCASE("grad() leaves grad() alone and calls nobody") {
        log.calls.clear();
        const Var<double> z = a * b;
        CHECK(grad(z, a).value().item() == 5.0);
        CHECK(log.calls.empty());
    }
    SUBCASE("nested listeners: the newest first, then the one it hides; ended ones no more") {
        log.calls.clear();
        std::vector<int> order;
        struct Tag : LeafGradientListener<double> {
            std::vector<int>& order;
            int id;
            Tag(std::vector<int>& o, int i) : order(o), id(i) {}
            void leaf_gradient_ready(const Var<double>&) override { order.push_back(id); }
        };
        {
            Tag inner(order, 1);
            (b * 2.0).backward();
        }
        (b * 2.0).backward();
        CHECK(order == std::vector<int>{1});
        CHECK(log.calls.size() == 2);

        // Ending out of order (a data-parallel wrapper replaced by a new one ends after the new one
        // starts): the one that ended is called no more, the others still are, newest first.
        order.clear();
        auto first = std::make_unique<Tag>(order, 2);
        auto second = std::make_unique<Tag>(order, 3);
        first.reset();
        (b * 2.0).backward();
        CHECK(order == std::vector<int>{3});
        auto third = std::make_unique<Tag>(order, 4);
        second.reset();
        order.clear();
        (b * 2.0).backward();
        CHECK(order == std::vector<int>{4});
        third.reset();
        order.clear();
        (b * 2.0).backward();
        CHECK(order.empty());
        CHECK(log.calls.size() == 5);
    }
    SUBCASE("another thread's backward does not call this thread's listener") {
        log.calls.clear();
        std::thread([] {
            const Var<double> x = scalar(1.0);
            (x * 2.0).backward();
        }).join();
        CHECK(log.calls.empty());
    }
}
