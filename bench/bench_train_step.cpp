// One training step of the MNIST MLP VAE (docs: DESIGN §3, Keras' vae_keras.py), batch 100, on random
// data: forward, backward, RMSprop update. Reports samples/s (items_per_second) and, per step in
// steady state, heap allocations (operator new, counted by heap_counter.cpp) and system allocations of tensor
// storage (ink::memory_stats()).
//
//   encoder  x (B, 784) -> Dense 256 ReLU -> mu (B, 2), logvar (B, 2)
//   sample   z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)
//   decoder  z -> Dense 256 ReLU -> Dense 784 logits
//   loss     mean over the batch of [ sum over pixels of BCE(logits, x) + KL(N(mu, e^logvar) || N(0, I)) ]
#include <benchmark/benchmark.h>

#include "heap_counter.hpp"
#include "ink/core/threads.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops/activations.hpp"
#include "ink/ops/losses.hpp"
#include "ink/ops/random.hpp"
#include "ink/optim/rmsprop.hpp"

namespace {

using namespace ink;

constexpr index_t kBatch = 100, kPixels = 784, kHidden = 256, kLatent = 2;

struct MlpVae : nn::Module<float> {
    nn::Linear<float> hidden, mu, logvar, dec_hidden, dec_out;
    explicit MlpVae(Rng& rng)
        : hidden(kPixels, kHidden, rng), mu(kHidden, kLatent, rng), logvar(kHidden, kLatent, rng),
          dec_hidden(kLatent, kHidden, rng), dec_out(kHidden, kPixels, rng) {
        register_module("hidden", hidden);
        register_module("mu", mu);
        register_module("logvar", logvar);
        register_module("dec_hidden", dec_hidden);
        register_module("dec_out", dec_out);
    }

    // The loss for a batch x (B, 784) in [0, 1]; the noise of the sample comes from rng.
    Var<float> loss(const Tensor<float>& x, Rng& rng) const {
        const Var<float> h = relu(hidden(Var<float>(x)));
        const Var<float> m = mu(h), lv = logvar(h);
        const Var<float> logits = dec_out(relu(dec_hidden(normal_sample(m, lv, rng))));
        const Var<float> bce = binary_cross_entropy_with_logits(logits, x, Reduction::Sum);
        return (bce + sum(gaussian_kl(m, lv))) * (1.0f / float(kBatch));
    }
};

void BM_train_step_mlp_vae(benchmark::State& state) {
    set_num_threads(static_cast<int>(state.range(0)));
    Rng rng(0);
    MlpVae model(rng);
    optim::RMSprop<float> opt(model.named_parameters(), {.lr = 1e-3});
    Tensor<float> x = Tensor<float>::uniform(Shape{kBatch, kPixels}, rng, 0.0f, 1.0f);

    float last = 0;
    auto step = [&] {
        opt.zero_grad();
        Var<float> loss = model.loss(x, rng);
        loss.backward();
        opt.step();
        last = loss.item();
    };
    for (int i = 0; i < 5; ++i) step();  // warm the caches and pools

    // Allocations are counted over steps outside the timed loop, which allocates for its own bookkeeping.
    constexpr int kCounted = 20;
    const std::uint64_t heap0 = ink::bench::heap_allocations();
    const std::uint64_t sys0 = memory_stats().system_allocations;
    for (int i = 0; i < kCounted; ++i) step();
    state.counters["heap_allocs_per_step"] = double(ink::bench::heap_allocations() - heap0) / kCounted;
    state.counters["system_allocs_per_step"] = double(memory_stats().system_allocations - sys0) / kCounted;

    for (auto _ : state) step();
    state.counters["loss"] = last;
    state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

BENCHMARK(BM_train_step_mlp_vae)->Name("train_step/mlp_vae/B100")->ArgName("threads")->Arg(1)->Arg(2)
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
