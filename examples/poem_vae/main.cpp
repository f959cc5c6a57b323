// ink-poem: a variational autoencoder of five-character Tang couplets (see docs/poem.md).
//
//   ink-poem train [--epochs N] [--threads N] [--seed S] [--model FILE] [--resume] [--script ...]
//   ink-poem generate [-n N] [--decode argmax|sample|joint] [--temperature T] [--top-k K] [--seed S]
//   ink-poem reconstruct "couplet"
//   ink-poem interpolate "couplet A" "couplet B" [--steps 8]
//   ink-poem acrostic 春风
//   ink-poem metrics [-n 1000]
//   ink-poem export --model CHECKPOINT [--out models/poem-simplified.safetensors] [--dtype bf16]
//   ink-poem serve [--host 127.0.0.1] [--port 8080] [--model FILE] [--threads N]   (the web page)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "ink/core/json.hpp"
#include "ink/precision.hpp"
#include "ink/data/poetry.hpp"
#include "ink/util/timer.hpp"
#include "poet.hpp"
#include "ink/distributed/parallel_loop.hpp"
#include "trainer.hpp"
#if defined(INK_POEM_SERVE)
#include "http.hpp"
#include "web_assets.hpp"
#endif

namespace poem {

namespace fs = std::filesystem;

// ---- shared pieces ---------------------------------------------------------------------------------

struct CommonOptions {
    std::string model = "runs/poem/model.safetensors";
    bool model_given = false;  // --model was passed: no falling back on the shipped model
    std::string data = ink::data::kTangPoemsDir.string();
    std::string pinyin = kPinyinDict;  // tones for models without a tone table
    int threads = 0;  // 0: ink's default (all cores)
};

// "<model without .safetensors><suffix>": where a run's history and plot go, beside its model.
inline std::string beside(const std::string& model, const std::string& suffix) {
    fs::path p(model);
    if (p.extension() == ".safetensors") p.replace_extension();
    return p.string() + suffix;
}

// The decoding options of the command line; `--tones` turns the tone penalty on.
struct DecodeFlags {
    std::string method = "joint";
    bool tones = false;
    float tone_penalty = 3.0f;
    DecodeOptions opt;

