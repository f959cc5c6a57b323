#pragma once
// Checkpoints: a model's parameters, an optimizer's state, the step, RNG states and user metadata in
// one safetensors file (see docs/checkpoints.md), written atomically.
//
//   tensors   "model.<parameter name>"          e.g. "model.encoder.gcnn1.conv.weight"
//             "optim.<parameter name>.<slot>"   e.g. "optim.encoder.gcnn1.conv.weight.exp_avg"
//   metadata  "ink.format"      "ink-checkpoint-1"
//             "ink.step"        the training step (decimal)
//             "ink.optimizer"   the rule ("Adam", ...), with "ink.optimizer.steps" and "ink.optimizer.lr"
//             "ink.rng.<name>"  "<seed> <counter>" of each saved Rng (decimal u64s)
//             "ink.batches"     "<epoch> <position>" of the mini-batch order (data/batches.hpp), if saved
//             anything else     the user's metadata (vocabulary, hyper-parameters as JSON, ...)
//
// Loading is strict and all-or-nothing: every parameter must be present with its shape and dtype, no
// unknown "model." tensor may remain, and nothing is modified unless the whole file checks out.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "ink/core/parse.hpp"
#include "ink/core/rng.hpp"
#include "ink/data/batches.hpp"
#include "ink/io/safetensors.hpp"
#include "ink/nn/module.hpp"
#include "ink/optim/optimizer.hpp"

