// DataParallel: rank 0's parameters and optimizer state reach every rank; 2 ranks at global batch B
// follow the single-process loss curve at batch B; runs repeat bit for bit; a 2-rank run resumes from
// rank 0's checkpoint with the bits of an uninterrupted one; mismatched models are refused on every
// rank with one message; the stop flag reaches every rank.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>

#include <unistd.h>

#include "ink/io/checkpoint.hpp"
#include "ink/optim/sgd.hpp"
#include "tiny_model.hpp"

using namespace ink;
using distributed::CollectiveError;
using distributed::Communicator;
using distributed::DataParallel;
using test::TinyData;
using test::TinyModel;
using test::TinyRun;

namespace {

bool same_on_all_ranks(Communicator& comm, std::uint64_t value) {
    std::vector<std::uint64_t> all(std::size_t(comm.size()));
    comm.allgather(value, std::span<std::uint64_t>(all));
    for (auto v : all)
        if (v != all[0]) return false;
    return true;
}

std::uint64_t state_hash(const optim::Optimizer<float>& opt) {
    std::uint64_t h = 0xcbf29ce484222325ull ^ std::uint64_t(opt.steps());
    for (const auto& [name, t] : opt.state())
        for (index_t i = 0; i < t.numel(); ++i) {
            std::uint32_t bits;
            std::memcpy(&bits, t.data() + i, 4);
            h = (h ^ bits) * 0x100000001b3ull;
        }
    return h;
}

}  // namespace

TEST_CASE("DataParallel: every rank starts from rank 0's parameters") {
    Communicator comm;
    const std::uint64_t rank0 = test::parameter_hash(TinyModel(100));
    TinyModel model(100 + std::uint64_t(comm.rank()));  // different initial weights on each rank
    CHECK((test::parameter_hash(model) == rank0) == (comm.rank() == 0));
    DataParallel<float> ddp(model, comm);
    CHECK(test::parameter_hash(model) == rank0);
}

TEST_CASE("DataParallel: broadcast_optimizer gives every rank rank 0's moments, steps and lr") {
    Communicator comm;
    TinyData data;
    TinyRun run(1, nullptr);
    if (comm.rank() == 0) {
        run.train(data, 3);  // rank 0 alone: non-zero moments, 3 steps
        run.adam.set_lr(0.25);
    }
    const std::uint64_t rank0 = comm.broadcast_value(state_hash(run.adam));
    DataParallel<float> ddp(run.model, comm);
    ddp.broadcast_optimizer(run.adam);
    CHECK(state_hash(run.adam) == rank0);
    CHECK(run.adam.steps() == 3);
    CHECK(run.adam.lr() == 0.25);
}

TEST_CASE("DataParallel: 2 ranks at global batch B follow the single-process run at batch B") {
    Communicator comm;
    TinyData data;
    const int steps = 20;  // almost 3 epochs of 7 batches: the uneven last batches (5 = 2 + 3) included
    TinyRun single(3, nullptr);
    const auto want = single.train(data, steps);
    TinyRun parallel(3, &comm);
    const auto got = parallel.train(data, steps);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(std::abs(got[i] - want[i]) <= 2e-6 * std::max(1.0, std::abs(want[i])));
    }
    // It trains: the third epoch's mean loss is below the first's.
    const auto epoch_mean = [&](int e) { return std::accumulate(want.begin() + 7 * e, want.begin() + 7 * e + 6, 0.0) / 6; };
    CHECK(epoch_mean(2) < 0.8 * epoch_mean(0));
    // The same weights on every rank, and close to the single process's.
    CHECK(same_on_all_ranks(comm, test::parameter_hash(parallel.model)));
    const auto a = parallel.model.named_parameters(), b = single.model.named_parameters();
    for (std::size_t k = 0; k < a.size(); ++k)
        for (index_t i = 0; i < a[k].second.numel(); ++i)
            REQUIRE(std::abs(a[k].second.value()[i] - b[k].second.value()[i]) <= 1e-5f);
}

TEST_CASE("DataParallel: the same seed and world size give the same bits") {
    Communicator comm;
    TinyData data;
    TinyRun first(4, &comm), second(4, &comm);
    const auto a = first.train(data, 12);
    const auto b = second.train(data, 12);
    CHECK(a == b);
    CHECK(test::parameter_hash(first.model) == test::parameter_hash(second.model));
}

TEST_CASE("DataParallel: buckets started during backward give the bits of buckets started after it") {
    Communicator comm;
    TinyData data;
    DataParallel<float>::Options on, off;
    on.bucket_bytes = off.bucket_bytes = 30 * sizeof(float);  // 2 buckets (see the bucket test below)
    off.overlap = false;
    TinyRun overlapped(4, &comm, 8, on), after(4, &comm, 8, off);
    const auto a = overlapped.train(data, 12);
    const auto b = after.train(data, 12);
    CHECK(a == b);
    CHECK(test::parameter_hash(overlapped.model) == test::parameter_hash(after.model));
    CHECK(same_on_all_ranks(comm, test::parameter_hash(overlapped.model)));
    // Both buckets of every step went out during backward (the 2 + 3 last batches included).
    CHECK(overlapped.ddp->timing().early_buckets == 2 * 12);
    CHECK(after.ddp->timing().early_buckets == 0);
}

