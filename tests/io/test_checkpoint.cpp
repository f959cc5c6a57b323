// Checkpoints: model + optimizer + step + RNG + metadata round trip, and strict, all-or-nothing loads.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

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

// Every bit of a model and an optimizer that a load may change: parameters, state, step count, lr.
std::string snapshot(const nn::Module<float>& m, const optim::Optimizer<float>& opt) {
    std::string bits;
    auto add = [&](const void* p, std::size_t n) { bits.append(static_cast<const char*>(p), n); };
    for (const auto& [name, p] : m.named_parameters()) add(p.value().data(), sizeof(float) * std::size_t(p.numel()));
    for (const auto& [name, t] : opt.state()) add(t.data(), sizeof(float) * std::size_t(t.numel()));
    const std::int64_t steps = opt.steps();
    const double lr = opt.lr();
    add(&steps, sizeof steps);
    add(&lr, sizeof lr);
    return bits;
}

// A trained Net<> and its Adam, saved to `path` at step 7 with an RNG state.
struct Saved {
    Rng rng{11};
    Net<> net{4, rng};
    optim::Adam<float> adam{net.named_parameters(), {.lr = 2e-3}};
    explicit Saved(const std::string& path) {
        for (int s = 0; s < 2; ++s) {
            fake_gradients(net, 1.0f + float(s));
            adam.step();
        }
        io::save_checkpoint(path, net, adam, {.step = 7, .rngs = {{"data", {5, 9}}}, .metadata = {}});
    }
};

// A copy of checkpoint `from` at `to` with one metadata field set to `value`.
void with_metadata(const std::string& from, const std::string& to, const std::string& key, const std::string& value) {
    io::TensorDict d = io::load_safetensors(from);
    d.metadata[key] = value;
    io::save_safetensors(to, d);
}

