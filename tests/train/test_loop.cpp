// train/loop.hpp on a tiny regression model: a run stopped mid-epoch (by a hook or by SIGINT) and
// resumed from its checkpoint gives the bits of an uninterrupted run, in epoch and in step mode; the
// checkpoint holds the batch state; the history CSV is written; the hooks for data-parallel training
// (sharded batches, after_backward, writes_files) do what they say.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "data/temp_files.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops/losses.hpp"
#include "ink/optim/adam.hpp"
#include "ink/train.hpp"

using namespace ink;

namespace {

constexpr index_t kSamples = 23, kBatch = 5;  // 5 batches per epoch, the last one of 3

// y = x . (1, -2, 0.5) + 0.3, for x uniform in [-1, 1]^3.
struct Data {
    Tensor<float> x = [] {
        Rng rng(5);
        return Tensor<float>::uniform(Shape{kSamples, 3}, rng, -1.0f, 1.0f);
    }();
    Tensor<float> y = Tensor<float>::empty(Shape{kSamples, 1});
    Data() {
        for (index_t i = 0; i < kSamples; ++i) y(i, 0) = x(i, 0) - 2 * x(i, 1) + 0.5f * x(i, 2) + 0.3f;
    }
};

// Everything a run holds: the model, Adam, the batch order, a noise Rng (the inputs are jittered, so
// that its state matters) and the loop.
struct Run {
    Rng init{1};
    nn::Linear<float> model{3, 1, init};
    optim::Adam<float> adam{model.named_parameters(), {.lr = 0.05}};
    data::Batches batches;
    Rng noise{Rng(1).fork(2)};
    train::Loop<float> loop;
    Tensor<float> xb = Tensor<float>::empty(Shape{kBatch, 3}), yb = Tensor<float>::empty(Shape{kBatch, 1});
    int backward_hooks = 0;