TEST_CASE("DataParallel: with overlap armed, two backward passes or another sample count send everything again") {
    Communicator comm;
    TinyData data;
    TinyModel model(2), reference(2);
    DataParallel<float>::Options o;
    o.bucket_bytes = 30 * sizeof(float);
    DataParallel<float> ddp(model, comm, o);
    o.overlap = false;
    DataParallel<float> plain(reference, comm, o);
    const auto grads = [](const TinyModel& m) {
        std::vector<float> all;
        for (const auto& [name, p] : m.named_parameters()) all.insert(all.end(), p.grad().data(), p.grad().data() + p.numel());
        return all;
    };
    // Rank 1 runs backward twice (gradient accumulation) after arming: its buckets went out after the
    // first, stale. Rank 0 arms with 3 samples but averages over 5. Both must equal the plain path.
    for (TinyModel* m : {&model, &reference}) {
        m->zero_grad();
        if (m == &model) ddp.expect_backward(3);
        m->loss(data.x, data.y).backward();
        if (comm.rank() == 1) m->loss(data.x, data.y).backward();
    }
    ddp.average_gradients(5);
    plain.average_gradients(5);
    CHECK(grads(model) == grads(reference));
    CHECK(ddp.timing().early_buckets == 2);
    // Armed and used as announced, the next step needs no second round and still matches.
    for (TinyModel* m : {&model, &reference}) {
        m->zero_grad();
        if (m == &model) ddp.expect_backward(4);
        m->loss(data.x, data.y).backward();
    }
    ddp.average_gradients(4);
    plain.average_gradients(4);
    CHECK(grads(model) == grads(reference));
}

TEST_CASE("DataParallel: a 2-rank run resumes from rank 0's checkpoint with the uninterrupted bits") {
    Communicator comm;
    TinyData data;
    TinyRun straight(6, &comm);
    const auto all = straight.train(data, 14);

    // The checkpoint's path, chosen by rank 0 (the ranks share this file system).
    std::string path = (std::filesystem::temp_directory_path() / ("ink-mpi-test-" + std::to_string(::getpid()) +
                                                                  ".safetensors")).string();
    std::uint64_t length = comm.broadcast_value<std::uint64_t>(path.size());
    path.resize(length);
    comm.broadcast(std::span<char>(path.data(), path.size()));

    {
        TinyRun first(6, &comm);
        first.train(data, 5);
        if (comm.rank() == 0) {  // checkpoints come from rank 0 only
            io::CheckpointInfo info;
            info.metadata["epoch"] = std::to_string(first.batches.state().epoch);
            info.metadata["position"] = std::to_string(first.batches.state().position);
            io::save_checkpoint(path, first.model, first.adam, info);
        }
        comm.barrier();
    }
    TinyRun resumed(1000 + std::uint64_t(comm.rank()), &comm);  // other weights, overwritten below
    const auto info = io::load_checkpoint(path, resumed.model, resumed.adam);
    resumed.batches.set_state({std::stoull(info.metadata.at("epoch")), std::stoll(info.metadata.at("position"))});
    resumed.ddp->broadcast_parameters();
    resumed.ddp->broadcast_optimizer(resumed.adam);
    const auto rest = resumed.train(data, 9);
    comm.barrier();
    if (comm.rank() == 0) std::filesystem::remove(path);

    CHECK(std::vector<double>(all.begin() + 5, all.end()) == rest);
    CHECK(test::parameter_hash(resumed.model) == test::parameter_hash(straight.model));
}

