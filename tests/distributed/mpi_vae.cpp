// ink-vae train (examples/mnist_vae/trainer.hpp) under mpirun: 2 ranks at global batch B follow 1
// process at batch B (per-epoch losses and final weights to float summation tolerance); a stop asked
// on one rank (by a hook, or by SIGTERM) stops both, and the 2-rank run resumes from rank 0's
// checkpoint with the uninterrupted bits.
#include <doctest/doctest.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>

#include "../../examples/mnist_vae/trainer.hpp"
#include "ink/distributed/communicator.hpp"
#include "program_args.hpp"

using namespace vae;

namespace {

// n random grey images with random labels.
ink::data::LabeledImages noise_images(index_t n, std::uint64_t seed) {
    ink::Rng rng(seed);
    ink::data::LabeledImages d;
    d.height = d.width = 28;
    d.images = Tensor::uniform(ink::Shape{n, 784}, rng, 0.0f, 1.0f);
    d.labels = ink::Tensor<std::int32_t>(ink::Shape{n});
    for (auto& l : d.labels) l = std::int32_t(rng.uniform_int(10));
    return d;
}

// A directory every rank names the same (rank 0's choice; the ranks share this file system).
fs::path shared_directory(ink::distributed::Communicator& comm, const std::string& name) {
    std::string path = (fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
    path.resize(comm.broadcast_value<std::uint64_t>(path.size()));
    comm.broadcast(std::span<char>(path.data(), path.size()));
    return path;
}

// 3 epochs of the CVAE at global batch 32 over 150 images (the last batch, 22, has odd halves).
void run(const Dataset& data, const fs::path& out, ink::distributed::Process& process, bool resume,
         const std::function<bool()>& stop = {}) {
    TrainOptions o;
    o.settings.model = "cvae";
    o.settings.batch = 32;
    o.epochs = 3;
    o.out = out.string();
    o.resume = resume;
    train(data, o, stop, process);
}

std::vector<float> weights(const fs::path& dir) {
    ink::Rng init(0);
    Model model(read_settings(dir).model_config(), init);
    ink::io::load_checkpoint((dir / kCheckpoint).string(), model, nullptr);
    std::vector<float> all;
    for (const auto& [name, p] : model.named_parameters()) {
        const auto v = p.value().to_vector();
        all.insert(all.end(), v.begin(), v.end());
    }
    return all;
}

}  // namespace

TEST_CASE("ink-vae train: 2 ranks at global batch 32 follow 1 process at batch 32; a stop or SIGTERM on rank 1 resumes exactly") {
    ink::distributed::Communicator comm;
    const fs::path root = shared_directory(comm, "ink-mpi-vae");
    const Dataset data{"noise", noise_images(150, 1), noise_images(40, 2), ink::data::mnist_class_names()};
    ink::test::ProgramArgs program;
    ink::distributed::Process world(program.argc, program.argv), single;
    REQUIRE(world.size() == 2);

    const fs::path alone = root / ("alone-" + std::to_string(comm.rank()));  // each rank its own reference
    run(data, alone, single, false);
    run(data, root / "parallel", world, false);
    comm.barrier();  // rank 0 has written the files
    const History want = read_history(alone), got = read_history(root / "parallel");
    REQUIRE(want.train.size() == 3);
    REQUIRE(got.train.size() == 3);
    for (std::size_t e = 0; e < 3; ++e) {
        CAPTURE(e);
        CHECK(std::abs(got.train[e] - want.train[e]) <= 1e-5 * std::abs(want.train[e]));
        CHECK(std::abs(got.test()[e] - want.test()[e]) <= 1e-4 * std::abs(want.test()[e]));
    }
    const std::vector<float> a = weights(alone), b = weights(root / "parallel");
    REQUIRE(a.size() == b.size());
    double gap = 0;
    for (std::size_t i = 0; i < a.size(); ++i) gap = std::max(gap, double(std::abs(a[i] - b[i])));
    CHECK(gap < 1e-4);

    // Rank 1 alone asks to stop after 7 steps (in the second epoch); both stop, rank 0 saves.
    int steps = 0;
    run(data, root / "resumed", world, false, [&] { return comm.rank() == 1 && ++steps >= 7; });
    comm.barrier();
    CHECK(read_history(root / "resumed").train.size() == 1);
    run(data, root / "resumed", world, true);
    comm.barrier();
    CHECK(read_history(root / "resumed").train == got.train);
    CHECK(weights(root / "resumed") == b);

    // The same with a real SIGTERM on rank 1 in step 7: the loop's guard catches it, the request
    // travels with step 8's gradients, both ranks stop after step 8, and the resumed run is exact.
    steps = 0;
    run(data, root / "signalled", world, false, [&] {
        if (comm.rank() == 1 && ++steps == 7) std::raise(SIGTERM);
        return false;
    });
    comm.barrier();
    CHECK(read_history(root / "signalled").train.size() == 1);
    run(data, root / "signalled", world, true);
    comm.barrier();
    CHECK(weights(root / "signalled") == b);
    comm.barrier();
    if (comm.rank() == 0) fs::remove_all(root);
}