    DecodeOptions resolve() const {
        DecodeOptions o = opt;
        o.method = parse_decode(method);
        INK_CHECK(!tones || o.method == Decode::Joint, "--tones works with --decode joint, not ", method);
        o.tone_penalty = tones ? tone_penalty : 0.0f;
        return o;
    }
};

void add_decode_options(CLI::App& cmd, DecodeFlags& flags) {
    DecodeOptions& opt = flags.opt;
    cmd.add_option("--decode", flags.method,
                   "argmax (the original: most likely character per position), sample, or joint (most likely "
                   "line with a penalty per repeated character)")
        ->capture_default_str();
    cmd.add_flag("--tones", flags.tones, "joint: also follow the tones of regulated verse (平仄)");
    cmd.add_option("--tone-penalty", flags.tone_penalty, "joint --tones: nats per broken tonal rule")
        ->capture_default_str();
    cmd.add_option("--temperature", opt.temperature, "sample: divides the logits")->capture_default_str();
    cmd.add_option("--top-k", opt.top_k, "sample: draw from the k most likely characters (0: all)")->capture_default_str();
    cmd.add_option("--repeat-penalty", opt.repeat_penalty, "joint: nats per repeated character in a line")
        ->capture_default_str();
}

// ---- train -----------------------------------------------------------------------------------------

struct TrainOptions {
    int epochs = 100;
    std::uint64_t seed = 1;
    bool resume = false;
    std::string script = "simplified";
};

int train(const CommonOptions& common, TrainOptions o, ink::distributed::Process& process) {
    std::ostream quiet(nullptr);  // ranks other than 0 say nothing
    std::ostream& log = process.writes_files() ? std::cerr : quiet;
    process.local_batch(kBatch, "the batch (64)");
    using ink::train::field;
    const std::string& path = common.model;
    int threads = common.threads > 0 ? common.threads : ink::num_threads();
    ink::train::Metadata meta;
    if (o.resume) {  // the run's seed, script and threads, before anything is built
        meta = ink::train::read_metadata(path, "--resume continues a run saved there");
        o.seed = ink::parse_number<std::uint64_t>(field(meta, "poem.seed", path), "'" + path + "': poem.seed");
        o.script = field(meta, "poem.script", path);
        const int saved = ink::parse_number<int>(field(meta, "poem.threads", path), "'" + path + "': poem.threads");
        if (common.threads == 0) threads = saved;
        if (threads != saved)
            log << "note: the run used " << saved << " threads, this one " << threads
                      << ": the numbers will differ slightly from an uninterrupted run\n";
    } else {
        INK_CHECK(!fs::exists(path), "'", path, "' exists: pass --resume to continue training it, or choose another --model");
    }
    ink::set_num_threads(threads);

    log << "loading the Tang poems (" << o.script << ") from " << common.data << "\n";
    const ink::data::PoemCorpus corpus = ink::data::load_tang_corpus(common.data, parse_script(o.script));
    log << corpus.train.dim(0) << " training and " << corpus.valid.dim(0) << " validation couplets, "
              << corpus.vocab.size() << " characters\n";

    Hyper h;
    h.vocab = corpus.vocab.size();
    Trainer trainer(h, corpus.train, o.seed);
    ink::train::Loop<float>& loop = trainer.loop;
    loop.options.epochs = o.epochs;
    loop.options.checkpoint = path;
    loop.options.history_columns = {"epoch", "train_loss", "train_reconstruction", "train_kl", "valid_loss",
                                    "valid_reconstruction", "valid_kl", "seconds"};
    loop.options.history_csv = beside(path, ".history.csv");
    loop.options.history_plot = beside(path, ".loss.png");
    loop.options.plot_series = {{"training", "train_loss"}, {"validation", "valid_loss"}};
    loop.options.plot = {.title = "poem VAE: loss per couplet (reconstruction + KL)", .x_label = "epoch",
                         .y_label = "nats per couplet", .markers = true};
    if (o.resume) {
        INK_CHECK(Vocab::from_json(field(meta, "poem.vocab", path)) == corpus.vocab, "'", path,
                  "' was trained on another vocabulary than this corpus has");
        loop.metadata = loop.resume();
        log << "resuming at epoch " << loop.epoch() + 1 << ", couplet " << loop.position() << " (step "
                  << trainer.step_count() << ")\n";
    } else {
        loop.metadata.insert({{"poem.vocab", corpus.vocab.to_json()}, {"poem.script", o.script},
                              {"poem.seed", std::to_string(o.seed)}, {"poem.threads", std::to_string(threads)}});
        log << "model: " << trainer.model.num_parameters() << " parameters\n";
    }

    // Under mpirun (docs/distributed.md): each rank trains on its slice of every global batch and of the
    // batch's eps, the gradients are averaged between backward and Adam, the progress line shows the
    // global means and samples/s, only rank 0 talks, evaluates and writes files, and a SIGINT or SIGTERM
    // on any rank stops every rank after the same step. Alone, the Trainer's own step runs unchanged.
    ink::distributed::ParallelLoop<float> parallel(loop, process);
    process.replicate(trainer.model, trainer.adam, {{"poem.vocab", corpus.vocab.to_json()}, {"poem.hyper", to_json(h).dump()}});
    if (parallel.distributed())
        loop.hooks.step = [&](std::span<const index_t> global, std::span<double> metrics) {
            const auto count = index_t(global.size());
            const ink::distributed::Shard s = parallel.shard(count);
            Losses l;
            {
                ink::distributed::ShardedDraw<float> draw(trainer.noise, s, count, h.latent);
                l = trainer.step(trainer.gather(global.subspan(std::size_t(s.begin), std::size_t(s.size()))));
            }
            metrics[0] = l.total, metrics[1] = l.reconstruction, metrics[2] = l.kl;
            parallel.global_means(metrics);
            return count;
        };

    // The same three latent points every epoch, to watch the samples improve.
    const Tensor<float> sample_z = prior_sample(3, h.latent, 7);
    loop.hooks.end_period = [&](const ink::train::Period& p) {
        if (!process.writes_files()) return std::vector<double>{};  // rank 0 evaluates and prints
        const Losses va = trainer.evaluate(corpus.valid);
        std::printf("epoch %d: train %.2f (rec %.2f, KL %.2f)  validation %.2f (rec %.2f, KL %.2f) nats/couplet\n",
                    int(p.index), p.means[0], p.means[1], p.means[2], va.total, va.reconstruction, va.kl);
        ink::Rng pick(0);
        for (const Couplet& c : decode_latents(trainer.model, sample_z, DecodeOptions{}, pick))
            std::printf("  %s\n", format(corpus.vocab, c).c_str());
        std::fflush(stdout);
        return std::vector<double>{double(p.index), p.means[0], p.means[1], p.means[2], va.total, va.reconstruction,
                                   va.kl, p.seconds};
    };
    if (parallel.run() == ink::train::Outcome::stopped) {
        log << "interrupted: saved epoch " << loop.epoch() + 1 << " at couplet " << loop.position() << " to "
                  << path << "; continue with: ink-poem train --resume --model " << path << " --epochs " << o.epochs << "\n";
        return 130;
    }
    log << path << ": " << loop.epoch() << " epochs trained\n";
    return 0;
}

// ---- generate, reconstruct, interpolate, acrostic: printers over Poet (poet.hpp) ---------------------

// The model the commands below use: --model when given; else the user's own runs/poem/model.safetensors
// when it exists; else the model shipped with ink (models/, docs/poem.md). Says which on stderr.
inline Poet load_poet(const CommonOptions& common) {
    std::string path = common.model;
    if (!common.model_given && !fs::exists(path))
        for (const fs::path& dir : {fs::path("."), fs::path(INK_POEM_SOURCE_DIR)})
            if (fs::exists(dir / kShippedModel)) {
                path = (dir / kShippedModel).lexically_normal().string();
                break;
            }
    INK_CHECK(fs::exists(path), "no model at '", path, "': train one first (ink-poem train --model ", path,
              ", or scripts/poem.sh --train)");
    std::fprintf(stderr, "ink-poem: model %s\n", path.c_str());
    return Poet(path, common.pinyin);
}

int generate(const CommonOptions& common, index_t n, std::uint64_t seed, const DecodeOptions& opt, bool timing) {
    INK_CHECK(n >= 0, "-n must be non-negative, got ", n);
    const Poet poet = load_poet(common);
    ink::util::Timer timer;
    const auto couplets = poet.generate(n, seed, opt);
    const double seconds = timer.seconds();
    for (const Couplet& c : couplets) std::printf("%s\n", poet.format(c).c_str());
    if (timing) std::fprintf(stderr, "%lld couplets in %.3f s\n", static_cast<long long>(n), seconds);
    return 0;
}

int reconstruct(const CommonOptions& common, const std::string& text, const DecodeOptions& opt) {
    const Poet poet = load_poet(common);
    std::printf("%s\n", poet.format(poet.reconstruct(poet.parse_couplet(text), opt)).c_str());
    return 0;
}

int interpolate(const CommonOptions& common, const std::string& a, const std::string& b, index_t steps,
                const DecodeOptions& opt) {
    INK_CHECK(steps >= 2, "--steps must be at least 2 (both ends), got ", steps);
    const Poet poet = load_poet(common);
    const auto couplets = poet.interpolate(poet.parse_couplet(a), poet.parse_couplet(b), steps, opt);
    for (index_t s = 0; s < steps; ++s)
        std::printf("%.2f  %s\n", double(s) / double(steps - 1), poet.format(couplets[std::size_t(s)]).c_str());
    return 0;
}

int acrostic(const CommonOptions& common, const std::string& heads, const DecodeOptions& opt,
             const AcrosticOptions& search) {
    const Poet poet = load_poet(common);
    std::printf("%s\n", poet.format(poet.acrostic(poet.parse_heads(heads), opt, search)).c_str());
    return 0;
}

// ---- serve: the web page and its JSON API (serve.hpp, http.hpp) ------------------------------------------

#if defined(INK_POEM_SERVE)
struct ServeOptions {
    poem::serve::HttpOptions http;
    bool batching = true;
};

int serve_web(const CommonOptions& common, const ServeOptions& o) {
    const Poet poet = load_poet(common);
    poem::serve::ApiOptions api_options;
    api_options.batching = o.batching;
    api_options.compute_threads = common.threads > 0 ? common.threads : ink::num_threads();
    ink::set_num_threads(1);  // parallel across requests, not inside them (serve.hpp, ApiOptions)
    api_options.assets = poem::serve::kWebAssets;
    const poem::serve::Api api(poet, api_options);
    return poem::serve::run_http(api, o.http) ? 0 : 1;
}
#endif

// ---- metrics ---------------------------------------------------------------------------------------------
// How varied, how original and how well-toned generated couplets are, beside the same figures for the
// corpus; and how likely the decoder finds what each method prints.

struct Figures {
    double repeated = 0;    // share with a character repeated within a line
    double distinct = 0;    // distinct couplets / couplets
    double novel = 0;       // share not found in the corpus
    double opposition = 0;  // share whose lines oppose at positions 2 and 4 (of those with known tones)
    double level_end = 0;   // share whose second line ends level (of those with a known last tone)
    double pattern = 0;     // share following one of the four standard forms exactly
    double unknown = 0;     // share with a character of unknown tone
    double log_p = 0;       // mean log p(couplet | z), nats (NaN for the corpus)
};

inline std::string key(const Couplet& c) { return std::string(reinterpret_cast<const char*>(c.data()), sizeof c); }

inline Figures measure(const std::vector<Couplet>& couplets, const std::unordered_set<std::string>& corpus,
                       const ToneTable& tones) {
    Figures f;
    std::unordered_set<std::string> seen;
    double opposition_known = 0, end_known = 0;
    for (const Couplet& c : couplets) {
        bool repeated = false;
        for (index_t line = 0; line < 2; ++line)
            for (index_t i = 0; i < kLine; ++i)
                for (index_t j = 0; j < i; ++j) repeated |= c[line * kLine + i] == c[line * kLine + j];
        f.repeated += repeated;
        f.novel += !corpus.count(key(c));
        seen.insert(key(c));
        const ToneJudgement t = judge_tones(c, tones);
        f.opposition += t.opposition, opposition_known += t.opposition_known;
        f.level_end += t.rhyme_level, end_known += t.rhyme_known;
        f.pattern += t.pattern, f.unknown += t.unknown;
    }
    const double n = std::max<double>(1, double(couplets.size()));
    f.repeated /= n, f.novel /= n, f.pattern /= n, f.unknown /= n;
    f.distinct = double(seen.size()) / n;
    f.opposition /= std::max(1.0, opposition_known);
    f.level_end /= std::max(1.0, end_known);
    f.log_p = std::nan("");
    return f;
}

int metrics(const CommonOptions& common, index_t n, std::uint64_t seed, const DecodeOptions& base, float tone_penalty) {
    const Poet poet = load_poet(common);
    INK_CHECK(!poet.tones().empty(), "metrics needs tones: scripts/fetch-data.sh pinyin (or a model with poem.tones)");
    const ink::data::PoemCorpus corpus = ink::data::load_tang_corpus(common.data, poet.script());
    INK_CHECK(corpus.vocab == poet.vocab(), "the corpus in ", common.data, " does not have the model's vocabulary");
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
    auto row = [&](const std::string& name, const Figures& f, bool generated) {
        char log_p[16] = "-";
        if (generated) std::snprintf(log_p, sizeof log_p, "%.2f", f.log_p);
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name.c_str(), percent(f.repeated).c_str(),
                    percent(f.distinct).c_str(), generated ? percent(f.novel).c_str() : "-",
                    percent(f.opposition).c_str(), percent(f.level_end).c_str(), percent(f.pattern).c_str(),
                    percent(f.unknown).c_str(), log_p);
    };
    std::printf("| %lld couplets | repeated character in a line | distinct | not in the corpus | opposed at 2 and 4 "
                "| second line ends level | standard pattern | unknown tone | log p(couplet \\| z) |\n"
                "|---|---|---|---|---|---|---|---|---|\n",
                static_cast<long long>(n));
    // The whole corpus for the tone shares; a sample of n for repetition and distinctness.
    ink::Rng draw(seed);
    std::vector<Couplet> sample;
    for (index_t i = 0; i < n; ++i) sample.push_back(all[draw.uniform_int(all.size())]);
    Figures corpus_figures = measure(all, known, poet.tones());
    const Figures sampled = measure(sample, known, poet.tones());
    corpus_figures.repeated = sampled.repeated, corpus_figures.distinct = sampled.distinct;
    row("corpus (all couplets; repetition and distinct: " + std::to_string(n) + " drawn)", corpus_figures, false);

