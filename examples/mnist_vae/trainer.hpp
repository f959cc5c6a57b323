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
#include "ink/io.hpp"
#include "ink/optim/rmsprop.hpp"
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

    json to_json() const {
        return {{"dataset", dataset}, {"model", model}, {"latent", latent}, {"batch", batch}, {"lr", lr}, {"seed", seed}};
    }
    static Settings from_json(const json& j) {
        Settings s;
        s.dataset = j.at("dataset").get<std::string>();
        s.model = j.at("model").get<std::string>();
        s.latent = j.at("latent").get<index_t>();
        s.batch = j.at("batch").get<index_t>();
        s.lr = j.at("lr").get<double>();
        s.seed = j.at("seed").get<std::uint64_t>();
        return s;
    }
    ModelConfig model_config() const { return {.kind = parse_kind(model), .latent = latent}; }
};

// Per epoch: mean train loss, test reconstruction and KL (nats per image), seconds of training.
struct History {
    std::vector<double> train, test_reconstruction, test_kl, seconds;

    std::vector<double> test() const {
        std::vector<double> t;
        for (std::size_t i = 0; i < test_kl.size(); ++i) t.push_back(test_reconstruction[i] + test_kl[i]);
        return t;
    }
    json to_json() const {
        return {{"train", train}, {"test_reconstruction", test_reconstruction}, {"test_kl", test_kl}, {"seconds", seconds}};
    }
    static History from_json(const json& j) {
        return {j.at("train").get<std::vector<double>>(), j.at("test_reconstruction").get<std::vector<double>>(),
                j.at("test_kl").get<std::vector<double>>(), j.at("seconds").get<std::vector<double>>()};
    }
};

// Sums over the part of the current epoch already trained, so that an interrupted epoch resumes
// with the same running means.
struct EpochSums {
    double loss = 0, reconstruction = 0, kl = 0, seconds = 0;
    index_t samples = 0;

    json to_json() const {
        return {{"loss", loss}, {"reconstruction", reconstruction}, {"kl", kl}, {"seconds", seconds}, {"samples", samples}};
    }
    static EpochSums from_json(const json& j) {
        return {j.at("loss").get<double>(), j.at("reconstruction").get<double>(), j.at("kl").get<double>(),
                j.at("seconds").get<double>(), j.at("samples").get<index_t>()};
    }
};

inline json parse_metadata(const ink::io::CheckpointInfo& info, const std::string& key, const fs::path& path) {
    const auto it = info.metadata.find(key);
    INK_CHECK(it != info.metadata.end(), "checkpoint '", path.string(), "' has no field '", key,
              "': it was not written by ink-vae");
    return json::parse(it->second);
}

