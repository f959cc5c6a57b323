// The poem VAE (examples/poem_vae) trained on 2 ranks at global batch B follows the single-process
// run at batch B: the batch is sharded, the reparameterisation noise drawn with ShardedDraw, the
// gradients averaged by DataParallel. A small vocabulary and random couplets keep it fast.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>

#include "../../examples/poem_vae/trainer.hpp"
#include "ink/distributed/data_parallel.hpp"
#include "ink/distributed/sharding.hpp"

using namespace ink;

namespace {

// `steps` steps at global batch 8 over 40 random couplets; the global mean loss of each.
// Without shard_noise each rank draws its eps from the start of the generator, as a naive port would.
std::vector<double> train_steps(poem::Trainer& t, const Tensor<std::int32_t>& corpus, distributed::Communicator* comm,
                          int steps, bool shard_noise = true) {
    const int rank = comm ? comm->rank() : 0, world = comm ? comm->size() : 1;
    std::optional<distributed::DataParallel<float>> ddp;
    if (comm) ddp.emplace(t.model, *comm);
    data::Batches batches(corpus.dim(0), 8, Rng(9));
    Tensor<std::int32_t> buffer = Tensor<std::int32_t>::empty({8, corpus.dim(1)});
    std::vector<double> losses;
    while (int(losses.size()) < steps) {
        const auto global = batches.next();
        if (global.empty()) continue;
        const index_t count = index_t(global.size());
        const distributed::Shard s = distributed::shard_of(count, rank, world);
        t.adam.zero_grad();
        double loss = 0;
        {
            std::optional<distributed::ShardedDraw<float>> draw;
            if (shard_noise) draw.emplace(t.noise, s, count, t.model.hyper.latent);
            const auto [total, parts] = t.model.loss(data::gather_rows(corpus, distributed::local_rows(global, rank, world), buffer), t.noise);
            total.backward();
            loss = parts.total * s.weight(count);
        }
        if (ddp) {
            ddp->average_gradients(s.size());
            loss = comm->sum(loss);
        }
        t.adam.step();
        losses.push_back(loss);
    }
    return losses;
}

}  // namespace

TEST_CASE("poem VAE: 2 ranks at global batch 8 follow 1 process at batch 8") {
    distributed::Communicator comm;
    poem::Hyper h;
    h.vocab = 50;
    Tensor<std::int32_t> corpus = Tensor<std::int32_t>::empty({44, h.length});  // 5 batches + one of 4
    Rng rng(4);
    for (auto& id : corpus) id = std::int32_t(rng.uniform_int(std::uint64_t(h.vocab)));

    poem::Trainer single(h, corpus, 1), parallel(h, corpus, 1), naive(h, corpus, 1);
    const auto want = train_steps(single, corpus, nullptr, 12);
    const auto got = train_steps(parallel, corpus, &comm, 12);
    const auto unsharded = train_steps(naive, corpus, &comm, 12, false);
    double naive_gap = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        CAPTURE(i);
        CHECK(std::abs(got[i] - want[i]) <= 1e-5 * std::abs(want[i]));
        naive_gap = std::max(naive_gap, std::abs(unsharded[i] - want[i]) / std::abs(want[i]));
    }
    CHECK(naive_gap > 1e-4);  // the noise's sharding is what makes the curves match
    CHECK(parallel.noise.state().counter == single.noise.state().counter);
}
