// The doctest runner of ink-mpi-tests, started by mpirun (tests/distributed/CMakeLists.txt): MPI is
// initialised around the whole run, and every rank runs every test case (the cases are collective).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "ink/distributed/communicator.hpp"

int main(int argc, char** argv) {
    ink::distributed::Environment mpi(argc, argv);
    doctest::Context context(argc, argv);
    return context.run();
}
