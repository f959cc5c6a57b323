// Job and Process under mpirun: launched_by_mpi sees the launcher, ranks and sizes agree with MPI,
// rank 0 writes files, Process replicates a model and averages its gradients.
#include <doctest/doctest.h>

#include "ink/distributed/job.hpp"
#include "ink/distributed/process.hpp"
#include "tiny_model.hpp"
#include "program_args.hpp"

using namespace ink::distributed;

TEST_CASE("Job: started by mpirun, one rank of two") {
    CHECK(launched_by_mpi());
    ink::test::ProgramArgs program;
    Job job(program.argc, program.argv);  // MPI is already initialised by main(): Job joins it
    CHECK(job.distributed());
    CHECK(job.size() == 2);
    int rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    CHECK(job.rank() == rank);
    CHECK(job.writes_files() == (rank == 0));
    CHECK(job.communicator().size() == 2);
    // A collective error: reported once (by rank 0), exit code 1, no abort.
    CHECK(job.fail("ink-test", CollectiveError("the ranks hold different models: ...")) == 1);
}

TEST_CASE("Process: with MPI and mpirun, a rank of two that averages its model's gradients") {
    ink::test::ProgramArgs program;
    Process process(program.argc, program.argv);
    CHECK(process.distributed());
    CHECK(process.size() == 2);
    CHECK(process.local_batch(64) == 32);
    CHECK(process.shard(5).size() == (process.rank() == 0 ? 2 : 3));
    ink::test::TinyModel model(10 + std::uint64_t(process.rank()));
    ink::optim::Adam<float> adam(model.named_parameters());
    process.replicate(model, adam);
    CHECK(model.named_parameters()[0].second.value()[0] == ink::test::TinyModel(10).named_parameters()[0].second.value()[0]);
    // Rank 1 alone asks to stop; both learn it. Gradients: rank r's is (r + 1) on 1 + r samples.
    for (auto& [n, p] : model.named_parameters()) p.grad() = ink::Tensor<float>::full(p.shape(), float(process.rank() + 1));
    CHECK(process.average_gradients(1 + process.rank(), process.rank() == 1));
    const float want = (1.0f * 1 + 2.0f * 2) / 3;
    for (auto& [n, p] : model.named_parameters()) CHECK(p.grad()[0] == doctest::Approx(want));
    double sums[2] = {1.0, double(process.rank())};
    process.sum(sums);
    CHECK(sums[0] == 2.0);
    CHECK(sums[1] == 1.0);
    process.barrier();
}