// A good checkpoint (`saved`, at `good`) and a trained Net + Adam to load edited copies of it into:
// each edit must be refused naming the file and the field, and change not one bit of the loader.
struct Refusals {
    TempDir dir;
    std::string good = dir.file("good.safetensors"), bad = dir.file("run.safetensors");
    Saved saved{good};
    Rng rng{2};
    Net<> net{4, rng};
    optim::Adam<float> adam{net.named_parameters(), {.lr = 0.5}};
    std::string before;
    Refusals() {
        fake_gradients(net, 3.0f);
        adam.step();
        before = snapshot(net, adam);
    }
    // `good` with metadata `key` = `value`.
    void metadata(const std::string& key, const std::string& value, const std::string& message) {
        CAPTURE(key);
        CAPTURE(value);
        with_metadata(good, bad, key, value);
        refused(key, message);
    }
    // `good` after edit(TensorDict&); `field` is the tensor the message names.
    template <class Edit>
    void tensors(Edit&& edit, const std::string& field, const std::string& message) {
        io::TensorDict d = io::load_safetensors(good);
        edit(d);
        io::save_safetensors(bad, d);
        refused(field, message);
    }

private:
    void refused(const std::string& field, const std::string& message) {
        CHECK_THROWS_WITH_AS(io::load_checkpoint(bad, net, adam), doctest::Contains(("checkpoint '" + bad + "': ").c_str()),
                             Error);
        CHECK_THROWS_WITH_AS(io::load_checkpoint(bad, net, adam), doctest::Contains(field.c_str()), Error);
        CHECK_THROWS_WITH_AS(io::load_checkpoint(bad, net, adam), doctest::Contains(message.c_str()), Error);
        CHECK(snapshot(net, adam) == before);
    }
};

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// The names in `dir` that start with `prefix`.
std::vector<std::string> files_starting(const fs::path& dir, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
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

TEST_CASE("issue14.9 checkpoint: a bad optimizer step leaves the model untouched") {
    Refusals r;
    r.metadata("ink.optimizer.steps", "18446744073709551615",
               "ink.optimizer.steps: \"18446744073709551615\" is out of the range");
    r.metadata("ink.optimizer.steps", "-1", "ink.optimizer.steps = -1 is out of range: expected 0 to 9223372036854775806");
    r.metadata("ink.optimizer.steps", "9223372036854775807", "ink.optimizer.steps = 9223372036854775807 is out of range");
    r.metadata("ink.optimizer.lr", "-1", "ink.optimizer.lr = -1 is out of range: expected a finite number > 0");
    r.metadata("ink.step", "-3", "ink.step = -3 is out of range: expected >= 0");
    r.metadata("ink.rng.data", "1", "ink.rng.data = '1' is not '<seed> <counter>'");
    r.metadata("ink.format", "ink-checkpoint-2", "ink.format = 'ink-checkpoint-2', expected 'ink-checkpoint-1'");
    r.metadata("ink.scheduler", "cosine", "unknown metadata field 'ink.scheduler'");

    // Bad optimizer state: a negative second moment (its square root would be NaN), a NaN first moment,
    // a foreign state tensor, a tensor of neither kind.
    r.tensors(
        [](io::TensorDict& d) {
            Tensor<float> v = d.get<float>("optim.decoder.bias.exp_avg_sq").clone();
            v[1] = -0.25f;
            d.set("optim.decoder.bias.exp_avg_sq", v);
        },
        "optim.decoder.bias.exp_avg_sq", "element 1 is -0.25, expected a finite number >= 0");
    r.tensors(
        [](io::TensorDict& d) {
            Tensor<float> m = d.get<float>("optim.encoder.weight.exp_avg").clone();
            m[0] = std::numeric_limits<float>::quiet_NaN();
            d.set("optim.encoder.weight.exp_avg", m);
        },
        "optim.encoder.weight.exp_avg", "element 0 is nan, expected a finite number");
    r.tensors([](io::TensorDict& d) { d.set("optim.encoder.weight.momentum_buffer", Tensor<float>(Shape{3, 4})); },
              "optim.encoder.weight.momentum_buffer", "is not part of the Adam state");
    r.tensors([](io::TensorDict& d) { d.set("extra", Tensor<float>(Shape{1})); }, "tensor 'extra'",
              "is neither a parameter ('model.') nor optimizer state ('optim.')");

    // The good file loads all of it.
    const auto info = io::load_checkpoint(r.good, r.net, r.adam);
    CHECK(info.step == 7);
    CHECK(snapshot(r.net, r.adam) == snapshot(r.saved.net, r.saved.adam));
    // Without an optimizer, a full checkpoint's state is not needed, nor checked.
    with_metadata(r.good, r.bad, "ink.optimizer.steps", "-1");
    Net<> weights_only(4, r.rng);
    io::load_checkpoint(r.bad, weights_only, nullptr);
    CHECK(weights_only.fc2.weight.value().to_vector() == r.saved.net.fc2.weight.value().to_vector());
    // And the optimizer's own restore path is all-or-nothing too.
    std::vector<Tensor<float>> state;
    for (const auto& [name, t] : r.saved.adam.state()) state.push_back(t.clone());
    const std::string loaded = snapshot(r.net, r.adam);
    CHECK_THROWS_WITH_AS(r.adam.restore(optim::Optimizer<float>::kMaxSteps + 1, 1e-3, state),
                         doctest::Contains("Adam: steps = 9223372036854775807 is out of range"), Error);
    state.pop_back();
    CHECK_THROWS_WITH_AS(r.adam.restore(1, 1e-3, state), doctest::Contains("restore needs 8 state buffers, got 7"), Error);
    CHECK(snapshot(r.net, r.adam) == loaded);
}

TEST_CASE("issue14.10 checkpoint: metadata numbers are parsed strictly") {
    Refusals r;
    for (const char* text : {" -5", "+5", " 7", "7 ", "", "0x10", "1e3", "5.0"})
        r.metadata("ink.step", text, "is not an integer");
    r.metadata("ink.step", "18446744073709551615", "out of the range of the expected signed 64-bit number");
    r.metadata("ink.step", "9223372036854775808", "out of the range of the expected signed 64-bit number");
    r.metadata("ink.rng.data", "1  2", "ink.rng.data (counter): \" 2\" is not a non-negative integer");
    r.metadata("ink.rng.data", "1 2 3", "ink.rng.data (counter): \"2 3\" is not a non-negative integer");
    r.metadata("ink.rng.data", "-1 2", "ink.rng.data (seed): \"-1\" is not a non-negative integer");
    r.metadata("ink.rng.data", "18446744073709551616 0", "out of the range of the expected unsigned 64-bit number");
    r.metadata("ink.optimizer.steps", "+2", "is not an integer");
    r.metadata("ink.optimizer.lr", "-1", "ink.optimizer.lr = -1 is out of range: expected a finite number > 0");
    r.metadata("ink.optimizer.lr", "0", "ink.optimizer.lr = 0 is out of range");
    r.metadata("ink.optimizer.lr", "1e-400", "ink.optimizer.lr: \"1e-400\" is out of the range");
    r.metadata("ink.optimizer.lr", "1e-310", "is out of");  // subnormal
    r.metadata("ink.optimizer.lr", "nan", "is not a finite number");
    r.metadata("ink.optimizer.lr", " 0.1", "is not a number");

    // The extremes that are valid load exactly.
    with_metadata(r.good, r.bad, "ink.step", "9223372036854775807");
    with_metadata(r.bad, r.bad, "ink.rng.data", "18446744073709551615 0");
    with_metadata(r.bad, r.bad, "ink.optimizer.lr", "1e-300");
    const auto info = io::load_checkpoint(r.bad, r.net, r.adam);
    CHECK(info.step == std::numeric_limits<std::int64_t>::max());
    CHECK(info.rngs.at("data").seed == std::numeric_limits<std::uint64_t>::max());
    CHECK(r.adam.lr() == 1e-300);
    // Saving writes the shortest exact decimal, which loads back to the same double.
    r.adam.set_lr(0.1 + 0.2);
    io::save_checkpoint(r.bad, r.net, r.adam);
    optim::Adam<float> again(r.net.named_parameters());
    io::load_checkpoint(r.bad, r.net, again);
    CHECK(again.lr() == 0.1 + 0.2);
    CHECK_THROWS_WITH_AS(io::save_checkpoint(r.bad, r.net, r.adam, {.step = -1, .rngs = {}, .metadata = {}}),
                         doctest::Contains("step = -1 is out of range"), Error);
}

TEST_CASE("issue14.11 atomic write: stale temporary files of a killed save are removed by the next save") {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    const Saved saved(path);

    // A real kill -9 in the middle of a save: the child writes half a file and waits to be killed.
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::alarm(60);  // never outlives a parent that failed before killing it
        io::AtomicFile file(path);
        file.write("half a checkpoint", 17);
        (void)!::write(ready[1], "x", 1);
        for (;;) ::pause();
    }
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::close(ready[0]);
    ::close(ready[1]);
    const std::string killed_prefix = "ckpt.safetensors.tmp." + std::to_string(child) + ".";
    REQUIRE(files_starting(dir.path, killed_prefix).size() == 1);

    // By hand: the older "<path>.tmp.<pid>" name and the current one, with a pid that cannot exist (pid_max
    // is at most 2^22), one of this process (a previous run in a container often gets the same pid), a
    // live other process's (the parent's) and names that are not ink's temporary files at all.
    const std::string base = path + ".tmp.";
    const std::string live = base + std::to_string(::getppid()) + ".0123456789abcdef";
    const std::vector<std::string> stale = {base + "999999999", base + "999999998.00000000deadbeef",
                                            base + std::to_string(::getpid()) + ".fedcba9876543210"};
    const std::vector<std::string> foreign = {base + "notes", base + "12x", base + "999999999.short",
                                              dir.file("other.safetensors.tmp.999999999")};
    for (const auto& f : stale) std::ofstream(f) << "stale";
    for (const auto& f : foreign) std::ofstream(f) << "not ink's";
    std::ofstream(live) << "being written";

    io::save_checkpoint(path, saved.net, saved.adam);
    CHECK(files_starting(dir.path, killed_prefix).empty());
    for (const auto& f : stale) CHECK_MESSAGE(!fs::exists(f), f);
    for (const auto& f : foreign) CHECK_MESSAGE(fs::exists(f), f);
    CHECK(fs::exists(live));
    CHECK(files_starting(dir.path, "ckpt.safetensors.tmp.").size() == 4);  // the live one and 3 foreign
    Rng rng(5);
    Net<> back(4, rng);
    io::load_checkpoint(path, back, nullptr);
    CHECK(back.fc1.weight.value().to_vector() == saved.net.fc1.weight.value().to_vector());
}

