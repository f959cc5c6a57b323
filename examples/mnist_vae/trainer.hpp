#pragma once
// The training run of ink-vae: its settings, progress and history (all saved in the checkpoint, so
// that --resume continues a run exactly), the test-set evaluation, and the files it writes.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "ink/data/image_datasets.hpp"
#include "ink/data.hpp"
#include "ink/distributed/parallel_loop.hpp"
#include "ink/io.hpp"
#include "ink/optim/rmsprop.hpp"
#include "ink/train.hpp"
#include "ink/util.hpp"
#include "model.hpp"
#include "pictures.hpp"

namespace vae {

namespace fs = std::filesystem;
using ink::data::LabeledImages;
using nlohmann::json;

constexpr const char* kCheckpoint = "checkpoint.safetensors";
// Independent random streams derived from --seed (the weights use the seed itself).
constexpr std::uint64_t kDataStream = 1, kNoiseStream = 2, kEvalStream = 3, kSampleStream = 4;

// A data set's two splits and its class names (ink/data/image_datasets.hpp loads them by name).
using Dataset = ink::data::ImageDataset;

// labels (N) -> one-hot rows (N, classes), the CVAE's input.
inline Tensor one_hot(const ink::Tensor<std::int32_t>& labels, index_t classes) {
    Tensor out(ink::Shape{labels.numel(), classes});
    for (index_t i = 0; i < labels.numel(); ++i) {
        INK_CHECK(labels[i] >= 0 && labels[i] < classes, "label ", labels[i], " of image ", i, " is outside [0, ",
                  classes, ")");
        out(i, labels[i]) = 1.0f;
    }
    return out;
}

// The least binary cross-entropy any decoder can reach on grey images: the entropy of their pixels
// taken as Bernoulli probabilities, summed over pixels, mean over images. The reconstruction term is
// this floor plus the KL divergence from the pixels to the decoder's output.
inline double pixel_entropy(const Tensor& images) {
    double h = 0;
    for (const float v : images)
        if (v > 0.0f && v < 1.0f) h -= double(v) * std::log(double(v)) + (1.0 - v) * std::log1p(-double(v));
    return h / double(images.dim(0));
}

// ---- the run: its settings, progress and history, all saved in the checkpoint --------------------

struct Settings {
    std::string dataset = "fashion";
    std::string model = "vae";
    index_t latent = 2;
    index_t batch = 100;
    double lr = 1e-3;
    std::uint64_t seed = 1;

    NLOHMANN_DEFINE_TYPE_INTRUSIVE(Settings, dataset, model, latent, batch, lr, seed)
    ModelConfig model_config() const { return {.kind = parse_kind(model), .latent = latent}; }
};

// Per epoch: mean train loss, test reconstruction and KL (nats per image), seconds of training; the
// run's history table (ink/train/history.hpp) as columns.
struct History {
    std::vector<double> train, test_reconstruction, test_kl, seconds;