// Reads the settings of the run saved in `dir`, to rebuild its model before loading the weights.
inline Settings read_settings(const fs::path& dir) {
    const fs::path path = dir / kCheckpoint;
    INK_CHECK(fs::exists(path), "no checkpoint '", path.string(), "': train first (ink-vae train --out ",
              dir.string(), ")");
    const auto dict = ink::io::load_safetensors(path.string());
    INK_CHECK(dict.metadata.count("vae.settings"), "checkpoint '", path.string(), "' was not written by ink-vae");
    return Settings::from_json(json::parse(dict.metadata.at("vae.settings")));
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

inline void write_history(const History& h, const Settings& s, const fs::path& out) {
    ink::util::CsvWriter csv({"epoch", "train", "test", "test_reconstruction", "test_kl", "seconds"});
    const std::vector<double> test = h.test();
    for (std::size_t e = 0; e < h.train.size(); ++e)
        csv.add_row({double(e + 1), h.train[e], test[e], h.test_reconstruction[e], h.test_kl[e], h.seconds[e]});
    csv.save((out / "loss.csv").string());
    ink::util::write_png(loss_picture(h.train, test, describe(s) + ": loss per image"), (out / "loss.png").string());
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
// every epoch, then draws the pictures. `stop` is polled after every step (ink-vae: Ctrl-C); once it
// returns true the run saves a checkpoint and returns false, and `resume` continues it exactly.
// Returns true when all epochs are done.
inline bool train(const Dataset& data, const TrainOptions& o, const std::function<bool()>& stop) {
    const Settings& s = o.settings;
    const fs::path out = o.out.empty() ? fs::path("runs") / ("vae-" + s.dataset + "-" + s.model) : fs::path(o.out);
    const fs::path checkpoint = out / kCheckpoint;
    if (o.resume) {
        const Settings saved = read_settings(out);
        INK_CHECK(saved.to_json() == s.to_json(), "--resume: the checkpoint in '", out.string(), "' was trained with ",
                  saved.to_json().dump(), ", not ", s.to_json().dump());
    }
    const int epochs = o.epochs > 0 ? o.epochs : (s.model == "vae" ? 50 : 100);
    INK_CHECK(s.latent >= 1 && s.batch >= 1 && s.lr > 0, "expected --latent >= 1, --batch >= 1 and --lr > 0");
    ink::set_num_threads(o.threads);
    fs::create_directories(out);

    ink::Rng init(s.seed);
    Model model(s.model_config(), init);
    const std::vector<int> classes = manifold_classes(model, o.classes);
    ink::optim::RMSprop<float> optimizer(model.named_parameters(), {.lr = s.lr});
    const Tensor train_onehot = one_hot(data.train.labels, model.config().classes);
    const Tensor test_onehot = one_hot(data.test.labels, model.config().classes);

    ink::data::Batches batches(data.train.size(), s.batch, ink::Rng(s.seed).fork(kDataStream));
    ink::Rng noise = ink::Rng(s.seed).fork(kNoiseStream);
    History history;
    EpochSums sums;
    if (o.resume) {
        const auto info = ink::io::load_checkpoint(checkpoint.string(), model, optimizer);
        const json state = parse_metadata(info, "vae.state", checkpoint);
        batches.set_state({state.at("epoch").get<std::uint64_t>(), state.at("position").get<index_t>()});
        sums = EpochSums::from_json(state.at("sums"));
        history = History::from_json(parse_metadata(info, "vae.history", checkpoint));
        noise.set_state(info.rngs.at("noise"));
        std::cout << "resuming " << checkpoint.string() << ": " << history.train.size() << " epochs done, "
                  << batches.state().position << " images into the next\n";
    }
    std::cout << describe(s) << ": " << model.num_parameters() << " parameters, " << data.train.size()
              << " training and " << data.test.size() << " test images, " << epochs << " epochs, "
              << o.threads << " thread(s), writing to " << out.string() << "\n"
              << "the test images' pixel entropy, the least reconstruction loss possible, is "
              << pixel_entropy(data.test.images) << " nats per image\n";

    auto save_checkpoint = [&] {
        ink::io::CheckpointInfo info;
        info.step = optimizer.steps();
        info.rngs["noise"] = noise.state();
        const auto b = batches.state();
        info.metadata["vae.settings"] = s.to_json().dump();
        info.metadata["vae.state"] = json{{"epoch", b.epoch}, {"position", b.position}, {"sums", sums.to_json()}}.dump();
        info.metadata["vae.history"] = history.to_json().dump();
        ink::io::save_checkpoint(checkpoint.string(), model, optimizer, info);
    };

    // The batch buffers are allocated once; gather_rows fills them and returns views.
    Tensor x_buffer = Tensor::empty(ink::Shape{s.batch, model.config().pixels});
    Tensor y_buffer = Tensor::empty(ink::Shape{s.batch, model.config().classes});
    while (static_cast<int>(batches.epoch()) < epochs) {
        const int epoch = static_cast<int>(batches.epoch()) + 1;
        ink::util::ProgressBar bar(batches.batches_per_epoch(), "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs));
        ink::util::Timer timer;
        std::int64_t step = (batches.state().position + s.batch - 1) / s.batch;
        for (auto rows = batches.next(); !rows.empty(); rows = batches.next()) {
            const Var x(ink::data::gather_rows(data.train.images, rows, x_buffer));
            const Var y = model.conditional() ? Var(ink::data::gather_rows(train_onehot, rows, y_buffer)) : Var();
            const Loss l = model.loss(x, y, noise);
            optimizer.zero_grad();
            l.total.backward();
            optimizer.step();

            const auto n = static_cast<index_t>(rows.size());
            sums.loss += double(l.reconstruction + l.kl) * double(n);
            sums.reconstruction += double(l.reconstruction) * double(n);
            sums.kl += double(l.kl) * double(n);
            sums.samples += n;
            const double mean = 1.0 / double(sums.samples);
            bar.update(++step, {{"loss", sums.loss * mean}, {"rec", sums.reconstruction * mean}, {"kl", sums.kl * mean}}, n);
            if (stop() && batches.state().position < data.train.size()) {
                bar.finish();
                sums.seconds += timer.seconds();
                save_checkpoint();
                std::cout << "interrupted: saved " << checkpoint.string() << "; continue with the same command and --resume\n";
                return false;
            }
        }
        bar.finish();
        sums.seconds += timer.seconds();
        const Evaluation test = evaluate(model, data.test.images, test_onehot, s.seed);
        history.train.push_back(sums.loss / double(sums.samples));
        history.test_reconstruction.push_back(test.reconstruction);
        history.test_kl.push_back(test.kl);
        history.seconds.push_back(sums.seconds);
        std::printf("epoch %d/%d: train %.2f, test %.2f = reconstruction %.2f + KL %.2f nats per image (%.2f s)\n", epoch,
                    epochs, history.train.back(), test.reconstruction + test.kl, test.reconstruction, test.kl, sums.seconds);
        std::fflush(stdout);
        sums = {};
        save_checkpoint();
        write_history(history, s, out);
        if (stop()) {
            std::cout << "interrupted after epoch " << epoch << "; continue with the same command and --resume\n";
            return false;
        }
    }
    write_pictures(model, data, s, out, classes);
    return true;
}

}  // namespace vae