TEST_CASE("issue14.12 atomic write: concurrent saves to one path never fail nor expose a truncated file") {
    TempDir dir;
    const std::string path = dir.file("shared.safetensors");
    constexpr int kWriters = 4, kSaves = 12;
    // Writer w's save i holds step w * 100 + i and every parameter equal to it: a load shows one whole state.
    auto fill = [](Net<>& net, std::int64_t step) {
        for (auto& [name, p] : net.named_parameters()) p.value().fill(float(step));
    };
    {
        Rng rng(1);
        Net<> first(4, rng);
        fill(first, 0);
        io::save_checkpoint(path, first, nullptr, {.step = 0, .rngs = {}, .metadata = {}});
    }
    std::atomic<int> failed_saves{0}, writers_done{0};
    std::vector<std::thread> writers;
    for (int w = 1; w <= kWriters; ++w)
        writers.emplace_back([&, w] {
            Rng rng{std::uint64_t(w)};
            Net<> net(4, rng);
            for (int i = 0; i < kSaves; ++i) {
                const std::int64_t step = w * 100 + i;
                fill(net, step);
                try {
                    io::save_checkpoint(path, net, nullptr, {.step = step, .rngs = {}, .metadata = {}});
                } catch (const std::exception&) {
                    ++failed_saves;
                }
            }
            ++writers_done;
        });
    int loads = 0, bad_loads = 0;
    std::string first_error;
    Rng rng(9);
    Net<> reader(4, rng);
    while (writers_done < kWriters || loads < 10) {
        try {
            const auto info = io::load_checkpoint(path, reader, nullptr);
            const bool known = info.step == 0 || (info.step / 100 >= 1 && info.step / 100 <= kWriters && info.step % 100 < kSaves);
            bool whole = known;
            for (const auto& [name, p] : reader.named_parameters())
                for (float v : p.value().to_vector()) whole = whole && v == float(info.step);
            if (!whole) ++bad_loads;
        } catch (const std::exception& e) {
            if (first_error.empty()) first_error = e.what();
            ++bad_loads;
        }
        ++loads;
    }
    for (auto& t : writers) t.join();
    CAPTURE(first_error);
    CHECK(failed_saves == 0);
    CHECK(bad_loads == 0);
    CHECK(loads >= 10);
    CHECK(files_starting(dir.path, "shared.safetensors.tmp.").empty());
}

