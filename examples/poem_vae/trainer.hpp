#pragma once
// Training of the poem VAE: the model, Adam, the noise generator and the batch order, driven by an
// ink::train::Loop (progress, history, checkpoints with everything a resumed run needs to continue
// with the same bits as an uninterrupted one, Ctrl-C).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ink/train.hpp"
#include "ink/data/batches.hpp"
#include "model.hpp"

namespace poem {

// Adam as in the Keras original: lr 1e-3, betas 0.9 / 0.999, eps 1e-7.
inline ink::optim::AdamOptions adam_options() {
    ink::optim::AdamOptions o;
    o.lr = 1e-3;
    o.eps = 1e-7;
    return o;
}

inline constexpr index_t kBatch = 64;

inline nlohmann::json to_json(const Hyper& h) {
    return {{"vocab", h.vocab}, {"length", h.length}, {"embedding", h.embedding}, {"latent", h.latent},
            {"kernel", h.kernel}};
}
inline Hyper hyper_from_json(const std::string& text) {
    const auto j = nlohmann::json::parse(text);
    Hyper h;
    h.vocab = j.at("vocab").get<index_t>();
    h.length = j.at("length").get<index_t>();
    h.embedding = j.at("embedding").get<index_t>();
    h.latent = j.at("latent").get<index_t>();
    h.kernel = j.at("kernel").get<index_t>();
    return h;
}

class Trainer {
public:
    PoemVAE<float> model;
    ink::optim::Adam<float> adam;
    ink::Rng noise;  // eps of the reparameterisation
    ink::data::Batches batches;
    ink::train::Loop<float> loop;  // its step trains on `train` (N, 10); the caller sets epochs, files, hooks

    // A fresh model; everything random derives from `seed`.
    Trainer(const Hyper& h, const Tensor<std::int32_t>& train, std::uint64_t seed)
        : model(initial_model(h, seed)),
          adam(model.named_parameters(), adam_options()),
          noise(ink::Rng(seed).fork(1)),
          batches(train.dim(0), kBatch, ink::Rng(seed).fork(2)),
          loop(model, adam, batches, {.metrics = {"loss", "rec", "kl"}}),
          train_(train),
          buffer_(Tensor<std::int32_t>::empty({kBatch, h.length})) {
        loop.track("noise", noise);
        loop.metadata["poem.hyper"] = to_json(h).dump();
        loop.hooks.step = [this](std::span<const index_t> rows, std::span<double> metrics) {
            const Losses l = step(ink::data::gather_rows(train_, rows, buffer_));
            metrics[0] = l.total, metrics[1] = l.reconstruction, metrics[2] = l.kl;
            return index_t(rows.size());
        };
    }

    // One Adam step on a batch of ids (B, 10); returns its losses.
    Losses step(const Tensor<std::int32_t>& ids) {
        adam.zero_grad();
        auto [loss, losses] = model.loss(ids, noise);
        loop.backward(loss);
        adam.step();
        return losses;
    }

    // Mean losses per couplet over `data` (N, 10), with eps from a fixed seed so that epochs compare.
    Losses evaluate(const Tensor<std::int32_t>& data, index_t chunk = 1024) const {
        ink::NoGradGuard no_grad;
        ink::Rng eval_noise(0x5EED);
        Losses sum;
        for (index_t r = 0; r < data.dim(0); r += chunk) {
            const Tensor<std::int32_t> ids = data.rows(r, std::min(r + chunk, data.dim(0)));
            const Losses l = model.loss(ids, eval_noise).second;
            const double n = double(ids.dim(0));
            sum.total += l.total * n, sum.reconstruction += l.reconstruction * n, sum.kl += l.kl * n;
        }
        const double n = std::max<double>(1, double(data.dim(0)));
        return {sum.total / n, sum.reconstruction / n, sum.kl / n};
    }

    std::int64_t step_count() const { return adam.steps(); }

private:
    static PoemVAE<float> initial_model(const Hyper& h, std::uint64_t seed) {
        ink::Rng init(seed);
        return PoemVAE<float>(h, init);
    }

    Tensor<std::int32_t> train_, buffer_;
};

}  // namespace poem
