// The MNIST VAE example's training run (examples/mnist_vae/trainer.hpp): a run stopped mid-epoch and
// resumed from its checkpoint gives exactly the numbers of an uninterrupted run.
#include <doctest/doctest.h>

#include <filesystem>

#include "../../examples/mnist_vae/trainer.hpp"

using namespace vae;

namespace {

// n images of bright vertical bars whose position is the class (n % 10), with a little texture.
ink::data::LabeledImages bars(index_t n, std::uint64_t seed) {
    ink::data::LabeledImages d;
    d.height = d.width = 28;
    d.images = Tensor(ink::Shape{n, 784});
    d.labels = ink::Tensor<std::int32_t>(ink::Shape{n});
    ink::Rng rng(seed);
    for (index_t i = 0; i < n; ++i) {
        d.labels[i] = static_cast<std::int32_t>(i % 10);
        for (index_t r = 0; r < 28; ++r)
            for (index_t c = 0; c < 3; ++c) d.images(i, r * 28 + 2 * (i % 10) + c + 2) = 0.5f + 0.5f * float(rng.uniform());
    }
    return d;
}

History run(const Dataset& data, const fs::path& out, bool resume, int stop_after_steps) {
    TrainOptions o;
    o.settings.model = "cvae";
    o.settings.batch = 32;  // 150 images: 5 batches per epoch, the last one partial
    o.epochs = 3;
    o.out = out.string();
    o.resume = resume;
    int steps = 0;
    ink::distributed::Process single;
    train(data, o, [&] { return stop_after_steps > 0 && ++steps >= stop_after_steps; }, single);
    return read_history(out);
}

}  // namespace

TEST_CASE("vae trainer: an interrupted and resumed run repeats an uninterrupted one exactly") {
    const Dataset data{"bars", bars(150, 1), bars(40, 2), ink::data::mnist_class_names()};
    const fs::path root = fs::temp_directory_path() / "ink-test-vae-train";
    fs::remove_all(root);

    const History straight = run(data, root / "straight", false, 0);
    REQUIRE(straight.train.size() == 3);
    CHECK(run(data, root / "resumed", false, 7).train.size() == 1);  // stopped in the second epoch
    const History resumed = run(data, root / "resumed", true, 0);
    REQUIRE(resumed.train.size() == 3);
    CHECK(resumed.train == straight.train);
    CHECK(resumed.test_reconstruction == straight.test_reconstruction);
    CHECK(resumed.test_kl == straight.test_kl);
    CHECK(straight.test().back() < straight.test().front());
    CHECK(fs::exists(root / "resumed" / "manifold_9.png"));
    fs::remove_all(root);
}