TEST_CASE("DataParallel: mismatched models are refused on every rank with one message") {
    Communicator comm;
    REQUIRE(comm.size() == 2);
    SUBCASE("a different shape") {
        TinyModel model(1, comm.rank() == 1 ? 9 : 8);
        const auto shape = [](index_t hidden) { return TinyModel(1, hidden).named_parameters()[0].second.shape().str(); };
        CHECK_THROWS_WITH_AS(DataParallel<float>(model, comm),
                             ("the ranks hold different models: rank 1 has parameter 'fc1.weight' of shape " + shape(9) +
                              " where rank 0 has parameter 'fc1.weight' of shape " + shape(8)).c_str(),
                             CollectiveError);
    }
    SUBCASE("another number of parameters") {
        struct Bigger : TinyModel {
            Var<float> extra = register_parameter("extra", Tensor<float>::zeros(Shape{2}));
            Bigger() : TinyModel(1) {}
        };
        std::unique_ptr<nn::Module<float>> model;
        if (comm.rank() == 1) model = std::make_unique<Bigger>();
        else model = std::make_unique<TinyModel>(1);
        CHECK_THROWS_WITH_AS(DataParallel<float>(*model, comm),
                             "the ranks hold different models: rank 1 has 5 parameter tensors where rank 0 has 4 "
                             "parameter tensors",
                             CollectiveError);
    }
    SUBCASE("a different vocabulary") {
        TinyModel model(1);
        DataParallel<float>::Options o;
        o.metadata = {{"hyper", "{}"}, {"vocab", comm.rank() == 1 ? "[\"a\",\"b\"]" : "[\"a\",\"c\"]"}};
        const auto hash = [](const std::string& v) { return distributed::detail::hex(distributed::detail::fnv1a(v)); };
        CHECK_THROWS_WITH_AS(DataParallel<float>(model, comm, o),
                             ("the ranks hold different models: rank 1 has metadata 'vocab' with hash " +
                              hash("[\"a\",\"b\"]") + " where rank 0 has metadata 'vocab' with hash " +
                              hash("[\"a\",\"c\"]")).c_str(),
                             CollectiveError);
    }
    SUBCASE("another optimizer") {
        TinyModel model(1);
        DataParallel<float> ddp(model, comm);
        std::unique_ptr<optim::Optimizer<float>> opt;
        if (comm.rank() == 1) opt = std::make_unique<optim::SGD<float>>(model.named_parameters());
        else opt = std::make_unique<optim::Adam<float>>(model.named_parameters());
        CHECK_THROWS_WITH_AS(ddp.broadcast_optimizer(*opt),
                             doctest::Contains("the ranks hold different optimizers: rank 1 has optimizer SGD"),
                             CollectiveError);
    }
    // The communicator still works afterwards: nothing was left half-done.
    comm.barrier();
}

TEST_CASE("DataParallel: sample counts, gradients missing on some ranks, and the stop flag") {
    Communicator comm;
    TinyData data;
    TinyModel model(2);
    DataParallel<float> ddp(model, comm);
    REQUIRE(ddp.num_buckets() == 1);

    // Rank 0 computes a gradient of fc1 and fc2 on one sample's worth of loss; rank 1 has no samples:
    // every rank ends with rank 0's gradient. A parameter without a gradient anywhere stays without one.
    model.zero_grad();
    if (comm.rank() == 0) model.loss(data.x, data.y).backward();
    std::vector<std::vector<float>> rank0;
    for (const auto& [name, p] : model.named_parameters()) {
        std::vector<float> g(std::size_t(p.numel()), 0.0f);
        if (comm.rank() == 0) std::copy(p.grad().data(), p.grad().data() + p.numel(), g.begin());
        comm.broadcast(std::span<float>(g));
        rank0.push_back(g);
    }
    CHECK_FALSE(ddp.average_gradients(comm.rank() == 0 ? 1 : 0));
    const auto params = model.named_parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
        REQUIRE(params[k].second.grad().defined());
        CHECK(std::vector<float>(params[k].second.grad().data(), params[k].second.grad().data() + params[k].second.numel()) ==
              rank0[k]);
    }
    model.zero_grad();
    CHECK_FALSE(ddp.average_gradients(4));
    for (const auto& [name, p] : params) CHECK_FALSE(p.grad().defined());

    // A stop requested on rank 1 only is seen by every rank at the same step.
    CHECK(ddp.average_gradients(4, comm.rank() == 1));
    CHECK_FALSE(ddp.average_gradients(4, false));
    CHECK(ddp.timing().calls == 4);
    CHECK_THROWS_WITH(ddp.average_gradients(-1), "DataParallel::average_gradients: -1 samples, expected 0 to 16777216");
}

TEST_CASE("DataParallel: buckets are cut at the requested size, in a fixed order") {
    Communicator comm;
    TinyModel model(2);  // fc1 weight 40, bias 8; fc2 weight 24, bias 3 floats
    DataParallel<float>::Options o;
    o.bucket_bytes = 30 * sizeof(float);
    DataParallel<float> ddp(model, comm, o);
    // Reverse order: fc2.bias, fc2.weight, fc1.bias (35 floats >= 30: cut), then fc1.weight.
    CHECK(ddp.num_buckets() == 2);
    TinyData data;
    model.zero_grad();
    model.loss(data.x, data.y).backward();
    std::vector<float> want;
    for (const auto& [name, p] : model.named_parameters())
        for (index_t i = 0; i < p.numel(); ++i) want.push_back(p.grad()[i]);
    comm.allreduce_sum(std::span<float>(want));  // one sample's weight each: the average
    for (auto& w : want) w *= 0.5f;
    ddp.average_gradients(1);
    std::size_t j = 0;
    for (const auto& [name, p] : model.named_parameters())
        for (index_t i = 0; i < p.numel(); ++i) CHECK(p.grad()[i] == want[j++]);
}
