// Checkpoints: model + optimizer + step + RNG + metadata round trip, and strict, all-or-nothing loads.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "ink/io/checkpoint.hpp"
#include "ink/nn/init.hpp"
#include "ink/optim/adam.hpp"
#include "ink/optim/sgd.hpp"

using namespace ink;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("ink-test-ckpt-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Modules with parameters only: enough to exercise names and shapes without any op.
template <class T>
struct Block : nn::Module<T> {
    Var<T> weight, bias;
    Block(index_t in, index_t out, Rng& rng) {
        weight = this->register_parameter("weight", nn::Init::glorot_uniform().make<T>(Shape{in, out}, in, out, rng));
        bias = this->register_parameter("bias", Tensor<T>(Shape{out}));
    }
};
template <class T = float>
struct Net : nn::Module<T> {
    Block<T> fc1, fc2;
    Net(index_t hidden, Rng& rng) : fc1(3, hidden, rng), fc2(hidden, 2, rng) {
        this->register_module("encoder", fc1);
        this->register_module("decoder", fc2);
    }
};

void fake_gradients(nn::Module<float>& m, float scale) {
    for (auto& [name, p] : m.named_parameters()) {
        p.grad() = Tensor<float>::empty(p.shape());
        for (index_t i = 0; i < p.numel(); ++i) p.grad()[i] = scale * float(i % 5) - 0.1f;
    }
}

}  // namespace

TEST_CASE("checkpoint: parameters, optimizer state, step, RNG and metadata round trip") {
    TempDir dir;
    Rng rng(1);
    Net<> net(4, rng);
    optim::Adam<float> adam(net.named_parameters(), {.lr = 3e-4, .eps = 1e-7});
    for (int s = 0; s < 3; ++s) {
        fake_gradients(net, 0.5f + float(s));
        adam.step();
    }
    Rng data_rng(99);
    data_rng.uniform();
    io::CheckpointInfo info;
    info.step = 1234;
    info.rngs["init"] = rng.state();
    info.rngs["data"] = data_rng.state();
    info.metadata["vocab"] = "[\"风\",\"花\"]";
    info.metadata["hparams"] = R"({"latent": 64})";
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, net, adam, info);

    // The raw file: the documented keys.
    const io::TensorDict raw = io::load_safetensors(path);
    CHECK(raw.contains("model.encoder.weight"));
    CHECK(raw.contains("model.decoder.bias"));
    CHECK(raw.contains("optim.encoder.weight.exp_avg"));
    CHECK(raw.contains("optim.decoder.bias.exp_avg_sq"));
    CHECK(raw.size() == 12);
    CHECK(raw.meta("ink.format") == "ink-checkpoint-1");
    CHECK(raw.meta("ink.step") == "1234");
    CHECK(raw.meta("ink.optimizer") == "Adam");
    CHECK(raw.meta("ink.optimizer.steps") == "3");
    CHECK(raw.meta("ink.rng.data") == "99 1");

    Rng other(7);
    Net<> fresh(4, other);
    optim::Adam<float> fresh_adam(fresh.named_parameters(), {.lr = 1.0});
    const io::CheckpointInfo back = io::load_checkpoint(path, fresh, fresh_adam);
    CHECK(back.step == 1234);
    CHECK(back.rngs.at("init").seed == 1);
    CHECK(back.rngs.at("init").counter == rng.state().counter);
    CHECK(back.rngs.at("data").counter == 1);
    CHECK(back.metadata == info.metadata);
    CHECK(fresh_adam.steps() == 3);
    CHECK(fresh_adam.lr() == 3e-4);
    const auto a = net.named_parameters(), b = fresh.named_parameters();
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].second.value().to_vector() == b[i].second.value().to_vector());
    const auto sa = adam.state(), sb = fresh_adam.state();
    for (std::size_t i = 0; i < sa.size(); ++i) CHECK(sa[i].second.to_vector() == sb[i].second.to_vector());

    // The next step matches the uninterrupted run exactly.
    fake_gradients(net, 2.0f);
    fake_gradients(fresh, 2.0f);
    adam.step();
    fresh_adam.step();
    CHECK(net.fc1.weight.value().to_vector() == fresh.fc1.weight.value().to_vector());
}

TEST_CASE("checkpoint: mismatched or damaged files throw naming the file and the tensor, and change nothing") {
    TempDir dir;
    Rng rng(3);
    Net<> net(4, rng);
    optim::Adam<float> adam(net.named_parameters());
    const std::string path = dir.file("net.safetensors");
    io::save_checkpoint(path, net, adam, {.step = 5, .rngs = {}, .metadata = {}});
    io::save_checkpoint(dir.file("weights.safetensors"), net, nullptr);

    Net<> wider(5, rng);
    const auto before = wider.fc1.weight.value().to_vector();
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, wider, nullptr),
                         doctest::Contains("tensor 'model.encoder.weight' has shape [3, 4], expected [3, 5]"), Error);
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, wider, nullptr), doctest::Contains("net.safetensors"), Error);
    CHECK(wider.fc1.weight.value().to_vector() == before);

    struct Bigger : Net<> {
        Block<float> extra;
        Bigger(Rng& r) : Net<>(4, r), extra(2, 2, r) { register_module("extra", extra); }
    } bigger(rng);
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, bigger, nullptr),
                         doctest::Contains("tensor 'model.extra.weight' is missing"), Error);

    struct Smaller : nn::Module<float> {
        Block<float> fc1;
        Smaller(Rng& r) : fc1(3, 4, r) { register_module("encoder", fc1); }
    } smaller(rng);
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, smaller, nullptr),
                         doctest::Contains("tensor 'model.decoder.bias' is not a parameter of the model"), Error);

    Net<> same(4, rng);
    optim::SGD<float> sgd(same.named_parameters(), {.momentum = 0.9});
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, same, sgd), doctest::Contains("optimizer state of Adam, expected SGD"),
                         Error);
    optim::Adam<float> adam2(same.named_parameters());
    CHECK_THROWS_WITH_AS(io::load_checkpoint(dir.file("weights.safetensors"), same, adam2),
                         doctest::Contains("no optimizer state"), Error);
    CHECK(io::load_checkpoint(dir.file("weights.safetensors"), same).step == 0);

    Net<double> in_double(4, rng);
    CHECK_THROWS_WITH_AS(io::load_checkpoint(path, in_double, nullptr),
                         doctest::Contains("tensor 'model.encoder.weight' has dtype F32, expected F64"), Error);

    // Truncated: cut the file inside its data.
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::string cut = dir.file("cut.safetensors");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 10));
    CHECK_THROWS_WITH_AS(io::load_checkpoint(cut, same, nullptr), doctest::Contains("cut.safetensors"), Error);
    CHECK_THROWS_WITH_AS(io::load_checkpoint(cut, same, nullptr), doctest::Contains("truncated?"), Error);

    CHECK_THROWS_WITH_AS(io::save_checkpoint(path, net, nullptr, {.step = 0, .rngs = {}, .metadata = {{"ink.step", "3"}}}),
                         doctest::Contains("metadata key 'ink.step' is reserved"), Error);
    CHECK(io::load_checkpoint(path, same, adam2).step == 5);  // the failed save left the file intact
}