    const Tensor<float> z = poet.generate_latents(n, seed);
    const Tensor<float> logits = poet.decoder_logits(z);  // (n, kLength, V)
    const index_t V = poet.hyper().vocab;
    struct Mode {
        const char* name;
        Decode method;
        float tone_penalty;
    };
    for (const Mode& m : {Mode{"argmax (original)", Decode::Argmax, 0}, Mode{"sample", Decode::Sample, 0},
                          Mode{"joint", Decode::Joint, 0}, Mode{"joint --tones", Decode::Joint, tone_penalty}}) {
        DecodeOptions opt = base;
        opt.method = m.method;
        opt.tone_penalty = m.tone_penalty;
        opt = poet.decode_options(opt);
        ink::Rng pick = Poet::generate_rng(seed);
        Tensor<float> scratch = logits.clone();
        std::vector<Couplet> couplets;
        decode_rows(scratch.data(), n, V, opt, pick, couplets);
        char label[96];
        if (m.method == Decode::Sample)
            std::snprintf(label, sizeof label, "%s (T %g, top-k %lld)", m.name, double(opt.temperature),
                          static_cast<long long>(opt.top_k));
        else if (m.method == Decode::Joint && m.tone_penalty > 0)
            std::snprintf(label, sizeof label, "%s (penalty %g, tones %g)", m.name, double(opt.repeat_penalty),
                          double(m.tone_penalty));
        else if (m.method == Decode::Joint)
            std::snprintf(label, sizeof label, "%s (penalty %g)", m.name, double(opt.repeat_penalty));
        else
            std::snprintf(label, sizeof label, "%s", m.name);
        Figures f = measure(couplets, known, poet.tones());
        double total = 0;
        for (index_t r = 0; r < n; ++r)
            total += log_likelihood(logits.data() + r * kLength * V, V, couplets[std::size_t(r)]);
        f.log_p = total / std::max<double>(1, double(n));
        row(label, f, true);
    }
    return 0;
}

