// Process without MPI (this file is part of ink-tests, which never links MPI): a single process,
// rank 0 of 1, whose every call leaves the training as it was.
#include <doctest/doctest.h>

#include <stdexcept>

#include "ink/distributed/process.hpp"
#include "ink/nn/linear.hpp"
#include "ink/optim/sgd.hpp"

#if INK_HAVE_MPI
#error "ink-tests must not be built with MPI"
#endif

using namespace ink;

TEST_CASE("Process without MPI: rank 0 of 1, the whole batch, gradients untouched") {
    int argc = 1;
    char name[] = "ink-tests";
    char* args[] = {name, nullptr};
    char** argv = args;
    distributed::Process process(argc, argv);
    CHECK_FALSE(process.distributed());
    CHECK(process.rank() == 0);
    CHECK(process.size() == 1);
    CHECK(process.writes_files());
    CHECK(process.local_batch(63) == 63);
    CHECK(process.shard(7).begin == 0);
    CHECK(process.shard(7).end == 7);

    Rng rng(1);
    nn::Linear<float> layer(3, 2, rng);
    optim::SGD<float> sgd(layer.named_parameters());
    process.replicate(layer, sgd, {{"vocab", "abc"}});
    layer.weight.grad() = Tensor<float>::full(layer.weight.shape(), 0.25f);
    CHECK_FALSE(process.average_gradients(7, false));
    CHECK(process.average_gradients(7, true));
    CHECK(layer.weight.grad()[0] == 0.25f);
    double sums[2] = {1.5, 2.5};
    process.sum(sums);
    CHECK(sums[0] == 1.5);
    CHECK(sums[1] == 2.5);
    process.barrier();
    CHECK(process.fail("ink-test", std::runtime_error("boom")) == 1);
}
