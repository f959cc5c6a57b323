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
// Loading is strict and all-or-nothing: every parameter (and, with an optimizer, every state buffer)
// must be present with its shape and dtype, no unknown "model."/"optim." tensor nor "ink." field may
// remain, every number is parsed strictly (ink::parse_number) and range-checked, and nothing is
// modified unless the whole file checks out. Errors name the file, the field and the value.
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ink/core/charconv.hpp"
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
    std::int64_t step = 0;                          // >= 0
    std::map<std::string, Rng::State> rngs;         // e.g. {"init", ...}, {"data", ...}
    std::map<std::string, std::string> metadata;    // user fields; keys must not start with "ink."
    std::optional<data::Batches::State> batches{};  // where the batch order stands (a training loop's)
};

namespace detail {

inline bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The shortest decimal text that parses back to exactly `x`.
inline std::string exact_decimal(double x) {
    char buf[32];
    return std::string(buf, ink::detail::shortest_decimal(buf, buf + sizeof buf, x));
}

}  // namespace detail

// Writes `path` atomically. `optimizer` may be null (weights only). `storage` chooses how the float
// tensors are stored (e.g. {.float_dtype = DType::BF16} for a model to ship: half the size, weights
// rounded to nearest even); load_checkpoint reads any floating dtype back.
template <class T>
void save_checkpoint(const std::string& path, const nn::Module<T>& model,
                     const std::type_identity_t<optim::Optimizer<T>>* optimizer, const CheckpointInfo& info = {},
                     const SaveOptions& storage = {}) {
    INK_CHECK(info.step >= 0, "save_checkpoint '", path, "': step = ", info.step, " is out of range: expected >= 0");
    TensorDict d;
    for (const auto& [name, p] : model.named_parameters()) d.set("model." + name, p.value());
    d.metadata["ink.format"] = kCheckpointFormat;
    d.metadata["ink.step"] = std::to_string(info.step);
    if (optimizer) {
        for (const auto& [name, t] : optimizer->state()) d.set("optim." + name, t);
        d.metadata["ink.optimizer"] = optimizer->name();
        d.metadata["ink.optimizer.steps"] = std::to_string(optimizer->steps());
        d.metadata["ink.optimizer.lr"] = detail::exact_decimal(optimizer->lr());
    }
    for (const auto& [name, s] : info.rngs)
        d.metadata["ink.rng." + name] = std::to_string(s.seed) + " " + std::to_string(s.counter);
    if (info.batches)
        d.metadata["ink.batches"] = std::to_string(info.batches->epoch) + " " + std::to_string(info.batches->position);
    for (const auto& [key, value] : info.metadata) {
        INK_CHECK(!detail::starts_with(key, "ink."), "save_checkpoint '", path, "': metadata key '", key,
                  "' is reserved (keys starting with 'ink.' belong to the format)");
        d.metadata[key] = value;
    }
    save_safetensors(path, d, storage);
}
template <class T>
void save_checkpoint(const std::string& path, const nn::Module<T>& model, const optim::Optimizer<T>& optimizer,
                     const CheckpointInfo& info = {}) {
    save_checkpoint(path, model, &optimizer, info);
}