// ---- export: a trained checkpoint as a model to ship ----------------------------------------------------
// Weights only (no optimizer state), stored as BF16 by default (half the size of F32), with the
// vocabulary, the hyper-parameters, the tone table and a summary of the training run in the metadata.
// Then it checks what the rounding cost: the validation loss of the file written beside the
// checkpoint's own.

int export_model(const CommonOptions& common, const std::string& out, const std::string& dtype_name) {
    const ink::io::DType dtype = dtype_name == "bf16" ? ink::io::DType::BF16
                               : dtype_name == "f16"  ? ink::io::DType::F16
                               : dtype_name == "f32"  ? ink::io::DType::F32
                                                      : (ink::detail::fail("--dtype '", dtype_name,
                                                                           "': expected bf16, f16 or f32"),
                                                         ink::io::DType::F32);
    INK_CHECK(fs::exists(common.model), "no checkpoint at '", common.model, "' to export");
    const Poet source(common.model, common.pinyin);
    INK_CHECK(!source.tones().empty(), "export needs the tones: scripts/fetch-data.sh pinyin (or --pinyin FILE)");
    const auto meta = ink::io::load_safetensors(common.model).metadata;
    ink::io::CheckpointInfo info;
    for (const char* key : {"poem.vocab", "poem.script", "poem.hyper"}) info.metadata[key] = meta.at(key);
    info.metadata["poem.tones"] = source.tones().to_string();
    nlohmann::json about = {{"corpus", "chinese-poetry 2.0.1, the Tang poems (MIT license)"},
                            {"tones", "pinyin 2.11.2 dict-zi.js (MIT license)"},
                            {"stored", dtype_name}};
    if (const auto it = meta.find("poem.history"); it != meta.end()) {
        const auto history = ink::json::parse(it->second, "'" + common.model + "' poem.history");
        if (!history.empty()) {
            about["epochs"] = history.back().at("epoch");
            about["valid_loss"] = history.back().at("valid").at(0);
        }
    }
    if (const auto it = meta.find("poem.seed"); it != meta.end()) about["seed"] = it->second;
    info.metadata["poem.about"] = about.dump();
    fs::create_directories(fs::absolute(out).parent_path());
    ink::io::save_checkpoint(out, source.model(), nullptr, info, {.float_dtype = dtype});
    std::fprintf(stderr, "wrote %s (%.2f MB, %s weights)\n", out.c_str(), double(fs::file_size(out)) / 1e6,
                 dtype_name.c_str());

    const Poet exported(out);
    const ink::data::PoemCorpus corpus = ink::data::load_tang_corpus(common.data, source.script());
    INK_CHECK(corpus.vocab == source.vocab(), "the corpus in ", common.data, " does not have the model's vocabulary");
    const Losses a = evaluate(source.model(), corpus.valid), b = evaluate(exported.model(), corpus.valid);
    std::printf("validation loss: checkpoint %.4f, exported %.4f nats per couplet (%+.4f%%)\n", a.total, b.total,
                100 * (b.total - a.total) / a.total);
    return 0;
}

}  // namespace poem

