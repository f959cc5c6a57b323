// Job under mpirun: launched_by_mpi sees the launcher, ranks and sizes agree with MPI, rank 0
// writes files.
#include <doctest/doctest.h>

#include "ink/distributed/job.hpp"

using namespace ink::distributed;

TEST_CASE("Job: started by mpirun, one rank of two") {
    CHECK(launched_by_mpi());
    int argc = 1;
    char name[] = "ink-mpi-tests";
    char* args[] = {name, nullptr};
    char** argv = args;
    Job job(argc, argv);  // MPI is already initialised by main(): Job joins it
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
