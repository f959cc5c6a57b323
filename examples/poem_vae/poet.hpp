#pragma once
// Poet: a trained poem VAE loaded once, answering generate / acrostic / interpolate / reconstruct
// with couplets as data. The command line (main.cpp) prints them; the web server (serve.hpp) sends
// them as JSON.
//
// Thread safety: every const member may run on many threads at once. The weights are loaded once and
// only read. The autodiff graph is not thread-safe (a node's reference count is a plain integer, and
// every op on a parameter retains its node), so a call never touches the loaded model's nodes: it
// borrows a replica whose parameters share the loaded weights' storage but are nodes of its own, and
// returns it afterwards. Replicas are pooled (as many as calls ever ran at once); their parameters do
// not require gradients, so the acrostic's gradient flows to z only. Scratch tensors are per call.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "decode.hpp"
#include "ink/data/opencc.hpp"
#include "ink/data/poetry.hpp"
#include "ink/io/checkpoint.hpp"
#include "ink/io/safetensors.hpp"
#include "model.hpp"
#include "trainer.hpp"  // hyper_from_json

namespace poem {

using ink::data::Script;
using ink::data::Vocab;

// The model that ships with ink (docs/poem.md), relative to the source tree.
inline constexpr const char* kShippedModel = "models/poem-simplified.safetensors";

inline Script parse_script(const std::string& name) {
    if (name == "simplified") return Script::simplified;
    if (name == "traditional") return Script::traditional;
    ink::detail::fail("unknown script '", name, "': expected simplified or traditional");
}
inline std::string script_name(Script s) { return s == Script::simplified ? "simplified" : "traditional"; }

// "AAAAA，BBBBB"
inline std::string format(const Vocab& vocab, const Couplet& c) {
    return vocab.decode(std::span(c.data(), kLine)) + "，" + vocab.decode(std::span(c.data() + kLine, kLine));
}

// Decodes the logits of `rows` couplets (rows, kLength, V) in order, each with `rng` in turn; `edit`
// may change a couplet's logits (kLength, V) before decoding (the acrostic fixes two characters).
template <class Edit = std::nullptr_t>
void decode_rows(float* logits, index_t rows, index_t V, const DecodeOptions& opt, ink::Rng& rng,
                 std::vector<Couplet>& out, Edit edit = nullptr) {
    for (index_t i = 0; i < rows; ++i) {
        float* l = logits + i * kLength * V;
        if constexpr (!std::is_same_v<Edit, std::nullptr_t>) edit(l);
        out.push_back(decode(l, V, opt, rng));
    }
}

// Decodes z (n, latent) into n couplets, in chunks so that the logits stay small.
template <class Edit = std::nullptr_t>
std::vector<Couplet> decode_latents(const PoemVAE<float>& model, const Tensor<float>& z, const DecodeOptions& opt,
                                    ink::Rng& rng, Edit edit = nullptr) {
    ink::NoGradGuard no_grad;
    const index_t n = z.dim(0), V = model.hyper.vocab, chunk = 64;  // logits of a chunk: 20 MB
    std::vector<Couplet> out;
    out.reserve(std::size_t(n));
    for (index_t r = 0; r < n; r += chunk) {
        Tensor<float> logits = model.decode(Var<float>(z.rows(r, std::min(n, r + chunk)))).value();
        decode_rows(logits.data(), logits.dim(0), V, opt, rng, out, edit);
    }
    return out;
}

// n points of the prior N(0, I), (n, latent).
inline Tensor<float> prior_sample(index_t n, index_t latent, std::uint64_t seed) {
    ink::Rng rng(seed);
    return Tensor<float>::normal({n, latent}, rng, 0.0f, 1.0f);
}

// The posterior means of couplets, (couplets, latent).
inline Tensor<float> posterior_means(const PoemVAE<float>& model, const std::vector<Couplet>& couplets) {
    ink::NoGradGuard no_grad;
    Tensor<std::int32_t> ids = Tensor<std::int32_t>::empty({index_t(couplets.size()), kLength});
    for (std::size_t i = 0; i < couplets.size(); ++i) std::copy(couplets[i].begin(), couplets[i].end(), ids.data() + i * kLength);
    return model.encode(ids).first.value();
}

// The acrostic's search (see Poet::acrostic).
struct AcrosticOptions {
    std::uint64_t seed = 1;  // of the random starts
    index_t starts = 16;     // random starting points, searched at once
    index_t iterations = 60; // gradient steps on z
    float lr = 0.05f;        // gradient step size
};

class Poet {
public:
    // Loads an ink-poem model (a checkpoint written by `ink-poem train`, or an exported model);
    // throws an ink::Error naming the file when it is missing or is not one. The tone table comes
    // from the model's metadata ("poem.tones") or, when it has none, from the pinyin dictionary at
    // `pinyin` if that file exists (tones.hpp); without either, tone-aware decoding is refused.
    explicit Poet(const std::string& path, const std::string& pinyin = "") : path_(path) {
        const auto meta = ink::io::load_safetensors(path).metadata;
        auto field = [&](const char* key) -> const std::string& {
            const auto it = meta.find(key);
            INK_CHECK(it != meta.end(), "'", path, "' is not an ink-poem model (no metadata field ", key, ")");
            return it->second;
        };
        vocab_ = Vocab::from_json(field("poem.vocab"));
        script_ = parse_script(field("poem.script"));
        const Hyper h = hyper_from_json(field("poem.hyper"), "'" + path + "' poem.hyper");
        INK_CHECK(h.vocab == vocab_.size(), "'", path, "': poem.hyper says ", h.vocab, " characters, poem.vocab has ",
                  vocab_.size());
        ink::Rng unused(0);  // the weights come from the file
        model_ = std::make_unique<PoemVAE<float>>(h, unused);
        ink::io::load_checkpoint<float>(path, *model_, nullptr);
        if (const auto it = meta.find("poem.tones"); it != meta.end())
            tones_ = ToneTable::from_string(it->second, vocab_.size(), "'" + path + "' poem.tones");
        else if (!pinyin.empty() && std::filesystem::exists(pinyin))
            tones_ = ToneTable::from_dict(vocab_, load_pinyin_dict(pinyin));
        if (script_ == Script::simplified && ink::data::kHaveOpenCC)
            to_model_script_ = std::make_unique<ink::data::ScriptConverter>("t2s.json");
    }

