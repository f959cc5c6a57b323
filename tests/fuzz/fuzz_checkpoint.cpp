// libFuzzer target: checkpoint loading (io/checkpoint.hpp) into a small model (Linear + Embedding)
// and an Adam optimizer, with and without the optimizer.
//
// Oracle, for each input and each of the two loads:
//   - the load throws ink::Error, and the model and optimizer are bit for bit as before (parameters,
//     state buffers, step count, learning rate): loads are all-or-nothing;
//   - or it succeeds, and saving what was loaded then loading that into a fresh model and optimizer
//     gives the same bits and the same step, RNG states and metadata: a file that loads round-trips.
// Any other exception, or a broken oracle, aborts.
//
// load_checkpoint takes a path, so each input is written to a per-process file in TMPDIR (point
// TMPDIR at a tmpfs such as /dev/shm for speed: the round trip's save fsyncs).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "ink/io/checkpoint.hpp"
#include "ink/nn/embedding.hpp"
#include "ink/nn/linear.hpp"
#include "ink/optim/adam.hpp"

namespace {

struct Model : ink::nn::Module<float> {
    ink::nn::Linear<float> fc;
    ink::nn::Embedding<float> emb;
    explicit Model(ink::Rng& rng) : fc(3, 4, rng), emb(5, 3, rng) {
        register_module("fc", fc);
        register_module("emb", emb);
    }
};

// A model and its Adam after one step, so that the state a failed load must keep is not all zeros.
struct Trained {
    ink::Rng rng;
    Model model;
    ink::optim::Adam<float> adam;
    explicit Trained(std::uint64_t seed) : rng(seed), model(rng), adam(model.named_parameters(), {.lr = 0.01}) {
        for (auto& [name, p] : model.named_parameters()) {
            p.grad() = ink::Tensor<float>::empty(p.shape());
            for (ink::index_t i = 0; i < p.numel(); ++i) p.grad()[i] = 0.25f * float(i % 7) - 0.5f;
        }
        adam.step();
    }
};

// Every bit a load may change.
std::string bits(const Model& m, const ink::optim::Optimizer<float>* opt) {
    std::string out;
    auto add = [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
    for (const auto& [name, p] : m.named_parameters()) add(p.value().data(), sizeof(float) * std::size_t(p.numel()));
    if (!opt) return out;
    for (const auto& [name, t] : opt->state()) add(t.data(), sizeof(float) * std::size_t(t.numel()));
    const std::int64_t steps = opt->steps();
    const double lr = opt->lr();
    add(&steps, sizeof steps);
    add(&lr, sizeof lr);
    return out;
}

bool same_info(const ink::io::CheckpointInfo& a, const ink::io::CheckpointInfo& b) {
    if (a.step != b.step || a.metadata != b.metadata || a.rngs.size() != b.rngs.size()) return false;
    for (const auto& [name, s] : a.rngs) {
        const auto it = b.rngs.find(name);
        if (it == b.rngs.end() || it->second.seed != s.seed || it->second.counter != s.counter) return false;
    }
    return true;
}

[[noreturn]] void broken(const char* what, const char* detail = "") {
    std::fprintf(stderr, "fuzz_checkpoint: %s %s\n", what, detail);
    std::abort();
}

const std::string& scratch(const char* suffix) {
    static const std::string base =
        (std::filesystem::temp_directory_path() / ("ink-fuzz-checkpoint-" + std::to_string(::getpid()))).string();
    static const std::string in = base + ".in.safetensors", out = base + ".out.safetensors";
    return suffix[0] == 'i' ? in : out;
}

// One load of `path` into t (with its optimizer when `with_optimizer`), checked against the oracle.
void check_load(const std::string& path, bool with_optimizer) {
    Trained t(1);
    ink::optim::Optimizer<float>* opt = with_optimizer ? &t.adam : nullptr;
    const std::string before = bits(t.model, opt);
    ink::io::CheckpointInfo info;
    try {
        info = ink::io::load_checkpoint(path, t.model, opt);
    } catch (const ink::Error&) {
        if (bits(t.model, opt) != before) broken("a failed load changed the model or the optimizer");
        return;
    } catch (const std::exception& e) {
        broken("an exception other than ink::Error:", e.what());
    }
    try {
        ink::io::save_checkpoint(scratch("out"), t.model, opt, info);
        Trained fresh(2);
        ink::optim::Optimizer<float>* fresh_opt = with_optimizer ? &fresh.adam : nullptr;
        const ink::io::CheckpointInfo again = ink::io::load_checkpoint(scratch("out"), fresh.model, fresh_opt);
        if (bits(fresh.model, fresh_opt) != bits(t.model, opt)) broken("the round trip changed the tensors");
        if (!same_info(info, again)) broken("the round trip changed the step, RNG states or metadata");
    } catch (const std::exception& e) {
        broken("a checkpoint that loaded did not round-trip:", e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratch("in");
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) broken("cannot write", path.c_str());
    check_load(path, true);
    check_load(path, false);
    return 0;
}
