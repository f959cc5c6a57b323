#pragma once
// Job: a program's place in an MPI job. Started by mpirun (mpiexec, srun), the program is one rank
// of several: MPI is initialised here and finalised at exit. Started on its own, MPI is never
// touched, so the program behaves exactly as a build without MPI (one rank, rank 0).
//
//     int main(int argc, char** argv) {
//         ink::distributed::Job job(argc, argv);
//         try { ... train(job) ... }
//         catch (const std::exception& e) { return job.fail("ink-poem", e); }
//     }
//
// A program that is one of several ranks writes files and progress from rank 0 only
// (writes_files()), and reports an error through fail(): an error raised on every rank at once
// (CollectiveError) lets the ranks exit normally; any other error ends the whole job with
// MPI_Abort, so that the other ranks do not wait for the timeout.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>

#include "ink/distributed/communicator.hpp"

namespace ink::distributed {

// True when the process was started by an MPI launcher (Open MPI, MPICH / Hydra, Slurm's PMI).
inline bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name)) return true;
    return false;
}

class Job {
public:
    Job() = default;  // a single process, whatever launched it
    Job(int& argc, char**& argv) {
        if (!launched_by_mpi()) return;
        environment_.emplace(argc, argv);
        communicator_.emplace();
    }

    // More than one rank: the program must average gradients and shard its batches.
    bool distributed() const { return communicator_ && communicator_->size() > 1; }
    int rank() const { return communicator_ ? communicator_->rank() : 0; }
    int size() const { return communicator_ ? communicator_->size() : 1; }
    bool writes_files() const { return rank() == 0; }
    // Only when launched by MPI.
    Communicator& communicator() {
        INK_CHECK(communicator_.has_value(), "Job: not started by mpirun, there is no communicator");
        return *communicator_;
    }

    // Prints "<program>: <error>" (with the rank when distributed) and returns the exit code 1; an
    // error that is not collective ends every rank of the job first.
    int fail(const char* program, const std::exception& e) {
        if (!distributed()) {
            std::fprintf(stderr, "%s: %s\n", program, e.what());
            return 1;
        }
        if (dynamic_cast<const CollectiveError*>(&e)) {
            if (rank() == 0) std::fprintf(stderr, "%s: %s\n", program, e.what());  // the same on every rank
            return 1;
        }
        communicator_->abort(std::string(program) + ": " + e.what());
    }

private:
    std::optional<Environment> environment_;    // declared first: finalised last
    std::optional<Communicator> communicator_;
};

}  // namespace ink::distributed