    std::vector<double> test() const {
        std::vector<double> t;
        for (std::size_t i = 0; i < test_kl.size(); ++i) t.push_back(test_reconstruction[i] + test_kl[i]);
        return t;
    }
};
inline const std::vector<std::string> kHistoryColumns = {"epoch", "train", "test", "test_reconstruction", "test_kl", "seconds"};

// The metadata of the run saved in `dir`.
inline ink::train::Metadata read_run(const fs::path& dir) {
    return ink::train::read_metadata((dir / kCheckpoint).string(), "train first (ink-vae train --out " + dir.string() + ")");
}
// Reads the settings of the run saved in `dir`, to rebuild its model before loading the weights.
inline Settings read_settings(const fs::path& dir) {
    return json::parse(ink::train::field(read_run(dir), "vae.settings", (dir / kCheckpoint).string())).get<Settings>();
}
inline History read_history(const fs::path& dir) {
    const std::string path = (dir / kCheckpoint).string();
    const auto h = ink::train::History::from_csv(ink::train::field(read_run(dir), "train.history", path), path);
    return {h.column("train"), h.column("test_reconstruction"), h.column("test_kl"), h.column("seconds")};
}

// ---- evaluation and pictures ---------------------------------------------------------------------

struct Evaluation {
    double reconstruction = 0, kl = 0;
};

// The negative ELBO of the test set, one z per image from a fixed stream: the same weights always
// give the same numbers, however training went.
inline Evaluation evaluate(const Model& model, const Tensor& images, const Tensor& onehot, std::uint64_t seed) {
    ink::NoGradGuard no_grad;
    ink::Rng rng = ink::Rng(seed).fork(kEvalStream);
    Evaluation e;
    const index_t n = images.dim(0);
    for (index_t begin = 0; begin < n; begin += kEvalBatch) {
        const index_t end = std::min(n, begin + kEvalBatch);
        const Var y = model.conditional() ? Var(onehot.rows(begin, end)) : Var();
        const Loss l = model.loss(Var(images.rows(begin, end)), y, rng);
        e.reconstruction += double(l.reconstruction) * double(end - begin);
        e.kl += double(l.kl) * double(end - begin);
    }
    e.reconstruction /= double(n);
    e.kl /= double(n);
    return e;
}

inline void save(const ink::util::Image& img, const fs::path& path) {
    ink::util::write_png(img, path.string());
    std::cout << "wrote " << path.string() << "\n";
}

inline std::string describe(const Settings& s) {
    return std::string(s.model == "vae" ? "VAE" : "CVAE") + " on " + (s.dataset == "mnist" ? "MNIST digits" : "fashion-MNIST");
}

// latent.png, manifold.png (VAE) or manifold_<c>.png for each class c (CVAE), reconstructions.png.
inline void write_pictures(const Model& model, const Dataset& data, const Settings& s, const fs::path& out,
                    const std::vector<int>& classes) {
    save(latent_picture(model, data.test, data.class_names, describe(s) + ": test-set means of q(z|x)"),
         out / "latent.png");
    if (model.conditional()) {
        for (const int c : classes) save(manifold_picture(model, class_mean(model, c)), out / ("manifold_" + std::to_string(c) + ".png"));
    } else {
        save(manifold_picture(model, Tensor(ink::Shape{s.latent})), out / "manifold.png");
    }
    save(reconstruction_picture(model, data.test), out / "reconstructions.png");
}

// ---- train ---------------------------------------------------------------------------------------

struct TrainOptions {
    Settings settings;
    int epochs = 0;  // 0: the original's 50 (VAE) or 100 (CVAE)
    int threads = 1;
    std::string out;  // empty: runs/vae-<dataset>-<model>
    bool resume = false;
    std::vector<int> classes;
};

// The classes whose manifold_<c>.png to draw: those requested (checked), by default all of a CVAE's.
inline std::vector<int> manifold_classes(const Model& model, std::vector<int> requested) {
    const index_t count = model.config().classes;
    for (const int c : requested) INK_CHECK(c >= 0 && c < count, "--class ", c, " is outside [0, ", count, ")");
    if (requested.empty() && model.conditional())
        for (int c = 0; c < count; ++c) requested.push_back(c);
    return requested;
}

// Trains on `data` (the data set o.settings.dataset names), checkpointing to the output directory after
// every epoch, then draws the pictures. `stop` (may be empty) is polled after every step, besides Ctrl-C;
// once it returns true the run saves a checkpoint and returns false, and `resume` continues it exactly.
// Returns true when all epochs are done. As one rank of an mpirun job (`process`), it trains on its
// slice of every global batch (--batch) and only rank 0 prints and writes files (docs/distributed.md).
inline bool train(const Dataset& data, const TrainOptions& o, const std::function<bool()>& stop,
                  ink::distributed::Process& process) {
    const Settings& s = o.settings;
    const fs::path out = o.out.empty() ? fs::path("runs") / ("vae-" + s.dataset + "-" + s.model) : fs::path(o.out);
    if (o.resume) {
        const Settings saved = read_settings(out);
        INK_CHECK(json(saved) == json(s), "--resume: the checkpoint in '", out.string(), "' was trained with ",
                  json(saved).dump(), ", not ", json(s).dump());
    }
    const int epochs = o.epochs > 0 ? o.epochs : (s.model == "vae" ? 50 : 100);
    INK_CHECK(s.latent >= 1 && s.batch >= 1 && s.lr > 0, "expected --latent >= 1, --batch >= 1 and --lr > 0");
    process.local_batch(s.batch);
    ink::set_num_threads(o.threads);
    std::ostream quiet(nullptr);  // ranks other than 0 say nothing
    std::ostream& log = process.writes_files() ? std::cout : quiet;

    ink::Rng init(s.seed);
    Model model(s.model_config(), init);
    const std::vector<int> classes = manifold_classes(model, o.classes);
    ink::optim::RMSprop<float> optimizer(model.named_parameters(), {.lr = s.lr});
    const Tensor train_onehot = one_hot(data.train.labels, model.config().classes);
    const Tensor test_onehot = one_hot(data.test.labels, model.config().classes);
    ink::data::Batches batches(data.train.size(), s.batch, ink::Rng(s.seed).fork(kDataStream));
    ink::Rng noise = ink::Rng(s.seed).fork(kNoiseStream);
    ink::train::Loop<float> loop(
        model, optimizer, batches,
        {.epochs = epochs, .metrics = {"loss", "rec", "kl"}, .checkpoint = (out / kCheckpoint).string(),
         .history_columns = kHistoryColumns, .history_csv = (out / "loss.csv").string(),
         .history_plot = (out / "loss.png").string(), .plot_series = {{"train", "train"}, {"test", "test"}},
         .plot = {.title = describe(s) + ": loss per image", .x_label = "epoch",
                  .y_label = "negative ELBO (nats per image)", .markers = epochs < 30}});
    loop.track("noise", noise);
    loop.metadata["vae.settings"] = json(s).dump();
    loop.hooks.should_stop = stop;
    if (o.resume) {
        loop.resume();
        log << "resuming " << loop.options.checkpoint << ": " << loop.epoch() << " epochs done, "
                  << loop.position() << " images into the next\n";
    }
    ink::distributed::ParallelLoop<float> parallel(loop, process);
    process.replicate(model, optimizer, {{"vae.settings", json(s).dump()}});
    log << describe(s) << ": " << model.num_parameters() << " parameters, " << data.train.size()
              << " training and " << data.test.size() << " test images, " << epochs << " epochs, "
              << o.threads << " thread(s), writing to " << out.string() << "\n"
              << "the test images' pixel entropy, the least reconstruction loss possible, is "
              << pixel_entropy(data.test.images) << " nats per image\n";

    // The batch buffers are allocated once; gather_rows fills them and returns views.
    Tensor x_buffer = Tensor::empty(ink::Shape{s.batch, model.config().pixels});
    Tensor y_buffer = Tensor::empty(ink::Shape{s.batch, model.config().classes});
    loop.hooks.step = [&](std::span<const index_t> global, std::span<double> metrics) {
        const auto rows = parallel.shard(global);
        const Var x(ink::data::gather_rows(data.train.images, rows, x_buffer));
        const Var y = model.conditional() ? Var(ink::data::gather_rows(train_onehot, rows, y_buffer)) : Var();
        // eps is drawn for the whole global batch, so that each rank's rows are the single process's.
        const Loss l = model.loss(x, y, parallel.rows(Tensor::normal(ink::Shape{index_t(global.size()), s.latent}, noise, 0.0f, 1.0f)));
        optimizer.zero_grad();
        loop.backward(l.total);
        optimizer.step();
        metrics[0] = double(l.reconstruction + l.kl), metrics[1] = l.reconstruction, metrics[2] = l.kl;
        parallel.global_means(metrics);
        return static_cast<index_t>(global.size());
    };
    loop.hooks.end_period = [&](const ink::train::Period& p) {
        if (!process.writes_files()) return std::vector<double>{};  // rank 0 evaluates and prints
        const Evaluation test = evaluate(model, data.test.images, test_onehot, s.seed);
        std::printf("epoch %d/%d: train %.2f, test %.2f = reconstruction %.2f + KL %.2f nats per image (%.2f s)\n",
                    int(p.index), epochs, p.means[0], test.reconstruction + test.kl, test.reconstruction, test.kl, p.seconds);
        std::fflush(stdout);
        return std::vector<double>{double(p.index), p.means[0], test.reconstruction + test.kl, test.reconstruction,
                                   test.kl, p.seconds};
    };
    if (parallel.run() == ink::train::Outcome::stopped) {
        log << "interrupted: saved " << loop.options.checkpoint << "; continue with the same command and --resume\n";
        return false;
    }
    if (process.writes_files()) write_pictures(model, data, s, out, classes);
    return true;
}

}  // namespace vae
