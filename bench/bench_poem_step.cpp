// One training step of the poem VAE (docs/design.md §5, examples/poem_vae) at batch 64 with the real
// vocabulary size V = 7,914 (traditional script) on random character ids: forward, backward, Adam
// update, exactly as `ink-poem train` runs it. Reports samples/s (items_per_second) and system
// allocations of tensor storage per step in steady state.
//   ink-bench --benchmark_filter=poem_vae
// PyTorch 1.13 on this machine: about 1,200 samples/s on 1 thread and 1,550 on 2 (docs/design.md §6).
#include <benchmark/benchmark.h>

#include "../examples/poem_vae/trainer.hpp"
#include "ink/precision.hpp"

namespace {

// kPrecision: the products' precision (ink-poem train --precision); poem_vae_bf16 runs them in bf16.
template <ink::Precision kPrecision>
void BM_train_step_poem_vae(benchmark::State& state) {
    ink::set_num_threads(static_cast<int>(state.range(0)));
    const ink::MatmulPrecision precision(kPrecision);
    poem::Hyper h;
    h.vocab = 7914;
    ink::Tensor<std::int32_t> ids = ink::Tensor<std::int32_t>::empty({poem::kBatch, h.length});
    ink::Rng rng(3);
    for (auto& id : ids) id = static_cast<std::int32_t>(rng.uniform_int(std::uint64_t(h.vocab)));
    poem::Trainer trainer(h, ids, 1);  // its training set is this one batch

    poem::Losses last;
    for (int i = 0; i < 3; ++i) last = trainer.step(ids);  // warm the caches and pools
    const std::uint64_t sys0 = ink::memory_stats().system_allocations;
    for (auto _ : state) last = trainer.step(ids);
    state.counters["system_allocs_per_step"] =
        double(ink::memory_stats().system_allocations - sys0) / double(state.iterations());
    state.counters["loss"] = last.total;
    state.SetItemsProcessed(state.iterations() * poem::kBatch);
}

}  // namespace

BENCHMARK(BM_train_step_poem_vae<ink::Precision::f32>)->Name("train_step/poem_vae/B64_V7914")->ArgName("threads")
    ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_train_step_poem_vae<ink::Precision::bf16>)->Name("train_step/poem_vae_bf16/B64_V7914")
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
