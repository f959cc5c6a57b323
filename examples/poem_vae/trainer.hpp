#pragma once
// Training of the poem VAE: the model, Adam, the noise generator and the batch order, driven by an
// ink::train::Loop (progress, history, checkpoints with everything a resumed run needs to continue
// with the same bits as an uninterrupted one, Ctrl-C).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ink/core/json.hpp"
#include "ink/data/batches.hpp"
#include "ink/train.hpp"
#include "couplet.hpp"
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
// The hyper-parameters saved in a model file (outside input): every field present, an integer, and
// within what a couplet model can be, so that a hostile file cannot ask for a huge model.
inline Hyper hyper_from_json(const std::string& text, const std::string& what = "poem.hyper") {
    const auto j = ink::json::parse(text, what);
    INK_CHECK(j.is_object(), what, ": expected a JSON object");
    auto field = [&](const char* key, index_t lo, index_t hi) {
        INK_CHECK(j.contains(key) && j.at(key).is_number_integer(), what, ": field '", key, "' must be an integer");
        const auto v = j.at(key).get<std::int64_t>();
        INK_CHECK(v >= lo && v <= hi, what, ": ", key, " = ", v, " is out of range: expected ", lo, " to ", hi);
        return index_t(v);
    };
    Hyper h;
    h.vocab = field("vocab", 1, 1 << 20);
    h.length = field("length", kLength, kLength);
    h.embedding = field("embedding", 1, 4096);
    h.latent = field("latent", 1, 4096);
    h.kernel = field("kernel", 1, 15);
    INK_CHECK(h.kernel % 2 == 1, what, ": kernel = ", h.kernel, " must be odd ('same' padding)");
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

    // One Adam step on a batch of ids (B, 10); returns its losses. One rank of several may get B = 0
    // at the end of an epoch: it then only takes part in the averaging of the others' gradients.
    Losses step(const Tensor<std::int32_t>& ids) {
        adam.zero_grad();
        Losses losses;
        if (ids.dim(0) > 0) {
            auto [loss, l] = model.loss(ids, noise);
            loop.backward(loss);
            losses = l;
        } else {
            loop.after_backward();
        }
        adam.step();
        return losses;
    }
    // The rows of the training set, for a step hook of the caller's own (distributed training).
    Tensor<std::int32_t> gather(std::span<const index_t> rows) { return ink::data::gather_rows(train_, rows, buffer_); }

    // Mean losses per couplet over `data` (N, 10) (model.hpp's evaluate: fixed eps, epochs compare).
    Losses evaluate(const Tensor<std::int32_t>& data) const { return poem::evaluate(model, data); }

    std::int64_t step_count() const { return adam.steps(); }

private:
    static PoemVAE<float> initial_model(const Hyper& h, std::uint64_t seed) {
        ink::Rng init(seed);
        return PoemVAE<float>(h, init);
    }

    Tensor<std::int32_t> train_, buffer_;
};

}  // namespace poem
