#pragma once
// Training state of the poem VAE and its checkpoint: everything a resumed run needs to continue with
// the same bits as an uninterrupted one (same seed and thread count): the parameters, Adam's moments
// and step, the noise generator's counter, the batch order's epoch and position, and the loss sums of
// the epoch in progress.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

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

// Sample-weighted sums of per-couplet losses, for epoch and validation means.
struct LossSums {
    double total = 0, reconstruction = 0, kl = 0;
    index_t count = 0;

    void add(const Losses& l, index_t n) {
        total += l.total * double(n), reconstruction += l.reconstruction * double(n), kl += l.kl * double(n);
        count += n;
    }
    Losses mean() const {
        const double d = count > 0 ? double(count) : 1.0;
        return {total / d, reconstruction / d, kl / d};
    }
};

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
    ink::Rng init_;  // draws the initial weights; declared first: it is used to build the model

public:
    PoemVAE<float> model;
    ink::optim::Adam<float> adam;
    ink::Rng noise;            // eps of the reparameterisation
    ink::data::Batches batches;
    LossSums epoch_sums;       // of the epoch in progress

    // A fresh model for `train_size` training couplets; everything random derives from `seed`.
    Trainer(const Hyper& h, index_t train_size, std::uint64_t seed)
        : init_(seed),
          model(h, init_),
          adam(model.named_parameters(), adam_options()),
          noise(ink::Rng(seed).fork(1)),
          batches(train_size, kBatch, ink::Rng(seed).fork(2)) {}

    // One Adam step on a batch of ids (B, 10); returns its losses. after_backward runs between the
    // gradients and the update (distributed training averages them there); a rank of several may
    // get B = 0 at the end of an epoch, and then only takes the others' averaged step.
    Losses step(const Tensor<std::int32_t>& ids, const std::function<void()>& after_backward = {}) {
        adam.zero_grad();
        Losses losses;
        if (ids.dim(0) > 0) {
            auto [loss, l] = model.loss(ids, noise);
            loss.backward();
            losses = l;
        }
        if (after_backward) after_backward();
        adam.step();
        epoch_sums.add(losses, ids.dim(0));
        return losses;
    }

    // Mean losses per couplet over `data` (N, 10), with eps from a fixed seed so that epochs compare.
    Losses evaluate(const Tensor<std::int32_t>& data, index_t chunk = 1024) const {
        ink::NoGradGuard no_grad;
        ink::Rng eval_noise(0x5EED);
        LossSums sums;
        for (index_t r = 0; r < data.dim(0); r += chunk) {
            const Tensor<std::int32_t> ids = data.rows(r, std::min(r + chunk, data.dim(0)));
            sums.add(model.loss(ids, eval_noise).second, ids.dim(0));
        }
        return sums.mean();
    }

    std::int64_t step_count() const { return adam.steps(); }

    // Writes the whole state atomically, with the caller's metadata (vocabulary, history, ...).
    void save(const std::string& path, std::map<std::string, std::string> metadata) const {
        ink::io::CheckpointInfo info;
        info.step = adam.steps();
        info.rngs["noise"] = noise.state();
        const auto s = batches.state();
        metadata["poem.hyper"] = to_json(model.hyper).dump();
        metadata["poem.batches"] = nlohmann::json{{"epoch", s.epoch}, {"position", s.position}}.dump();
        metadata["poem.epoch_sums"] = nlohmann::json{{"total", epoch_sums.total},
                                                     {"reconstruction", epoch_sums.reconstruction},
                                                     {"kl", epoch_sums.kl},
                                                     {"count", epoch_sums.count}}
                                          .dump();
        info.metadata = std::move(metadata);
        ink::io::save_checkpoint(path, model, adam, info);
    }

    // Restores a state written by save() (the model must have the checkpoint's hyper-parameters);
    // returns the caller's metadata.
    std::map<std::string, std::string> load(const std::string& path) {
        auto info = ink::io::load_checkpoint(path, model, adam);
        noise.set_state(info.rngs.at("noise"));
        const auto b = nlohmann::json::parse(info.metadata.at("poem.batches"));
        batches.set_state({b.at("epoch").get<std::uint64_t>(), b.at("position").get<index_t>()});
        const auto e = nlohmann::json::parse(info.metadata.at("poem.epoch_sums"));
        epoch_sums = {e.at("total").get<double>(), e.at("reconstruction").get<double>(), e.at("kl").get<double>(),
                      e.at("count").get<index_t>()};
        return std::move(info.metadata);
    }
};

}  // namespace poem