    const std::string& path() const { return path_; }
    const Hyper& hyper() const { return model_->hyper; }
    const Vocab& vocab() const { return vocab_; }
    Script script() const { return script_; }
    // The loaded model, for single-threaded users (training metrics); concurrent callers use the
    // members below.
    const PoemVAE<float>& model() const { return *model_; }

    const ToneTable& tones() const { return tones_; }

    std::string format(const Couplet& c) const { return poem::format(vocab_, c); }

    // `opt` completed with this model's tone table; refused when tone-aware decoding is asked for and
    // the model has none.
    DecodeOptions decode_options(DecodeOptions opt) const {
        INK_CHECK(opt.tone_penalty >= 0 && std::isfinite(opt.tone_penalty), "the tone penalty must be a non-negative number, got ",
                  opt.tone_penalty);
        INK_CHECK(opt.tone_penalty == 0 || !tones_.empty(), "'", path_,
                  "' has no tone table (metadata poem.tones) and no pinyin dictionary was found: "
                  "scripts/fetch-data.sh pinyin, or decode without tones");
        opt.tones = &tones_;
        return opt;
    }

    // Text in the model's script: traditional characters become simplified for a simplified model
    // (when built with OpenCC). Throws on invalid UTF-8.
    std::string to_model_script(const std::string& text) const {
        std::size_t pos = 0;
        char32_t cp = 0;
        while (pos < text.size()) INK_CHECK(ink::data::utf8::next(text, pos, cp), "\"", text, "\" is not valid UTF-8");
        if (!to_model_script_) return text;
        std::lock_guard<std::mutex> lock(convert_mutex_);  // OpenCC does not promise thread safety
        return to_model_script_->convert(text);
    }

    // A couplet typed by a user: "AAAAA，BBBBB" (or with ',' / a space / '、' / nothing between the
    // lines, and an optional final '。'). Throws naming what is wrong: invalid UTF-8, an unknown
    // character, a line of the wrong length.
    Couplet parse_couplet(const std::string& typed) const {
        const std::string text = to_model_script(typed);
        std::vector<std::string> lines(1);
        std::size_t pos = 0;
        char32_t cp = 0;
        while (pos < text.size()) {
            const std::size_t start = pos;
            INK_CHECK(ink::data::utf8::next(text, pos, cp), "\"", text, "\" is not valid UTF-8");
            if (cp == U'，' || cp == U',' || cp == U' ' || cp == U'、') {
                if (!lines.back().empty()) lines.emplace_back();
            } else if (cp != U'。' && cp != U'.') {
                lines.back() += text.substr(start, pos - start);
            }
        }
        if (lines.back().empty()) lines.pop_back();
        std::vector<std::int32_t> ids;
        for (std::size_t l = 0; l < lines.size(); ++l) {
            const auto line = vocab_.encode(lines[l]);  // throws naming an unknown character
            INK_CHECK(lines.size() == 1 || line.size() == std::size_t(kLine), "line ", l + 1, " of \"", text, "\" has ",
                      line.size(), " characters, expected ", kLine);
            ids.insert(ids.end(), line.begin(), line.end());
        }
        INK_CHECK(ids.size() == std::size_t(kLength), "\"", text, "\" has ", ids.size(),
                  " characters, expected a couplet of two lines of ", kLine, " (", kLength, " characters)");
        Couplet c{};
        std::copy(ids.begin(), ids.end(), c.begin());
        return c;
    }

