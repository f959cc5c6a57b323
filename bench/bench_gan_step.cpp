// One WGAN critic step at batch 100 (examples/gan/model.hpp, DESIGN §3), with and without the
// gradient penalty:
//
//   train_step/wgan_critic/B100     D(real), D(fake) (B, 784) -> (B, 1); loss mean D(real) - mean D(fake);
//                                   backward; Adam
//   train_step/wgan_critic_gp/B100  the same, plus D(x_hat) at the interpolates, g = dD/dx_hat with a
//                                   graph (create_graph), the penalty 10 mean relu(|g| - 1) and its
//                                   gradient (a second-order backward) into the critic's weights
//
// The critic is 784 -> 128 -> 32 -> 1 at the original init. The work does not depend on whether the
// hinge is active (its backward multiplies by a 0/1 mask either way). items_per_second is samples per
// second; the ratio of the two times is the penalty's cost.
#include <benchmark/benchmark.h>

#include "../examples/gan/model.hpp"
#include "ink/core/threads.hpp"
#include "ink/optim/adam.hpp"

namespace {

constexpr ink::index_t kBatch = 100;

void critic_step_benchmark(benchmark::State& state, bool penalised) {
    ink::set_num_threads(static_cast<int>(state.range(0)));
    ink::Rng rng(1);
    gan::Critic<float> critic(rng);
    ink::optim::Adam<float> adam(critic.named_parameters(), {.lr = 1e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-7});
    const ink::Tensor<float> real = ink::Tensor<float>::uniform({kBatch, 784}, rng, 0.0f, 1.0f);
    const ink::Tensor<float> fake = ink::Tensor<float>::uniform({kBatch, 784}, rng, 0.0f, 1.0f);
    const ink::Tensor<float> eps = ink::Tensor<float>::uniform({kBatch}, rng, 0.0f, 1.0f);
    const gan::PenaltyOptions penalty{.enabled = penalised};
    gan::CriticStats s;
    for (auto _ : state) {
        s = gan::critic_step(critic, adam, gan::Loss::wgan_gp, penalty, real, fake, eps);
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["penalty"] = s.penalty;
}

void BM_wgan_critic(benchmark::State& state) { critic_step_benchmark(state, false); }
void BM_wgan_critic_gp(benchmark::State& state) { critic_step_benchmark(state, true); }

}  // namespace

BENCHMARK(BM_wgan_critic)->Name("train_step/wgan_critic/B100")->ArgName("threads")->Arg(1)->Arg(2)
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_wgan_critic_gp)->Name("train_step/wgan_critic_gp/B100")->ArgName("threads")->Arg(1)->Arg(2)
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
