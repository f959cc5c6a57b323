// ink-gan train's iteration (examples/gan/iteration.hpp) under mpirun: 2 ranks at global batch B
// follow 1 process at batch B, both networks' gradients and the WGAN-GP penalty's included: the
// losses of every iteration and the final weights agree to float summation tolerance.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../../examples/gan/iteration.hpp"
#include "ink/optim/adam.hpp"
#include "program_args.hpp"

using namespace gan;

namespace {

struct Run {
    std::vector<double> critic, generator, penalty, gap;
    std::vector<float> weights;
};

// 4 generator iterations of 2 critic steps at global batch 12 over 60 random images.
Run train(ink::distributed::Process& process, Loss loss, Penalty penalty) {
    ink::Rng data_rng(5);
    const ink::Tensor<float> images = ink::Tensor<float>::uniform(ink::Shape{60, kPixels}, data_rng, 0.0f, 1.0f);
    ink::Rng init(3);
    Gan<float> gan(init);
    ink::optim::Adam<float> adam(gan.named_parameters(), {.lr = 1e-3, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-7});
    ink::data::Batches batches(images.dim(0), 12, ink::Rng(7), ink::data::LastBatch::drop);
    ink::Rng noise(11);
    ink::train::Loop<float> loop(gan, adam, batches,
                                 {.steps = 4, .log_every = 1, .metrics = {"critic", "gen", "penalty", "gap"},
                                  .history_columns = {"iteration", "critic", "gen", "penalty", "gap"}});
    ink::distributed::ParallelLoop<float> parallel(loop, process);
    process.replicate(gan, adam);
    Iteration iteration(gan, adam, loop, parallel, images, noise,
                        {.loss = loss, .penalty = {loss == Loss::wgan_gp, penalty, 10.0}, .critic_steps = 2, .batch = 12});
    loop.hooks.step = [&](std::span<const index_t>, std::span<double> m) { return iteration(m); };
    loop.hooks.end_period = [](const ink::train::Period& p) {
        return std::vector<double>{double(p.index), p.means[0], p.means[1], p.means[2], p.means[3]};
    };
    REQUIRE(parallel.run() == ink::train::Outcome::finished);
    Run r{loop.history.column("critic"), loop.history.column("gen"), loop.history.column("penalty"),
          loop.history.column("gap"), {}};
    for (const auto& [name, p] : gan.named_parameters()) {
        const auto v = p.value().to_vector();
        r.weights.insert(r.weights.end(), v.begin(), v.end());
    }
    return r;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tolerance) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(std::abs(got[i] - want[i]) <= tolerance * std::max(1.0, std::abs(want[i])));
    }
}

}  // namespace

TEST_CASE("ink-gan train: 2 ranks at global batch 12 follow 1 process at batch 12 (GAN and WGAN-GP)") {
    ink::test::ProgramArgs program;
    ink::distributed::Process world(program.argc, program.argv), single;
    REQUIRE(world.size() == 2);
    for (const auto& [loss, penalty] : {std::pair{Loss::wgan_gp, Penalty::one_sided}, std::pair{Loss::wgan_gp, Penalty::two_sided},
                                        std::pair{Loss::gan, Penalty::one_sided}}) {
        CAPTURE(int(loss));
        CAPTURE(int(penalty));
        const Run want = train(single, loss, penalty), got = train(world, loss, penalty);
        check_close(got.critic, want.critic, 1e-5);
        check_close(got.generator, want.generator, 1e-5);
        check_close(got.penalty, want.penalty, 1e-4);
        check_close(got.gap, want.gap, 1e-4);
        if (penalty == Penalty::two_sided) CHECK(want.penalty.back() > 0);  // the penalty's gradient is in play
        REQUIRE(got.weights.size() == want.weights.size());
        double gap = 0;
        for (std::size_t i = 0; i < got.weights.size(); ++i) gap = std::max(gap, double(std::abs(got.weights[i] - want.weights[i])));
        CHECK(gap < 1e-5);
    }
}