    // The two head characters of an acrostic, as ids.
    std::array<std::int32_t, 2> parse_heads(const std::string& heads) const {
        const std::string text = to_model_script(heads);
        const auto ids = vocab_.encode(text);  // throws naming an unknown character
        INK_CHECK(ids.size() == 2, "an acrostic needs 2 characters (the heads of the two lines), got ", ids.size(),
                  " in \"", heads, "\"");
        return {ids[0], ids[1]};
    }

    // n new couplets from the prior; the same seed gives the same couplets.
    std::vector<Couplet> generate(index_t n, std::uint64_t seed, const DecodeOptions& opt) const {
        INK_CHECK(n >= 0, "n must be non-negative, got ", n);
        ink::Rng pick = generate_rng(seed);
        return decode_latents(*Replica(*this), generate_latents(n, seed), decode_options(opt), pick);
    }

    // The halves of generate() for a server that batches the decoder product of several requests:
    // z of a request, its decoder logits (rows, kLength, V), and the generator of its decoding.
    Tensor<float> generate_latents(index_t n, std::uint64_t seed) const { return prior_sample(n, hyper().latent, seed); }
    static ink::Rng generate_rng(std::uint64_t seed) { return ink::Rng(seed).fork(1); }
    Tensor<float> decoder_logits(const Tensor<float>& z) const {
        ink::NoGradGuard no_grad;
        return Replica(*this)->decode(Var<float>(z)).value();
    }

    // Encodes a couplet (posterior mean) and decodes it.
    Couplet reconstruct(const Couplet& c, const DecodeOptions& opt) const {
        Replica model(*this);
        ink::Rng pick(0);
        return decode_latents(*model, posterior_means(*model, {c}), decode_options(opt), pick)[0];
    }

    // `steps` couplets decoded along the straight line from a's code to b's, both ends included.
    std::vector<Couplet> interpolate(const Couplet& a, const Couplet& b, index_t steps, const DecodeOptions& opt) const {
        INK_CHECK(steps >= 2, "steps must be at least 2 (both ends), got ", steps);
        Replica model(*this);
        const Tensor<float> mu = posterior_means(*model, {a, b});
        const index_t L = mu.dim(1);
        Tensor<float> z = Tensor<float>::empty({steps, L});
        for (index_t s = 0; s < steps; ++s) {
            const float w = float(s) / float(steps - 1);
            for (index_t j = 0; j < L; ++j) z(s, j) = (1 - w) * mu(0, j) + w * mu(1, j);
        }
        ink::Rng pick(0);
        return decode_latents(*model, z, decode_options(opt), pick);
    }

    // A couplet whose lines start with two given characters. Gradient descent on z, from several
    // random starts at once, on
    //     cross-entropy of the couplet the decoder would print at z, with the two characters forced
    //   + |z|^2 / 2 (the prior's negative log-density, which keeps z where the decoder was trained).
    // The target couplet is re-decoded every iteration, so z moves toward a couplet that the decoder
    // is sure of and that starts right. The start with the highest log p(couplet | z) + log p(z) wins
    // (the first of equals).
    Couplet acrostic(const std::array<std::int32_t, 2>& heads, const DecodeOptions& options, const AcrosticOptions& a) const {
        const DecodeOptions opt = decode_options(options);
        INK_CHECK(a.starts >= 1, "starts must be at least 1, got ", a.starts);
        INK_CHECK(a.iterations >= 0, "iterations must be non-negative, got ", a.iterations);
        ink::Rng pick = ink::Rng(a.seed).fork(1);
        return acrostic_search(heads, opt, a, prior_sample(a.starts, hyper().latent, a.seed), pick).couplet;
    }

private:
    struct AcrosticBest {
        double score = -1e300;
        Couplet couplet{};
    };

