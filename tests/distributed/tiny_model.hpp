#pragma once
// A small regression model and its training loop for the data-parallel tests: x (B, 5) -> Linear 8 ->
// tanh -> Linear 3 -> mse against y (B, 3), a linear function of x, trained with Adam (lr 1e-2) on 53 samples (batches of 8: the last
// one, 5 samples, splits unevenly over 2 ranks).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "ink/data/batches.hpp"
#include "ink/distributed/data_parallel.hpp"
#include "ink/distributed/sharding.hpp"
#include "ink/nn/activation.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops/losses.hpp"
#include "ink/optim/adam.hpp"

namespace ink::test {

struct TinyModel : nn::Module<float> {
    nn::Linear<float> fc1, fc2;
    TinyModel(std::uint64_t seed, index_t hidden = 8) : TinyModel(Rng(seed), hidden) {}

private:
    TinyModel(Rng rng, index_t hidden) : fc1(5, hidden, rng), fc2(hidden, 3, rng) {
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }

public:
    Var<float> loss(const Tensor<float>& x, const Tensor<float>& y) const {
        return mse(fc2(tanh(fc1(Var<float>(x)))), Var<float>(y));
    }
};

inline constexpr index_t kSamples = 53, kBatch = 8;

struct TinyData {
    Tensor<float> x = [] {
        Rng rng(77);
        return Tensor<float>::normal({kSamples, 5}, rng, 0.0f, 1.0f);
    }();
    Tensor<float> y = Tensor<float>::empty({kSamples, 3});
    TinyData() {
        for (index_t i = 0; i < kSamples; ++i)  // a mapping the model can learn
            for (index_t j = 0; j < 3; ++j) y(i, j) = 0.5f * x(i, j) - 0.3f * x(i, j + 2) + 0.1f;
    }
};

// Model, optimizer and batch order of one training run; with `ddp`, this rank's share of it.
struct TinyRun {
    TinyModel model;
    optim::Adam<float> adam;
    data::Batches batches;
    distributed::Communicator* comm;  // null: a single process
    std::optional<distributed::DataParallel<float>> ddp;

    TinyRun(std::uint64_t seed, distributed::Communicator* c, index_t hidden = 8,
            distributed::DataParallel<float>::Options options = {})
        : model(seed, hidden), adam(model.named_parameters(), {.lr = 1e-2}), batches(kSamples, kBatch, Rng(5)), comm(c) {
        if (comm) ddp.emplace(model, *comm, std::move(options));
    }

    // `steps` steps; returns the global batch's mean loss of each (the same on every rank).
    std::vector<double> train(const TinyData& data, int steps) {
        std::vector<double> losses;
        Tensor<float> xb = Tensor<float>::empty({kBatch, 5}), yb = Tensor<float>::empty({kBatch, 3});
        while (int(losses.size()) < steps) {
            auto global = batches.next();
            if (global.empty()) continue;  // the next epoch
            const index_t count = index_t(global.size());
            const distributed::Shard s = distributed::shard_of(count, comm ? comm->rank() : 0, comm ? comm->size() : 1);
            const auto rows = global.subspan(std::size_t(s.begin), std::size_t(s.size()));
            adam.zero_grad();
            double local = 0;
            if (ddp) ddp->expect_backward(s.size());  // with Options::overlap, buckets go out during backward
            if (!rows.empty()) {
                const Var<float> loss = model.loss(data::gather_rows(data.x, rows, xb), data::gather_rows(data.y, rows, yb));
                loss.backward();
                local = loss.item();
            }
            double global_loss = local * s.weight(count);
            if (ddp) {
                ddp->average_gradients(s.size());
                global_loss = comm->sum(global_loss);
            }
            adam.step();
            losses.push_back(global_loss);
        }
        return losses;
    }
};

// A hash of every parameter's bits.
inline std::uint64_t parameter_hash(const nn::Module<float>& m) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const auto& [name, p] : m.named_parameters()) {
        const auto* b = reinterpret_cast<const unsigned char*>(p.value().data());
        for (std::size_t i = 0; i < std::size_t(p.numel()) * sizeof(float); ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return h;
}

}  // namespace ink::test
