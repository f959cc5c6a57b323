#pragma once
// The (argc, argv) a program started by mpirun hands to distributed::Process or Job, for the tests
// that make one (MPI itself is already initialised by the test binary's main()).
namespace ink::test {

struct ProgramArgs {
    int argc = 1;
    char name[14] = "ink-mpi-tests";
    char* args[2] = {name, nullptr};
    char** argv = args;

    ProgramArgs() = default;
    ProgramArgs(const ProgramArgs&) = delete;  // argv points into this object
    ProgramArgs& operator=(const ProgramArgs&) = delete;
};

}  // namespace ink::test