    // The acrostic's search from the starts z0 (starts, latent): the best of them and its score.
    AcrosticBest acrostic_search(const std::array<std::int32_t, 2>& heads, const DecodeOptions& opt,
                                 const AcrosticOptions& a, Tensor<float> z0, ink::Rng& pick) const {
        Replica replica(*this);
        const PoemVAE<float>& model = *replica;
        const index_t V = model.hyper.vocab, starts = z0.dim(0);
        // Decodes logits (starts, kLength, V) with the heads forced (they win every decoding method).
        // The two forced entries per couplet are put back afterwards, so the logits serve the
        // cross-entropy and the score unchanged, without a copy of all of them.
        std::vector<Couplet> current;
        auto decode_forced = [&](float* logits) {
            std::vector<float> saved;
            saved.reserve(std::size_t(2 * starts));
            auto force = [&](float* l) {
                for (int line = 0; line < 2; ++line) {
                    float& x = l[line * kLine * V + heads[std::size_t(line)]];
                    saved.push_back(x);
                    x = 1e4f;
                }
            };
            current.clear();
            decode_rows(logits, starts, V, opt, pick, current, force);
            for (index_t r = 0; r < starts; ++r)
                for (int line = 0; line < 2; ++line)
                    logits[r * kLength * V + line * kLine * V + heads[std::size_t(line)]] = saved[std::size_t(2 * r + line)];
        };
        Var<float> z(std::move(z0), true);
        Tensor<std::int32_t> targets = Tensor<std::int32_t>::empty({starts * kLength});
        for (index_t it = 0; it < a.iterations; ++it) {
            const Var<float> logits = ink::reshape(model.decode(z), {-1, V});  // (starts * 10, V)
            Tensor<float> values = logits.value();  // shares the storage
            decode_forced(values.data());          // the targets: the couplets these logits print
            for (index_t r = 0; r < starts; ++r)
                std::copy(current[std::size_t(r)].begin(), current[std::size_t(r)].end(), targets.data() + r * kLength);
            const Var<float> objective =
                ink::cross_entropy(logits, targets, ink::Reduction::Sum) + ink::sum(ink::square(z)) * 0.5f;
            const Tensor<float> g = ink::grad(objective, z).value();
            for (index_t j = 0; j < z.numel(); ++j) z.value()[j] -= a.lr * g[j];
        }
        ink::NoGradGuard no_grad;
        Tensor<float> logits = model.decode(Var<float>(z.value())).value();
        decode_forced(logits.data());
        AcrosticBest best;
        for (index_t r = 0; r < starts; ++r) {
            double prior = 0;
            for (index_t j = 0; j < z.dim(1); ++j) prior -= 0.5 * double(z.value()(r, j)) * z.value()(r, j);
            const double score = log_likelihood(logits.data() + r * kLength * V, V, current[std::size_t(r)]) + prior;
            if (score > best.score) best = {score, current[std::size_t(r)]};
        }
        return best;
    }

    // A model whose parameters share the loaded weights (read-only) through nodes of its own, borrowed
    // from the pool for one call.
    class Replica {
    public:
        explicit Replica(const Poet& poet) : poet_(poet) {
            {
                std::lock_guard<std::mutex> lock(poet.pool_mutex_);
                if (!poet.pool_.empty()) {
                    model_ = std::move(poet.pool_.back());
                    poet.pool_.pop_back();
                }
            }
            if (!model_) model_ = poet.make_replica();
        }
        ~Replica() {
            std::lock_guard<std::mutex> lock(poet_.pool_mutex_);
            poet_.pool_.push_back(std::move(model_));
        }
        Replica(const Replica&) = delete;
        Replica& operator=(const Replica&) = delete;
        const PoemVAE<float>& operator*() const { return *model_; }
        const PoemVAE<float>* operator->() const { return model_.get(); }

    private:
        const Poet& poet_;
        std::unique_ptr<PoemVAE<float>> model_;
    };

    std::unique_ptr<PoemVAE<float>> make_replica() const {
        ink::Rng unused(0);
        auto replica = std::make_unique<PoemVAE<float>>(model_->hyper, unused);
        auto mine = replica->named_parameters();
        const auto loaded = model_->named_parameters();
        for (std::size_t i = 0; i < mine.size(); ++i) {
            mine[i].second.value() = loaded[i].second.value();  // shares the storage
            mine[i].second.set_requires_grad(false);
        }
        return replica;
    }

    std::string path_;
    Vocab vocab_;
    ToneTable tones_;
    Script script_ = Script::simplified;
    std::unique_ptr<PoemVAE<float>> model_;
    std::unique_ptr<ink::data::ScriptConverter> to_model_script_;
    mutable std::mutex convert_mutex_;
    mutable std::mutex pool_mutex_;
    mutable std::vector<std::unique_ptr<PoemVAE<float>>> pool_;
};

}  // namespace poem
