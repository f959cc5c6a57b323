// examples/poem_vae: a run interrupted mid-epoch and resumed from its checkpoint gives the same bits
// as an uninterrupted one, and the model's loss has the expected form and falls.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "../../examples/poem_vae/decode.hpp"
#include "../../examples/poem_vae/trainer.hpp"

using namespace poem;

namespace {

constexpr index_t kVocab = 23, kSamples = 150;  // 3 batches per epoch: 64, 64, 22

Tensor<std::int32_t> toy_corpus() {
    Tensor<std::int32_t> ids = Tensor<std::int32_t>::empty({kSamples, kLength});
    ink::Rng rng(11);
    for (index_t r = 0; r < kSamples; ++r)  // couplets of a few patterns, so that there is something to learn
        for (index_t i = 0; i < kLength; ++i)
            ids(r, i) = std::int32_t((r % 5) * 3 + i + rng.uniform_int(2)) % kVocab;
    return ids;
}

Hyper toy_hyper() {
    Hyper h;
    h.vocab = kVocab;
    return h;
}

// Runs the trainer's loop until `stop` steps were taken in total or `epochs` epochs are done.
void run(Trainer& t, int epochs, std::int64_t stop) {
    t.loop.options.epochs = epochs;
    t.loop.hooks.should_stop = [&t, stop] { return t.step_count() >= stop; };
    t.loop.run();
}

}  // namespace

TEST_CASE("poem trainer: resume mid-epoch reproduces an uninterrupted run bit for bit") {
    const Tensor<std::int32_t> data = toy_corpus();
    Trainer straight(toy_hyper(), data, 42);
    run(straight, 3, 1000);
    CHECK(straight.step_count() == 9);

    const std::string path = (std::filesystem::temp_directory_path() / "ink_test_poem_resume.safetensors").string();
    {
        Trainer first(toy_hyper(), data, 42);
        first.loop.options.checkpoint = path;  // written when the run stops
        first.loop.metadata["note"] = "kept";
        run(first, 3, 4);  // stops in the middle of epoch 2
    }
    Trainer resumed(toy_hyper(), data, 42);
    resumed.loop.options.checkpoint = path;
    const auto meta = resumed.loop.resume();
    CHECK(meta.at("note") == "kept");
    CHECK(resumed.step_count() == 4);
    run(resumed, 3, 1000);
    std::filesystem::remove(path);

    const auto a = straight.model.named_parameters(), b = resumed.model.named_parameters();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].first);
        CHECK(std::equal(a[i].second.value().begin(), a[i].second.value().end(), b[i].second.value().begin()));
    }
    CHECK(straight.noise.state().counter == resumed.noise.state().counter);
}

TEST_CASE("poem model: shapes, loss = reconstruction + KL, and training lowers it") {
    const Tensor<std::int32_t> data = toy_corpus();
    Trainer t(toy_hyper(), data, 1);
    const auto [mu, logvar] = t.model.encode(data);
    CHECK(mu.shape() == ink::Shape{kSamples, 64});
    CHECK(logvar.shape() == ink::Shape{kSamples, 64});
    CHECK(t.model.decode(mu).shape() == ink::Shape{kSamples, kLength, kVocab});

    const Losses before = t.evaluate(data);
    CHECK(before.total == doctest::Approx(before.reconstruction + before.kl));
    // Untrained, each position is close to uniform: about 10 log V nats per couplet.
    CHECK(before.reconstruction == doctest::Approx(10 * std::log(double(kVocab))).epsilon(0.1));
    run(t, 20, 1000);
    const Losses after = t.evaluate(data);
    CHECK(after.total < 0.8 * before.total);
}
