// The autograd tape's overhead and its allocations per step.
//
//   autograd/chain/<ops>:  forward + backward of a chain of tiny ops (shape (4)); time_per_op is the
//                          CPU time per recorded op, forward and backward together (target: < 1 us)
//   autograd/mlp/B64:      linear-relu-linear-mse on (64, 32), forward + backward (a small real step)
//   autograd/gradient_penalty/B64:  the WGAN-GP penalty: grad(create_graph) of a critic, then backward
//
// Every benchmark reports, per step in steady state, heap_allocs_per_step (operator new, counted by heap_counter.cpp)
// and tensor_system_allocs_per_step (tensor storage that missed ink's cache, from ink::memory_stats()).
#include <benchmark/benchmark.h>

#include "heap_counter.hpp"
#include "ink/autograd.hpp"
#include "ink/ops.hpp"

namespace {

using namespace ink;

// Runs step() a few times to warm the caches and pools, then times it, reporting allocations per step.
template <class Step>
void run_steps(benchmark::State& state, Step step) {
    for (int i = 0; i < 3; ++i) step();
    const std::uint64_t heap0 = ink::bench::heap_allocations();
    const std::uint64_t sys0 = memory_stats().system_allocations;
    for (auto _ : state) step();
    const double steps = double(state.iterations());
    state.counters["heap_allocs_per_step"] = double(ink::bench::heap_allocations() - heap0) / steps;
    state.counters["tensor_system_allocs_per_step"] = double(memory_stats().system_allocations - sys0) / steps;
}

// y = tanh(y * w + b), three recorded ops per link.
void BM_chain(benchmark::State& state) {
    set_num_threads(1);
    const int links = static_cast<int>(state.range(0));
    Var<float> x(Tensor<float>::full(Shape{4}, 0.5f), true);
    Var<float> w(Tensor<float>::full(Shape{4}, 0.9f), true);
    Var<float> b(Tensor<float>::full(Shape{4}, 0.1f), true);
    float sink = 0;
    run_steps(state, [&] {
        Var<float> y = x;
        for (int i = 0; i < links; ++i) y = tanh(y * w + b);
        y.backward(Tensor<float>::ones(Shape{4}));
        sink += w.grad()[0];
        for (Var<float>* p : {&x, &w, &b}) p->zero_grad();
    });
    benchmark::DoNotOptimize(sink);
    const double ops = 3.0 * links;
    // CPU seconds per recorded op (printed with an SI prefix: 180n is 180 ns).
    state.counters["time_per_op"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate |
                                                                benchmark::Counter::kInvert);
}

// mse(linear(relu(linear(x, w1, b1)), w2, b2), target) on (64, 32) -> 64 -> 32.
void BM_mlp(benchmark::State& state) {
    set_num_threads(1);
    Rng rng(1);
    auto param = [&](Shape s) {
        return Var<float>(Tensor<float>::uniform(s, rng, -0.1f, 0.1f), true);
    };
    Var<float> w1 = param({32, 64}), b1 = param({64}), w2 = param({64, 32}), b2 = param({32});
    const Var<float> x = param({64, 32}).detach(), target = param({64, 32}).detach();
    run_steps(state, [&] {
        for (Var<float>* p : {&w1, &b1, &w2, &b2}) p->zero_grad();
        mse(linear(relu(linear(x, w1, b1)), w2, b2), target).backward();
        benchmark::DoNotOptimize(w1.grad().data());
    });
}

// The WGAN-GP penalty of a 784 -> 128 -> 32 -> 1 critic at B interpolates:
//   gp = mean((||d critic(x) / d x|| - 1)^2), then d gp / d weights.
void BM_gradient_penalty(benchmark::State& state) {
    set_num_threads(1);
    Rng rng(2);
    auto param = [&](Shape s) {
        return Var<float>(Tensor<float>::uniform(s, rng, -0.05f, 0.05f), true);
    };
    std::vector<Var<float>> ps = {param({784, 128}), param({128}), param({128, 32}), param({32}), param({32, 1}),
                                  param({1})};
    Tensor<float> xt = Tensor<float>::uniform(Shape{64, 784}, rng, 0.0f, 1.0f);
    const std::vector<Tensor<float>> seed = {Tensor<float>::ones(Shape{})};
    run_steps(state, [&] {
        for (auto& p : ps) p.zero_grad();
        const Var<float> x(xt, true);
        const Var<float> d = linear(relu(linear(relu(linear(x, ps[0], ps[1])), ps[2], ps[3])), ps[4], ps[5]);
        const Var<float> gx = grad(std::vector<Var<float>>{sum(d)}, std::vector<Var<float>>{x}, seed,
                                   {.create_graph = true})[0];
        mean(square(norm_per_sample(gx) - 1.0f)).backward();
        benchmark::DoNotOptimize(ps[0].grad().data());
    });
}

}  // namespace

BENCHMARK(BM_chain)->Name("autograd/chain")->ArgName("links")->Arg(100)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_mlp)->Name("autograd/mlp/B64")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gradient_penalty)->Name("autograd/gradient_penalty/B64")->Unit(benchmark::kMicrosecond);