TEST_CASE("issue14.13 atomic write: the file's mode is kept and a symlink is written through") {
    TempDir dir;
    const std::string path = dir.file("private.safetensors");
    const Saved saved(path);
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    io::save_checkpoint(path, saved.net, saved.adam);
    CHECK(mode_of(path) == 0600);
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    io::save_checkpoint(path, saved.net, nullptr);
    CHECK(mode_of(path) == 0640);
    // A new file gets 0666 less the umask, as any created file does.
    const mode_t mask = ::umask(022);
    io::save_checkpoint(dir.file("new.safetensors"), saved.net, nullptr);
    ::umask(mask);
    CHECK(mode_of(dir.file("new.safetensors")) == 0644);

    // A symlink (relative, through a second one) stays a symlink; its target gets the new contents.
    fs::create_directories(dir.path / "runs");
    const std::string target = dir.file("runs/real.safetensors");
    io::save_checkpoint(target, saved.net, nullptr, {.step = 1, .rngs = {}, .metadata = {}});
    REQUIRE(::chmod(target.c_str(), 0600) == 0);
    fs::create_symlink("runs/real.safetensors", dir.path / "inner.safetensors");
    fs::create_symlink("inner.safetensors", dir.path / "latest.safetensors");
    io::save_checkpoint(dir.file("latest.safetensors"), saved.net, nullptr, {.step = 2, .rngs = {}, .metadata = {}});
    CHECK(fs::is_symlink(dir.path / "latest.safetensors"));
    CHECK(fs::is_symlink(dir.path / "inner.safetensors"));
    CHECK(fs::read_symlink(dir.path / "latest.safetensors") == "inner.safetensors");
    Rng rng(5);
    Net<> back(4, rng);
    CHECK(io::load_checkpoint(target, back, nullptr).step == 2);
    CHECK(mode_of(target) == 0600);
    CHECK(files_starting(dir.path / "runs", "real.safetensors.tmp.").empty());
    // A dangling link gets its target created.
    fs::create_symlink("runs/fresh.safetensors", dir.path / "dangling.safetensors");
    io::save_checkpoint(dir.file("dangling.safetensors"), saved.net, nullptr, {.step = 3, .rngs = {}, .metadata = {}});
    CHECK(io::load_checkpoint(dir.file("runs/fresh.safetensors"), back, nullptr).step == 3);
    CHECK(fs::is_symlink(dir.path / "dangling.safetensors"));
    // A loop of links, a directory or a FIFO at the path is refused, without blocking, and left as it is.
    fs::create_symlink("loop2", dir.path / "loop1");
    fs::create_symlink("loop1", dir.path / "loop2");
    CHECK_THROWS_WITH_AS(io::save_checkpoint(dir.file("loop1"), saved.net, nullptr),
                         doctest::Contains("more than 40 levels of symbolic links"), Error);
    fs::create_directories(dir.path / "adir");
    CHECK_THROWS_WITH_AS(io::save_checkpoint(dir.file("adir"), saved.net, nullptr), doctest::Contains("is a directory"),
                         Error);
    REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(io::save_checkpoint(dir.file("fifo"), saved.net, nullptr),
                         doctest::Contains("not a regular file"), Error);
    CHECK(fs::is_fifo(dir.path / "fifo"));
    for (const std::string& no_name : {std::string(), dir.file("adir/"), dir.file("..")})
        CHECK_THROWS_WITH_AS(io::save_checkpoint(no_name, saved.net, nullptr), doctest::Contains("expected a file name"),
                             Error);
    // A failing save (here: a directory that does not exist) names the file and the reason.
    CHECK_THROWS_WITH_AS(io::save_checkpoint(dir.file("missing/x.safetensors"), saved.net, nullptr),
                         doctest::Contains("No such file or directory"), Error);
}