    Run(const Data& d, train::LoopOptions o, data::LastBatch last = data::LastBatch::keep)
        : batches(kSamples, kBatch, Rng(1).fork(1), last), loop(model, adam, batches, std::move(o)) {
        loop.track("noise", noise);
        loop.hooks.after_backward = [this] { ++backward_hooks; };
        loop.hooks.step = [this, &d](std::span<const index_t> rows, std::span<double> metrics) {
            if (rows.empty()) rows = loop.next_batch();  // step mode
            Tensor<float> x = data::gather_rows(d.x, rows, xb);
            for (float& v : x) v += 0.01f * float(noise.uniform() - 0.5);
            const Var<float> loss = mse(model(Var<float>(x)), Var<float>(data::gather_rows(d.y, rows, yb)));
            adam.zero_grad();
            loop.backward(loss);
            adam.step();
            metrics[0] = loss.value()[0];
            return index_t(rows.size());
        };
        loop.hooks.end_period = [](const train::Period& p) {
            return std::vector<double>{double(p.index), p.means[0]};
        };
    }
};

train::LoopOptions epochs(const std::string& checkpoint, std::int64_t n = 4) {
    return {.epochs = n, .metrics = {"loss"}, .checkpoint = checkpoint, .history_columns = {"epoch", "loss"}};
}

void check_same_bits(const Run& a, const Run& b) {
    CHECK(a.model.weight.value().to_vector() == b.model.weight.value().to_vector());
    CHECK(a.model.bias.value().to_vector() == b.model.bias.value().to_vector());
    CHECK(a.noise.state().counter == b.noise.state().counter);
    CHECK(a.loop.step() == b.loop.step());
    REQUIRE(a.loop.history.size() == b.loop.history.size());
    for (std::size_t i = 0; i < a.loop.history.size(); ++i) CHECK(a.loop.history.row(i) == b.loop.history.row(i));
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("train::Loop: stopped mid-epoch and resumed, a run repeats an uninterrupted one bit for bit") {
    const Data d;
    test::TempDir dir;
    Run straight(d, epochs(""));
    CHECK(straight.loop.run() == train::Outcome::finished);
    CHECK(straight.loop.step() == 4 * 5);
    CHECK(straight.loop.epoch() == 4);
    CHECK(straight.backward_hooks == 20);
    REQUIRE(straight.loop.history.size() == 4);
    CHECK(straight.loop.history.column("loss").back() < straight.loop.history.column("loss").front());

    const std::string path = (dir.path() / "run" / "model.safetensors").string();
    auto options = epochs(path);
    options.history_csv = (dir.path() / "run" / "history.csv").string();
    options.history_plot = (dir.path() / "run" / "loss.png").string();
    options.plot_series = {{"training", "loss"}};
    {
        Run first(d, options);
        first.loop.metadata["note"] = "kept";
        first.loop.hooks.should_stop = [&] { return first.loop.step() == 7; };  // epoch 2, batch 2
        CHECK(first.loop.run() == train::Outcome::stopped);
        CHECK(first.loop.epoch() == 1);
        CHECK(first.loop.position() == 10);
    }
    // The checkpoint holds the batch state (epoch 1 done, 10 samples into epoch 2) and the step.
    {
        Rng unused(0);
        nn::Linear<float> m(3, 1, unused);
        const io::CheckpointInfo info = io::load_checkpoint(path, m);
        REQUIRE(info.batches.has_value());
        CHECK(info.batches->epoch == 1);
        CHECK(info.batches->position == 10);
        CHECK(info.step == 7);
        CHECK(info.rngs.count("noise") == 1);
    }
    CHECK(read_text(options.history_csv).rfind("epoch,loss\n1,", 0) == 0);  // one row: epoch 1
    CHECK(std::filesystem::exists(options.history_plot));

    Run resumed(d, options);
    const train::Metadata meta = resumed.loop.resume();
    CHECK(meta.at("note") == "kept");
    CHECK(meta.count("train.state") == 0);  // the loop's own fields are not the user's
    CHECK(resumed.loop.step() == 7);
    CHECK(resumed.loop.run() == train::Outcome::finished);
    check_same_bits(straight, resumed);

    // The CSV has the four epochs, the same numbers as the history in memory.
    const std::string csv = read_text(options.history_csv);
    CHECK(csv == resumed.loop.history.csv());
    CHECK(train::History::from_csv(csv, "history.csv").column("loss") == straight.loop.history.column("loss"));
}

TEST_CASE("train::Loop: Ctrl-C (SIGINT) inside a step stops after that step with a checkpoint") {
    const Data d;
    test::TempDir dir;
    const std::string path = (dir.path() / "model.safetensors").string();
    Run straight(d, epochs("", 2));
    straight.loop.run();

    Run first(d, epochs(path, 2));
    const auto step = first.loop.hooks.step;
    first.loop.hooks.step = [&](std::span<const index_t> rows, std::span<double> metrics) {
        const index_t n = step(rows, metrics);
        if (first.loop.step() == 2) std::raise(SIGINT);  // the third step; the guard catches it
        return n;
    };
    CHECK(first.loop.run() == train::Outcome::stopped);
    CHECK(first.loop.step() == 3);
    CHECK(first.loop.position() == 15);
    Run resumed(d, epochs(path, 2));
    resumed.loop.resume();
    CHECK(resumed.loop.run() == train::Outcome::finished);
    check_same_bits(straight, resumed);
}

TEST_CASE("train::Loop: step mode draws its own batches across epochs, logs every n steps, resumes exactly") {
    const Data d;
    test::TempDir dir;
    const std::string path = (dir.path() / "gan" / "checkpoint.safetensors").string();
    auto options = [&](const std::string& p) {
        return train::LoopOptions{.steps = 11, .log_every = 3, .metrics = {"loss"}, .checkpoint = p,
                                  .history_columns = {"step", "loss"}, .label = "steps"};
    };
    Run straight(d, options(""), data::LastBatch::drop);  // 4 batches of 5 per epoch
    std::vector<std::int64_t> evaluated;
    straight.loop.hooks.after_step = [&](std::int64_t s) {
        if (s % 4 == 0) evaluated.push_back(s);
        return s % 4 == 0;
    };
    CHECK(straight.loop.run() == train::Outcome::finished);
    CHECK(evaluated == std::vector<std::int64_t>{4, 8});
    CHECK(straight.loop.history.column("step") == std::vector<double>{3, 6, 9});
    CHECK(straight.loop.epoch() == 2);  // 11 batches of an epoch of 4: into the third epoch
    CHECK(straight.loop.position() == 15);

    Run first(d, options(path), data::LastBatch::drop);
    first.loop.hooks.should_stop = [&] { return first.loop.step() == 5; };
    CHECK(first.loop.run() == train::Outcome::stopped);
    Run resumed(d, options(path), data::LastBatch::drop);
    resumed.loop.resume();
    CHECK(resumed.loop.run() == train::Outcome::finished);
    check_same_bits(straight, resumed);
}

TEST_CASE("train::Loop: writes_files = false writes nothing; resume refuses a checkpoint without a run's state") {
    const Data d;
    test::TempDir dir;
    const std::string path = (dir.path() / "model.safetensors").string();
    auto o = epochs(path, 1);
    o.history_csv = (dir.path() / "history.csv").string();
    o.writes_files = false;  // a rank other than 0
    Run quiet(d, o);
    CHECK(quiet.loop.run() == train::Outcome::finished);
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(o.history_csv));

    Run plain(d, epochs(path, 1));
    io::save_checkpoint(path, plain.model, plain.adam);  // weights and Adam, no batch state
    CHECK_THROWS_WITH_AS(plain.loop.resume(), doctest::Contains("no batch state"), Error);
    CHECK_THROWS_WITH_AS(Run(d, epochs((dir.path() / "none").string())).loop.resume(), doctest::Contains("no checkpoint"),
                         Error);
    CHECK_THROWS_WITH_AS(train::History::from_csv("epoch,loss\n1,x\n", "h.csv"),
                         doctest::Contains("h.csv: history line 2, column 'loss'"), Error);
    CHECK(std::isnan(train::History::from_csv("epoch,loss\n1,nan\n", "h.csv").row(0)[1]));
}

TEST_CASE("data::Batches::shard: every rank takes its slice of each global batch, in the same order") {
    data::Batches whole(kSamples, kBatch, Rng(3));
    data::Batches r0(kSamples, kBatch, Rng(3)), r1(kSamples, kBatch, Rng(3));
    r0.shard(0, 2);
    r1.shard(1, 2);
    for (int b = 0; b < 6; ++b) {  // 5 batches, then the end of the epoch
        const auto all = whole.next();
        const auto a = r0.next(), c = r1.next();
        std::vector<index_t> joined(a.begin(), a.end());
        joined.insert(joined.end(), c.begin(), c.end());
        CHECK(joined == std::vector<index_t>(all.begin(), all.end()));
        CHECK(a.size() == all.size() / 2);  // 5 samples: 2 and 3
        CHECK(r0.state().position == whole.state().position);
    }
    CHECK_THROWS_AS(r0.shard(2, 2), Error);
}