namespace ink::io {

inline constexpr const char* kCheckpointFormat = "ink-checkpoint-1";

// What a checkpoint holds besides tensors.
struct CheckpointInfo {
    std::int64_t step = 0;
    std::map<std::string, Rng::State> rngs;         // e.g. {"init", ...}, {"data", ...}
    std::map<std::string, std::string> metadata;    // user fields; keys must not start with "ink."
    std::optional<data::Batches::State> batches{};  // where the batch order stands (a training loop's)
};

namespace detail {

inline bool reserved_key(const std::string& key) { return key.rfind("ink.", 0) == 0; }

inline std::uint64_t parse_u64(const TensorDict& d, const std::string& key, const std::string& text) {
    std::size_t used = 0;
    std::uint64_t v = 0;
    try {
        v = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    INK_CHECK(used == text.size() && !text.empty() && text[0] != '-', "checkpoint '", d.source(),
              "': metadata field '", key, "' is '", text, "', expected an unsigned integer");
    return v;
}

}  // namespace detail

// Writes `path` atomically. `optimizer` may be null (weights only).
template <class T>
void save_checkpoint(const std::string& path, const nn::Module<T>& model,
                     const std::type_identity_t<optim::Optimizer<T>>* optimizer, const CheckpointInfo& info = {}) {
    TensorDict d;
    for (const auto& [name, p] : model.named_parameters()) d.set("model." + name, p.value());
    d.metadata["ink.format"] = kCheckpointFormat;
    d.metadata["ink.step"] = std::to_string(info.step);
    if (optimizer) {
        for (const auto& [name, t] : optimizer->state()) d.set("optim." + name, t);
        d.metadata["ink.optimizer"] = optimizer->name();
        d.metadata["ink.optimizer.steps"] = std::to_string(optimizer->steps());
        d.metadata["ink.optimizer.lr"] = nlohmann::json(optimizer->lr()).dump();  // shortest exact form
    }
    for (const auto& [name, s] : info.rngs)
        d.metadata["ink.rng." + name] = std::to_string(s.seed) + " " + std::to_string(s.counter);
    if (info.batches) d.metadata["ink.batches"] = std::to_string(info.batches->epoch) + " " + std::to_string(info.batches->position);
    for (const auto& [key, value] : info.metadata) {
        INK_CHECK(!detail::reserved_key(key), "save_checkpoint '", path, "': metadata key '", key,
                  "' is reserved (keys starting with 'ink.' belong to the format)");
        d.metadata[key] = value;
    }
    save_safetensors(path, d);
}
template <class T>
void save_checkpoint(const std::string& path, const nn::Module<T>& model, const optim::Optimizer<T>& optimizer,
                     const CheckpointInfo& info = {}) {
    save_checkpoint(path, model, &optimizer, info);
}

// Restores the model's parameters and, if `optimizer` is not null, its state, step count and learning
// rate; returns the step, RNG states and user metadata. Throws ink::Error naming the file and the
// tensor or field on any mismatch, before modifying anything.
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, nn::Module<T>& model,
                               std::type_identity_t<optim::Optimizer<T>>* optimizer = nullptr) {
    const TensorDict d = load_safetensors(path);
    auto fail = [&](auto&&... parts) {
        ink::detail::fail("checkpoint '", path, "': ", std::forward<decltype(parts)>(parts)...);
    };
    if (d.meta("ink.format") != kCheckpointFormat)
        fail("format '", d.meta("ink.format"), "', expected '", kCheckpointFormat, "'");

    // Check everything first: (destination, source) pairs to copy once the whole file is valid.
    std::vector<std::pair<Tensor<T>, Tensor<T>>> copies;
    std::set<std::string> expected;
    for (const auto& [name, p] : model.named_parameters()) {
        copies.emplace_back(p.value(), d.get<T>("model." + name, p.shape()));
        expected.insert("model." + name);
    }
    for (const auto& [name, t] : d.tensors())
        if (name.rfind("model.", 0) == 0 && !expected.count(name))
            fail("tensor '", name, "' is not a parameter of the model");

    CheckpointInfo info;
    const auto step = detail::parse_u64(d, "ink.step", d.meta("ink.step"));
    info.step = static_cast<std::int64_t>(step);
    std::uint64_t optim_steps = 0;
    double lr = 0;
    if (optimizer) {
        if (!d.metadata.count("ink.optimizer")) fail("no optimizer state (saved without an optimizer)");
        if (d.meta("ink.optimizer") != optimizer->name())
            fail("optimizer state of ", d.meta("ink.optimizer"), ", expected ", optimizer->name());
        for (const auto& [name, t] : optimizer->state()) copies.emplace_back(t, d.get<T>("optim." + name, t.shape()));
        optim_steps = detail::parse_u64(d, "ink.optimizer.steps", d.meta("ink.optimizer.steps"));
        try {
            lr = nlohmann::json::parse(d.meta("ink.optimizer.lr")).get<double>();
        } catch (const nlohmann::json::exception&) {
            fail("metadata field 'ink.optimizer.lr' is '", d.meta("ink.optimizer.lr"), "', expected a number");
        }
    }
    for (const auto& [key, value] : d.metadata) {
        if (key.rfind("ink.rng.", 0) == 0) {
            const auto space = value.find(' ');
            if (space == std::string::npos) fail("metadata field '", key, "' is '", value, "', expected '<seed> <counter>'");
            info.rngs[key.substr(8)] = {detail::parse_u64(d, key, value.substr(0, space)),
                                        detail::parse_u64(d, key, value.substr(space + 1))};
        } else if (key == "ink.batches") {
            const auto space = value.find(' ');
            const std::string what = "checkpoint '" + path + "': metadata field 'ink.batches' ('<epoch> <position>')";
            if (space == std::string::npos) fail("metadata field '", key, "' is '", value, "', expected '<epoch> <position>'");
            info.batches = data::Batches::State{parse_number<std::uint64_t>(std::string_view(value).substr(0, space), what),
                                                parse_number<index_t>(std::string_view(value).substr(space + 1), what)};
            if (info.batches->position < 0) fail("metadata field '", key, "' has a negative position: '", value, "'");
        } else if (!detail::reserved_key(key)) {
            info.metadata[key] = value;
        }
    }

    for (auto& [dst, src] : copies) dst.copy_from(src);
    if (optimizer) {
        optimizer->set_steps(static_cast<std::int64_t>(optim_steps));
        optimizer->set_lr(lr);
    }
    return info;
}
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, nn::Module<T>& model, optim::Optimizer<T>& optimizer) {
    return load_checkpoint(path, model, &optimizer);
}

}  // namespace ink::io