int main(int argc, char** argv) {
    using namespace poem;
    ink::distributed::Process process(argc, argv);  // one rank of an mpirun job, or a plain process
    CLI::App app{"ink-poem: a variational autoencoder of five-character Tang couplets"};
    app.require_subcommand(1);
    app.fallthrough();  // --model, --threads and --data may also follow the command
    CommonOptions common;
    app.add_option("--model", common.model, "model file")->capture_default_str();
    app.add_option("--data", common.data, "the Tang poems (scripts/fetch-data.sh poems)")->capture_default_str();
    app.add_option("--threads", common.threads, "threads (default: all cores)");
    app.add_option("--pinyin", common.pinyin, "pinyin dictionary for models without a tone table "
                                              "(scripts/fetch-data.sh pinyin)")->capture_default_str();

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

    DecodeFlags decode;
    std::uint64_t seed = 1;
    index_t n = 10, steps = 8;
    AcrosticOptions search;
    bool timing = false;
    std::string text_a, text_b;

    CLI::App* gen_cmd = app.add_subcommand("generate", "print new couplets, one a line");
    gen_cmd->add_option("-n", n, "how many")->capture_default_str();
    gen_cmd->add_option("--seed", seed, "seed of z (and of sampling)")->capture_default_str();
    gen_cmd->add_flag("--timing", timing, "print the time taken to stderr");
    add_decode_options(*gen_cmd, decode);

    CLI::App* rec_cmd = app.add_subcommand("reconstruct", "encode a couplet (posterior mean) and decode it");
    rec_cmd->add_option("couplet", text_a, "e.g. 床前明月光，疑是地上霜")->required();
    add_decode_options(*rec_cmd, decode);

    CLI::App* int_cmd = app.add_subcommand("interpolate", "decode along the line between two couplets' codes");
    int_cmd->add_option("a", text_a, "first couplet")->required();
    int_cmd->add_option("b", text_b, "second couplet")->required();
    int_cmd->add_option("--steps", steps, "couplets from A to B, both included")->capture_default_str();
    add_decode_options(*int_cmd, decode);

    CLI::App* acro_cmd = app.add_subcommand("acrostic", "a couplet whose lines start with two given characters");
    acro_cmd->add_option("heads", text_a, "two characters, e.g. 春风")->required();
    acro_cmd->add_option("--seed", seed, "seed of the random starts")->capture_default_str();
    acro_cmd->add_option("--starts", search.starts, "random starting points")->capture_default_str();
    acro_cmd->add_option("--iterations", search.iterations, "gradient steps on z")->capture_default_str();
    acro_cmd->add_option("--lr", search.lr, "gradient step size")->capture_default_str();
    add_decode_options(*acro_cmd, decode);

    CLI::App* met_cmd = app.add_subcommand("metrics", "repetition, diversity, novelty and tones of generated couplets");
    met_cmd->add_option("-n", n, "couplets per decoding method")->capture_default_str();
    met_cmd->add_option("--seed", seed, "seed of z and of the corpus sample")->capture_default_str();
    add_decode_options(*met_cmd, decode);

    std::string export_out = kShippedModel, export_dtype = "bf16";
    CLI::App* exp_cmd = app.add_subcommand("export", "write the --model checkpoint as a model to ship (weights, tones)");
    exp_cmd->add_option("--out", export_out, "the model file to write")->capture_default_str();
    exp_cmd->add_option("--dtype", export_dtype, "storage of the weights: bf16, f16 or f32")->capture_default_str();

#if defined(INK_POEM_SERVE)
    ServeOptions serve_opt;
    CLI::App* serve_cmd = app.add_subcommand("serve", "the web page and its JSON API (docs/poem.md)");
    serve_cmd->add_option("--host", serve_opt.http.host, "address to listen on (loopback unless asked)")->capture_default_str();
    serve_cmd->add_option("--port", serve_opt.http.port, "port (0: any free one, printed)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    serve_cmd->add_option("--workers", serve_opt.http.workers, "connections served at once")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    serve_cmd->add_flag("--batching,!--no-batching", serve_opt.batching,
                        "batch concurrent generate requests into one decoder product (on by default: the "
                        "shorter tail, docs/benchmarks.md)");
#endif

    CLI11_PARSE(app, argc, argv);
    try {
        common.model_given = app.get_option("--model")->count() > 0;
        const DecodeOptions opt = decode.resolve();
        if (common.threads > 0) ink::set_num_threads(common.threads);
        if (*train_cmd) {
            const ink::MatmulPrecision guard(ink::parse_precision(precision, "--precision"));
            return train(common, train_opt, process);
        }
        if (*gen_cmd) return generate(common, n, seed, opt, timing);
        if (*rec_cmd) return reconstruct(common, text_a, opt);
        if (*int_cmd) return interpolate(common, text_a, text_b, steps, opt);
        if (*acro_cmd) return acrostic(common, text_a, opt, {seed, search.starts, search.iterations, search.lr});
        if (*exp_cmd) return export_model(common, export_out, export_dtype);
        if (*met_cmd) return metrics(common, n, seed, opt, decode.tone_penalty);
#if defined(INK_POEM_SERVE)
        if (*serve_cmd) return serve_web(common, serve_opt);
#endif
    } catch (const ink::Error& e) {
        return process.fail("ink-poem", e);
    } catch (const std::exception& e) {  // e.g. a file system error while saving
        return process.fail("ink-poem: error", e);
    }
    return 0;
}
