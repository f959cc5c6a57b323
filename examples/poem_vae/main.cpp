// ink-poem: a variational autoencoder of five-character Tang couplets (see docs/poem.md).
//
//   ink-poem train [--epochs N] [--threads N] [--seed S] [--model FILE] [--resume] [--script ...]
//   ink-poem generate [-n N] [--decode argmax|sample|joint] [--temperature T] [--top-k K] [--seed S]
//   ink-poem reconstruct "couplet"
//   ink-poem interpolate "couplet A" "couplet B" [--steps 8]
//   ink-poem acrostic 春风
//   ink-poem metrics [-n 1000]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "decode.hpp"
#include "ink/core/precision.hpp"
#include "trainer.hpp"

namespace poem {

namespace fs = std::filesystem;
using ink::data::Script;
using ink::data::Vocab;

// ---- shared pieces ---------------------------------------------------------------------------------

struct CommonOptions {
    std::string model = "runs/poem/model.safetensors";
    std::string data = ink::data::kTangPoemsDir.string();
    int threads = 0;  // 0: ink's default (all cores)
};

inline Script parse_script(const std::string& name) {
    if (name == "simplified") return Script::simplified;
    if (name == "traditional") return Script::traditional;
    ink::detail::fail("unknown script '", name, "': expected simplified or traditional");
}
inline std::string script_name(Script s) { return s == Script::simplified ? "simplified" : "traditional"; }

// "<model without .safetensors><suffix>": where a run's history and plot go, beside its model.
inline std::string beside(const std::string& model, const std::string& suffix) {
    fs::path p(model);
    if (p.extension() == ".safetensors") p.replace_extension();
    return p.string() + suffix;
}

inline std::string format(const Vocab& vocab, const Couplet& c) {
    return vocab.decode(std::span(c.data(), kLine)) + "，" + vocab.decode(std::span(c.data() + kLine, kLine));
}

// A trained model with its vocabulary, for the commands that use one.
struct Trained {
    std::unique_ptr<PoemVAE<float>> model;
    Vocab vocab;
    Script script = Script::simplified;
};

inline Trained load_trained(const std::string& path) {
    INK_CHECK(fs::exists(path), "no model at '", path, "': train one first (ink-poem train --model ", path,
              ", or scripts/poem.sh)");
    const auto meta = ink::io::load_safetensors(path).metadata;
    auto field = [&](const char* key) -> const std::string& {
        const auto it = meta.find(key);
        INK_CHECK(it != meta.end(), "'", path, "' is not an ink-poem model (no metadata field ", key, ")");
        return it->second;
    };
    Trained t;
    t.vocab = Vocab::from_json(field("poem.vocab"));
    t.script = parse_script(field("poem.script"));
    ink::Rng unused(0);  // the weights come from the file
    t.model = std::make_unique<PoemVAE<float>>(hyper_from_json(field("poem.hyper")), unused);
    ink::io::load_checkpoint<float>(path, *t.model, nullptr);
    return t;
}

// A couplet typed by the user: "AAAAA，BBBBB" (or with ',' / a space / nothing between the lines,
// and an optional final '。'). Traditional characters are converted when the model is simplified.
inline Couplet parse_couplet(const Trained& t, std::string text) {
    if (t.script == Script::simplified && ink::data::kHaveOpenCC) text = ink::data::ScriptConverter("t2s.json").convert(text);
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
        const auto line = t.vocab.encode(lines[l]);  // throws naming an unknown character
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

// Decodes z (n, latent) into n couplets, in chunks so that the logits stay small; `edit` may change a
// couplet's logits (10, V) before decoding (the acrostic fixes two characters).
template <class Edit = std::nullptr_t>
std::vector<Couplet> decode_latents(const PoemVAE<float>& model, const Tensor<float>& z, const DecodeOptions& opt,
                                    ink::Rng& rng, Edit edit = nullptr) {
    ink::NoGradGuard no_grad;
    const index_t n = z.dim(0), V = model.hyper.vocab, chunk = 64;  // logits of a chunk: 20 MB
    std::vector<Couplet> out;
    out.reserve(std::size_t(n));
    for (index_t r = 0; r < n; r += chunk) {
        Tensor<float> logits = model.decode(Var<float>(z.rows(r, std::min(n, r + chunk)))).value();
        for (index_t i = 0; i < logits.dim(0); ++i) {
            float* l = logits.data() + i * kLength * V;
            if constexpr (!std::is_same_v<Edit, std::nullptr_t>) edit(l);
            out.push_back(decode(l, V, opt, rng));
        }
    }
    return out;
}

inline Tensor<float> prior_sample(index_t n, index_t latent, std::uint64_t seed) {
    Tensor<float> z = Tensor<float>::empty({n, latent});
    ink::Rng(seed).fill_normal(z.data(), z.numel(), 0.0f, 1.0f);
    return z;
}

// The posterior means of couplets.
inline Tensor<float> posterior_means(const PoemVAE<float>& model, const std::vector<Couplet>& couplets) {
    ink::NoGradGuard no_grad;
    Tensor<std::int32_t> ids = Tensor<std::int32_t>::empty({index_t(couplets.size()), kLength});
    for (std::size_t i = 0; i < couplets.size(); ++i) std::copy(couplets[i].begin(), couplets[i].end(), ids.data() + i * kLength);
    return model.encode(ids).first.value();
}

void add_decode_options(CLI::App& cmd, std::string& method, DecodeOptions& opt) {
    cmd.add_option("--decode", method,
                   "argmax (the original: most likely character per position), sample, or joint (most likely "
                   "line with a penalty per repeated character)")
        ->capture_default_str();
    cmd.add_option("--temperature", opt.temperature, "sample: divides the logits")->capture_default_str();
    cmd.add_option("--top-k", opt.top_k, "sample: draw from the k most likely characters (0: all)")->capture_default_str();
    cmd.add_option("--repeat-penalty", opt.repeat_penalty, "joint: nats per repeated character in a line")
        ->capture_default_str();
}

// The per-epoch records as a CSV table and a plot of the losses, beside the model.
inline void write_history(const std::string& model, const nlohmann::json& history) {
    ink::util::CsvWriter csv({"epoch", "train_loss", "train_reconstruction", "train_kl", "valid_loss",
                              "valid_reconstruction", "valid_kl", "seconds"});
    ink::util::Series train{"training", {}, {}}, valid{"validation", {}, {}};
    for (const auto& r : history) {
        const auto& t = r.at("train");
        const auto& v = r.at("valid");
        csv.add_row({r.at("epoch").get<int>(), t[0].get<double>(), t[1].get<double>(), t[2].get<double>(),
                     v[0].get<double>(), v[1].get<double>(), v[2].get<double>(), r.at("seconds").get<double>()});
        train.y.push_back(t[0].get<double>());
        valid.y.push_back(v[0].get<double>());
    }
    csv.save(beside(model, ".history.csv"));
    ink::util::PlotOptions plot;
    plot.title = "poem VAE: loss per couplet (reconstruction + KL)";
    plot.x_label = "epoch";
    plot.y_label = "nats per couplet";
    plot.markers = true;
    ink::util::write_png(ink::util::line_plot({train, valid}, plot), beside(model, ".loss.png"));
}

// ---- train -----------------------------------------------------------------------------------------

struct TrainOptions {
    int epochs = 100;
    std::uint64_t seed = 1;
    bool resume = false;
    std::string script = "simplified";
};

int train(const CommonOptions& common, TrainOptions o) {
    std::map<std::string, std::string> meta;
    const std::string history_key = "poem.history";
    nlohmann::json history = nlohmann::json::array();
    int threads = common.threads > 0 ? common.threads : ink::num_threads();
    if (o.resume) {
        INK_CHECK(fs::exists(common.model), "--resume: no checkpoint at '", common.model, "'");
        meta = ink::io::load_safetensors(common.model).metadata;
        INK_CHECK(meta.count("poem.seed"), "'", common.model, "' is not an ink-poem checkpoint");
        o.seed = std::stoull(meta.at("poem.seed"));
        o.script = meta.at("poem.script");
        const int saved = std::stoi(meta.at("poem.threads"));
        if (common.threads == 0) threads = saved;
        if (threads != saved)
            std::cerr << "note: the run used " << saved << " threads, this one " << threads
                      << ": the numbers will differ slightly from an uninterrupted run\n";
    } else {
        INK_CHECK(!fs::exists(common.model), "'", common.model,
                  "' exists: pass --resume to continue training it, or choose another --model");
    }
    ink::set_num_threads(threads);

    std::cerr << "loading the Tang poems (" << o.script << ") from " << common.data << "\n";
    const ink::data::PoemCorpus corpus = ink::data::load_tang_corpus(common.data, parse_script(o.script));
    std::cerr << corpus.train.dim(0) << " training and " << corpus.valid.dim(0) << " validation couplets, "
              << corpus.vocab.size() << " characters\n";

    Hyper h;
    h.vocab = corpus.vocab.size();
    Trainer trainer(h, corpus.train.dim(0), o.seed);
    if (o.resume) {
        INK_CHECK(Vocab::from_json(meta.at("poem.vocab")) == corpus.vocab, "'", common.model,
                  "' was trained on another vocabulary than this corpus has");
        meta = trainer.load(common.model);
        history = nlohmann::json::parse(meta.at(history_key));
        std::cerr << "resuming at epoch " << trainer.batches.epoch() + 1 << ", couplet "
                  << trainer.batches.state().position << " (step " << trainer.step_count() << ")\n";
    } else {
        meta["poem.vocab"] = corpus.vocab.to_json();
        meta["poem.script"] = o.script;
        meta["poem.seed"] = std::to_string(o.seed);
        meta["poem.threads"] = std::to_string(threads);
        std::cerr << "model: " << trainer.model.num_parameters() << " parameters\n";
    }
    fs::create_directories(fs::absolute(common.model).parent_path());
    auto save = [&] {
        meta[history_key] = history.dump();
        trainer.save(common.model, meta);
    };

    // The same three latent points every epoch, to watch the samples improve.
    const Tensor<float> sample_z = prior_sample(3, h.latent, 7);
    const DecodeOptions sample_decode;
    ink::util::InterruptGuard interrupt;
    Tensor<std::int32_t> buffer = Tensor<std::int32_t>::empty({kBatch, kLength});
    while (int(trainer.batches.epoch()) < o.epochs) {
        const int epoch = int(trainer.batches.epoch()) + 1;
        ink::util::Timer timer;
        ink::util::ProgressBar bar(trainer.batches.batches_per_epoch(),
                                   "epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs));
        std::int64_t done = (trainer.batches.state().position + kBatch - 1) / kBatch;
        for (auto rows = trainer.batches.next(); !rows.empty(); rows = trainer.batches.next()) {
            trainer.step(ink::data::gather_rows(corpus.train, rows, buffer));
            const Losses m = trainer.epoch_sums.mean();
            bar.update(++done, {{"loss", m.total}, {"rec", m.reconstruction}, {"kl", m.kl}}, index_t(rows.size()));
            if (interrupt.requested()) {
                bar.finish();
                save();
                std::cerr << "interrupted: saved epoch " << epoch << " at couplet " << trainer.batches.state().position
                          << " to " << common.model << "; continue with: ink-poem train --resume --model "
                          << common.model << " --epochs " << o.epochs << "\n";
                return 130;
            }
        }
        bar.finish();
        const Losses tr = trainer.epoch_sums.mean();
        const Losses va = trainer.evaluate(corpus.valid);
        trainer.epoch_sums = {};
        ink::Rng pick(0);
        const auto samples = decode_latents(trainer.model, sample_z, sample_decode, pick);
        nlohmann::json record = {{"epoch", epoch},
                                 {"train", {tr.total, tr.reconstruction, tr.kl}},
                                 {"valid", {va.total, va.reconstruction, va.kl}},
                                 {"seconds", timer.seconds()},
                                 {"samples", nlohmann::json::array()}};
        std::printf("epoch %d: train %.2f (rec %.2f, KL %.2f)  validation %.2f (rec %.2f, KL %.2f) nats/couplet\n",
                    epoch, tr.total, tr.reconstruction, tr.kl, va.total, va.reconstruction, va.kl);
        for (const Couplet& c : samples) {
            std::printf("  %s\n", format(corpus.vocab, c).c_str());
            record["samples"].push_back(format(corpus.vocab, c));
        }
        std::fflush(stdout);
        history.push_back(record);
        save();
        write_history(common.model, history);
    }
    std::cerr << common.model << ": " << trainer.batches.epoch() << " epochs trained\n";
    return 0;
}


// ---- generate, reconstruct, interpolate --------------------------------------------------------------

int generate(const CommonOptions& common, index_t n, std::uint64_t seed, const DecodeOptions& opt, bool timing) {
    INK_CHECK(n >= 0, "-n must be non-negative, got ", n);
    const Trained t = load_trained(common.model);
    ink::util::Timer timer;
    ink::Rng pick = ink::Rng(seed).fork(1);
    const auto couplets = decode_latents(*t.model, prior_sample(n, t.model->hyper.latent, seed), opt, pick);
    const double seconds = timer.seconds();
    for (const Couplet& c : couplets) std::printf("%s\n", format(t.vocab, c).c_str());
    if (timing) std::fprintf(stderr, "%lld couplets in %.3f s\n", static_cast<long long>(n), seconds);
    return 0;
}

int reconstruct(const CommonOptions& common, const std::string& text, const DecodeOptions& opt) {
    const Trained t = load_trained(common.model);
    const Tensor<float> mu = posterior_means(*t.model, {parse_couplet(t, text)});
    ink::Rng pick(0);
    std::printf("%s\n", format(t.vocab, decode_latents(*t.model, mu, opt, pick)[0]).c_str());
    return 0;
}

int interpolate(const CommonOptions& common, const std::string& a, const std::string& b, index_t steps,
                const DecodeOptions& opt) {
    INK_CHECK(steps >= 2, "--steps must be at least 2 (both ends), got ", steps);
    const Trained t = load_trained(common.model);
    const Tensor<float> mu = posterior_means(*t.model, {parse_couplet(t, a), parse_couplet(t, b)});
    const index_t L = mu.dim(1);
    Tensor<float> z = Tensor<float>::empty({steps, L});
    for (index_t s = 0; s < steps; ++s) {
        const float w = float(s) / float(steps - 1);
        for (index_t j = 0; j < L; ++j) z(s, j) = (1 - w) * mu(0, j) + w * mu(1, j);
    }
    ink::Rng pick(0);
    const auto couplets = decode_latents(*t.model, z, opt, pick);
    for (index_t s = 0; s < steps; ++s)
        std::printf("%.2f  %s\n", double(s) / double(steps - 1), format(t.vocab, couplets[std::size_t(s)]).c_str());
    return 0;
}

// ---- acrostic ------------------------------------------------------------------------------------------
// A couplet whose lines start with two given characters. Gradient descent on z, from several random
// starts at once, on
//     cross-entropy of the couplet the decoder would print at z, with the two characters forced
//   + |z|^2 / 2 (the prior's negative log-density, which keeps z where the decoder was trained).
// The target couplet is re-decoded every iteration, so z moves toward a couplet that the decoder is
// sure of and that starts right. The start with the highest log p(couplet | z) + log p(z) wins.

int acrostic(const CommonOptions& common, const std::string& heads, const DecodeOptions& opt, std::uint64_t seed,
             index_t starts, index_t iterations, float lr) {
    const Trained t = load_trained(common.model);
    const auto ids = t.vocab.encode(t.script == Script::simplified && ink::data::kHaveOpenCC
                                        ? ink::data::ScriptConverter("t2s.json").convert(heads)
                                        : heads);
    INK_CHECK(ids.size() == 2, "an acrostic needs 2 characters (the heads of the two lines), got ", ids.size(),
              " in \"", heads, "\"");
    const PoemVAE<float>& model = *t.model;
    const index_t V = model.hyper.vocab;
    auto force = [&](float* logits) {  // the heads win every decoding method
        for (int line = 0; line < 2; ++line) logits[line * kLine * V + ids[std::size_t(line)]] = 1e4f;
    };
    Var<float> z(prior_sample(starts, model.hyper.latent, seed), true);
    Tensor<std::int32_t> targets = Tensor<std::int32_t>::empty({starts * kLength});
    ink::Rng pick = ink::Rng(seed).fork(1);
    for (index_t it = 0; it < iterations; ++it) {
        const auto current = decode_latents(model, z.value(), opt, pick, force);
        for (index_t r = 0; r < starts; ++r) std::copy(current[std::size_t(r)].begin(), current[std::size_t(r)].end(), targets.data() + r * kLength);
        const Var<float> logits = ink::reshape(model.decode(z), {-1, V});  // (starts * 10, V)
        const Var<float> objective = ink::cross_entropy(logits, targets, ink::Reduction::Sum) +
                                     ink::sum(ink::square(z)) * 0.5f;
        const Tensor<float> g = ink::grad(objective, z).value();
        for (index_t j = 0; j < z.numel(); ++j) z.value()[j] -= lr * g[j];
    }
    const auto final_couplets = decode_latents(model, z.value(), opt, pick, force);
    ink::NoGradGuard no_grad;
    const Tensor<float> logits = model.decode(Var<float>(z.value())).value();
    double best = -1e300;
    std::size_t best_r = 0;
    for (index_t r = 0; r < starts; ++r) {
        double prior = 0;
        for (index_t j = 0; j < z.dim(1); ++j) prior -= 0.5 * double(z.value()(r, j)) * z.value()(r, j);
        const double score = log_likelihood(logits.data() + r * kLength * V, V, final_couplets[std::size_t(r)]) + prior;
        if (score > best) best = score, best_r = std::size_t(r);
    }
    std::printf("%s\n", format(t.vocab, final_couplets[best_r]).c_str());
    return 0;
}

// ---- metrics ---------------------------------------------------------------------------------------------
// How varied and how original generated couplets are, beside the same figures for the corpus.

struct Figures {
    double repeated = 0;  // share with a character repeated within a line
    double distinct = 0;  // distinct couplets / couplets
    double novel = 0;     // share not found in the corpus
};

inline std::string key(const Couplet& c) { return std::string(reinterpret_cast<const char*>(c.data()), sizeof c); }

inline Figures measure(const std::vector<Couplet>& couplets, const std::unordered_set<std::string>& corpus) {
    Figures f;
    std::unordered_set<std::string> seen;
    for (const Couplet& c : couplets) {
        bool repeated = false;
        for (index_t line = 0; line < 2; ++line)
            for (index_t i = 0; i < kLine; ++i)
                for (index_t j = 0; j < i; ++j) repeated |= c[line * kLine + i] == c[line * kLine + j];
        f.repeated += repeated;
        f.novel += !corpus.count(key(c));
        seen.insert(key(c));
    }
    const double n = std::max<double>(1, double(couplets.size()));
    return {f.repeated / n, double(seen.size()) / n, f.novel / n};
}

int metrics(const CommonOptions& common, index_t n, std::uint64_t seed, const DecodeOptions& base) {
    const Trained t = load_trained(common.model);
    const ink::data::PoemCorpus corpus = ink::data::load_tang_corpus(common.data, t.script);
    INK_CHECK(corpus.vocab == t.vocab, "the corpus in ", common.data, " does not have the model's vocabulary");
    std::vector<Couplet> all;
    for (const auto* part : {&corpus.train, &corpus.valid})
        for (index_t r = 0; r < part->dim(0); ++r) {
            Couplet c{};
            std::copy(part->data() + r * kLength, part->data() + (r + 1) * kLength, c.begin());
            all.push_back(c);
        }
    std::unordered_set<std::string> known;
    for (const Couplet& c : all) known.insert(key(c));

    auto percent = [](double share) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
        return std::string(buf);
    };
    auto row = [&](const std::string& name, const Figures& f, bool novelty) {
        std::printf("| %s | %s | %s | %s |\n", name.c_str(), percent(f.repeated).c_str(), percent(f.distinct).c_str(),
                    novelty ? percent(f.novel).c_str() : "-");
    };
    std::printf("| %lld couplets | repeated character in a line | distinct | not in the corpus |\n|---|---|---|---|\n",
                static_cast<long long>(n));
    ink::Rng draw(seed);
    std::vector<Couplet> sample;
    for (index_t i = 0; i < n; ++i) sample.push_back(all[draw.uniform_int(all.size())]);
    row("corpus (random couplets)", measure(sample, known), false);
    const Tensor<float> z = prior_sample(n, t.model->hyper.latent, seed);
    for (const auto& [name, method] : {std::pair{"argmax (original)", Decode::Argmax}, std::pair{"sample", Decode::Sample},
                                       std::pair{"joint", Decode::Joint}}) {
        DecodeOptions opt = base;
        opt.method = method;
        ink::Rng pick = ink::Rng(seed).fork(1);
        char label[96];
        if (method == Decode::Sample)
            std::snprintf(label, sizeof label, "%s (T %g, top-k %lld)", name, double(opt.temperature),
                          static_cast<long long>(opt.top_k));
        else if (method == Decode::Joint)
            std::snprintf(label, sizeof label, "%s (penalty %g)", name, double(opt.repeat_penalty));
        else
            std::snprintf(label, sizeof label, "%s", name);
        row(label, measure(decode_latents(*t.model, z, opt, pick), known), true);
    }
    return 0;
}

}  // namespace poem

int main(int argc, char** argv) {
    using namespace poem;
    CLI::App app{"ink-poem: a variational autoencoder of five-character Tang couplets"};
    app.require_subcommand(1);
    app.fallthrough();  // --model, --threads and --data may also follow the command
    CommonOptions common;
    app.add_option("--model", common.model, "model file")->capture_default_str();
    app.add_option("--data", common.data, "the Tang poems (scripts/fetch-data.sh poems)")->capture_default_str();
    app.add_option("--threads", common.threads, "threads (default: all cores)");

    TrainOptions train_opt;
    CLI::App* train_cmd = app.add_subcommand("train", "train the VAE on the Tang couplets (Ctrl-C saves and exits)");
    train_cmd->add_option("--epochs", train_opt.epochs, "total epochs")->capture_default_str();
    train_cmd->add_option("--seed", train_opt.seed, "seed of the weights, batch order and noise")->capture_default_str();
    train_cmd->add_flag("--resume", train_opt.resume, "continue the run saved in --model");
    train_cmd->add_option("--script", train_opt.script, "simplified (OpenCC t2s) or traditional")
        ->check(CLI::IsMember({"simplified", "traditional"}))
        ->capture_default_str();
    std::string precision = "f32";
    train_cmd->add_option("--precision", precision, "matmul/linear/conv1d products: f32, or bf16 (parameters stay f32)")
        ->capture_default_str();

    std::string method = "joint";
    DecodeOptions opt;
    std::uint64_t seed = 1;
    index_t n = 10, steps = 8, starts = 16, iterations = 60;
    float lr = 0.05f;
    bool timing = false;
    std::string text_a, text_b;

    CLI::App* gen_cmd = app.add_subcommand("generate", "print new couplets, one a line");
    gen_cmd->add_option("-n", n, "how many")->capture_default_str();
    gen_cmd->add_option("--seed", seed, "seed of z (and of sampling)")->capture_default_str();
    gen_cmd->add_flag("--timing", timing, "print the time taken to stderr");
    add_decode_options(*gen_cmd, method, opt);

    CLI::App* rec_cmd = app.add_subcommand("reconstruct", "encode a couplet (posterior mean) and decode it");
    rec_cmd->add_option("couplet", text_a, "e.g. 床前明月光，疑是地上霜")->required();
    add_decode_options(*rec_cmd, method, opt);

    CLI::App* int_cmd = app.add_subcommand("interpolate", "decode along the line between two couplets' codes");
    int_cmd->add_option("a", text_a, "first couplet")->required();
    int_cmd->add_option("b", text_b, "second couplet")->required();
    int_cmd->add_option("--steps", steps, "couplets from A to B, both included")->capture_default_str();
    add_decode_options(*int_cmd, method, opt);

    CLI::App* acro_cmd = app.add_subcommand("acrostic", "a couplet whose lines start with two given characters");
    acro_cmd->add_option("heads", text_a, "two characters, e.g. 春风")->required();
    acro_cmd->add_option("--seed", seed, "seed of the random starts")->capture_default_str();
    acro_cmd->add_option("--starts", starts, "random starting points")->capture_default_str();
    acro_cmd->add_option("--iterations", iterations, "gradient steps on z")->capture_default_str();
    acro_cmd->add_option("--lr", lr, "gradient step size")->capture_default_str();
    add_decode_options(*acro_cmd, method, opt);

    CLI::App* met_cmd = app.add_subcommand("metrics", "repetition, diversity and novelty of generated couplets");
    met_cmd->add_option("-n", n, "couplets per decoding method")->capture_default_str();
    met_cmd->add_option("--seed", seed, "seed of z and of the corpus sample")->capture_default_str();
    add_decode_options(*met_cmd, method, opt);

    CLI11_PARSE(app, argc, argv);
    try {
        opt.method = parse_decode(method);
        if (common.threads > 0) ink::set_num_threads(common.threads);
        if (*train_cmd) {
            const ink::MatmulPrecision guard(ink::parse_precision(precision, "--precision"));
            return train(common, train_opt);
        }
        if (*gen_cmd) return generate(common, n, seed, opt, timing);
        if (*rec_cmd) return reconstruct(common, text_a, opt);
        if (*int_cmd) return interpolate(common, text_a, text_b, steps, opt);
        if (*acro_cmd) return acrostic(common, text_a, opt, seed, starts, iterations, lr);
        if (*met_cmd) return metrics(common, n, seed, opt);
    } catch (const ink::Error& e) {
        std::fprintf(stderr, "ink-poem: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {  // e.g. a file system error while saving
        std::fprintf(stderr, "ink-poem: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