// Restores the model's parameters and, if `optimizer` is not null, its state, step count and learning
// rate; returns the step, RNG states and user metadata. Throws ink::Error naming the file and the
// tensor or field on any mismatch, before modifying anything. Without an optimizer, the file's
// optimizer state (if any) is ignored: loading the weights of a full checkpoint is fine.
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, nn::Module<T>& model,
                               std::type_identity_t<optim::Optimizer<T>>* optimizer = nullptr) {
    const TensorDict d = load_safetensors(path);
    const std::string where = "checkpoint '" + path + "'";
    auto fail = [&](auto&&... parts) { ink::detail::fail(where, ": ", std::forward<decltype(parts)>(parts)...); };
    // A metadata number, strictly parsed: the message names the file, the field and the text.
    auto number = [&]<class N>(const std::string& key, std::string_view text, N) {
        return parse_number<N>(text, where + ": " + key);
    };
    if (d.meta("ink.format") != kCheckpointFormat)
        fail("ink.format = '", d.meta("ink.format"), "', expected '", kCheckpointFormat, "'");

    // 1. Check everything, modifying nothing.
    std::vector<std::pair<Tensor<T>, Tensor<T>>> model_copies;  // (parameter, its saved value)
    std::set<std::string> known;                                 // the tensor names the file must hold
    for (const auto& [name, p] : model.named_parameters()) {
        // Weights stored in half precision (an exported model) load into float or double; full-precision
        // weights must be of the model's own type (a double model does not silently take float weights).
        const std::string key = "model." + name;
        const DType stored = d.file_dtype(key);
        model_copies.emplace_back(p.value(), stored == DType::F16 || stored == DType::BF16 ? d.get_as<T>(key, p.shape())
                                                                                           : d.get<T>(key, p.shape()));
        known.insert("model." + name);
    }

    std::int64_t optim_steps = 0;
    double lr = 0;
    std::vector<Tensor<T>> optim_state;  // in optimizer->state() order
    if (optimizer) {
        if (!d.metadata.count("ink.optimizer")) fail("no optimizer state (saved without an optimizer)");
        if (d.meta("ink.optimizer") != optimizer->name())
            fail("optimizer state of ", d.meta("ink.optimizer"), ", expected ", optimizer->name());
        const auto live = optimizer->state();
        for (std::size_t k = 0; k < live.size(); ++k) {
            const std::string name = "optim." + live[k].first;
            optim_state.push_back(d.get<T>(name, live[k].second.shape()));
            optimizer->check_state_tensor(k, optim_state.back(), where + ": tensor '" + name + "'");
            known.insert(name);
        }
        optim_steps = number("ink.optimizer.steps", d.meta("ink.optimizer.steps"), std::int64_t{});
        optimizer->check_steps(optim_steps, where + ": ink.optimizer.steps");
        lr = number("ink.optimizer.lr", d.meta("ink.optimizer.lr"), double{});
        optimizer->check_lr(lr, where + ": ink.optimizer.lr");
    }
    for (const auto& [name, t] : d.tensors()) {
        if (known.count(name)) continue;
        if (detail::starts_with(name, "model.")) fail("tensor '", name, "' is not a parameter of the model");
        if (!detail::starts_with(name, "optim."))
            fail("tensor '", name, "' is neither a parameter ('model.') nor optimizer state ('optim.')");
        if (optimizer) fail("tensor '", name, "' is not part of the ", optimizer->name(), " state");
    }

    CheckpointInfo info;
    info.step = number("ink.step", d.meta("ink.step"), std::int64_t{});
    if (info.step < 0) fail("ink.step = ", info.step, " is out of range: expected >= 0");
    for (const auto& [key, value] : d.metadata) {
        if (detail::starts_with(key, "ink.rng.")) {
            const auto space = value.find(' ');
            if (space == std::string::npos) fail(key, " = '", value, "' is not '<seed> <counter>'");
            info.rngs[key.substr(8)] = {number(key + " (seed)", std::string_view(value).substr(0, space), std::uint64_t{}),
                                        number(key + " (counter)", std::string_view(value).substr(space + 1), std::uint64_t{})};
        } else if (key == "ink.batches") {
            const auto space = value.find(' ');
            if (space == std::string::npos) fail(key, " = '", value, "' is not '<epoch> <position>'");
            info.batches = data::Batches::State{
                number(key + " (epoch)", std::string_view(value).substr(0, space), std::uint64_t{}),
                number(key + " (position)", std::string_view(value).substr(space + 1), index_t{})};
            if (info.batches->position < 0) fail(key, " = '", value, "': the position must be non-negative");
        } else if (!detail::starts_with(key, "ink.")) {
            info.metadata[key] = value;
        } else if (key != "ink.format" && key != "ink.step" && key != "ink.optimizer" && key != "ink.optimizer.steps" &&
                   key != "ink.optimizer.lr") {
            fail("unknown metadata field '", key, "' (keys starting with 'ink.' belong to the format)");
        }
    }

    // 2. Commit: nothing below can fail, every value having been checked above.
    for (auto& [dst, src] : model_copies) dst.copy_from(src);
    if (optimizer) optimizer->restore(optim_steps, lr, optim_state);
    return info;
}
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, nn::Module<T>& model, optim::Optimizer<T>& optimizer) {
    return load_checkpoint(path, model, &optimizer);
}

}  // namespace ink::io
