#pragma once
// Communicator: the few collectives data-parallel training needs, on MPI, each with a deadline.
//
// ink does not move bytes itself: MPI (Open MPI, MPICH) already picks shared memory between ranks of
// one machine and TCP or InfiniBand between machines. What MPI lacks is a bound on waiting: a
// blocking MPI_Allreduce whose peer has died or hangs waits forever. Every collective here is the
// nonblocking MPI call (MPI_Iallreduce, MPI_Ibcast, MPI_Ibarrier, ...) polled with MPI_Test until a
// deadline; past it the rank prints which rank and which operation got no answer and calls
// MPI_Abort, which ends every rank of the job.
//
//     ink::distributed::Environment mpi(argc, argv);   // MPI_Init_thread ... MPI_Finalize
//     ink::distributed::Communicator comm;             // MPI_COMM_WORLD, timeout from INK_MPI_TIMEOUT
//     comm.allreduce_sum(std::span<float>(buffer));    // in place, the same bits on every rank
//
// The timeout (seconds, default 300) comes from the environment variable INK_MPI_TIMEOUT; it must
// cover the longest time one rank may run ahead of another (loading a corpus, rank 0 writing a
// checkpoint or evaluating).
//
// Determinism: MPI's reduction schedule for a given communicator size, message size and datatype is
// fixed (Open MPI's algorithm choice depends on those only), so the same inputs give the same bits on
// every run, never depending on arrival order. The tests check that all ranks hold identical bits.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <thread>
#include <type_traits>

#include "ink/core/error.hpp"
#include "ink/core/parse.hpp"

namespace ink::distributed {

// An error that every rank raises at the same point of the program (a collective decision, such as
// "the ranks hold different models"): the ranks can then exit normally, no MPI_Abort needed.
class CollectiveError : public Error {
public:
    using Error::Error;
};

namespace detail {

template <class T>
MPI_Datatype mpi_type() {
    if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
    else if constexpr (std::is_same_v<T, std::int32_t>) return MPI_INT32_T;
    else if constexpr (std::is_same_v<T, std::int64_t>) return MPI_INT64_T;
    else if constexpr (std::is_same_v<T, std::uint64_t>) return MPI_UINT64_T;
    else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
    else static_assert(sizeof(T) == 0, "ink::distributed: no MPI datatype for this type");
}

template <class T>
const char* type_name() {
    if constexpr (std::is_same_v<T, float>) return "float";
    else if constexpr (std::is_same_v<T, double>) return "double";
    else if constexpr (std::is_same_v<T, char>) return "byte";
    else return "integer";
}

inline double timeout_from_environment() {
    const char* text = std::getenv("INK_MPI_TIMEOUT");
    if (!text || !*text) return 300;
    const double seconds = parse_number<double>(text, "the environment variable INK_MPI_TIMEOUT (seconds)");
    INK_CHECK(seconds > 0, "the environment variable INK_MPI_TIMEOUT is ", seconds, ", expected seconds > 0");
    return seconds;
}

}  // namespace detail

// MPI_Init_thread at construction (unless MPI is already initialised) and MPI_Finalize at destruction.
// Only the thread that made it calls MPI (MPI_THREAD_FUNNELED): kernels' OpenMP threads never do.
//
// Open MPI 4.1 runs MPI_Iallreduce through its libnbc component, which picks a binomial tree (a reduce
// to rank 0, then a broadcast) for fewer than 4 ranks: on 2 local ranks, 4.56 MB took 2.5-4.7 ms
// against 0.6-0.9 ms for the blocking MPI_Allreduce. libnbc's ring takes what the blocking call takes
// (0.54-0.75 ms, bench/distributed/run.sh) and is the bandwidth-optimal schedule of the cost model in
// docs/distributed.md, so the Environment asks for it before MPI_Init, unless the user set
// OMPI_MCA_coll_libnbc_iallreduce_algorithm (or mpirun's --mca) already. The choice depends on
// nothing but that setting, so the reduction order, and the bits, stay fixed. Other MPIs ignore it.
class Environment {
public:
    Environment(int& argc, char**& argv) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (initialised) return;
        ::setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", /*overwrite=*/0);  // 1 = ring
        int provided = 0;
        if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            ink::detail::fail("MPI_Init_thread failed");
        owner_ = true;
    }
    ~Environment() {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (owner_ && !finalised) MPI_Finalize();
    }
    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;

private:
    bool owner_ = false;
};

class Communicator {
public:
    // Collectives on `comm` (a duplicate is used, so that ink's traffic never matches the user's).
    explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD, double timeout_seconds = detail::timeout_from_environment())
        : timeout_(timeout_seconds) {
        INK_CHECK(timeout_seconds > 0, "Communicator: expected a timeout > 0 seconds, got ", timeout_seconds);
        if (MPI_Comm_dup(comm, &comm_) != MPI_SUCCESS) ink::detail::fail("MPI_Comm_dup failed");
        // Errors come back as codes, so that the message below names the rank and operation.
        MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    ~Communicator() {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (!finalised) MPI_Comm_free(&comm_);
    }
    Communicator(const Communicator&) = delete;
    Communicator& operator=(const Communicator&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    double timeout() const { return timeout_; }
    MPI_Comm native() const { return comm_; }

    void barrier() {
        MPI_Request request;
        check(MPI_Ibarrier(comm_, &request), "barrier");
        wait(request, "barrier", 0, "");
    }

    // data <- root's data, on every rank (all ranks pass the same size).
    template <class T>
    void broadcast(std::span<T> data, int root = 0) {
        for_chunks(data, [&](T* p, int n) {
            MPI_Request request;
            check(MPI_Ibcast(p, n, detail::mpi_type<T>(), root, comm_, &request), "broadcast");
            wait(request, "broadcast", data.size(), detail::type_name<T>());
        });
    }
    template <class T>
    T broadcast_value(T value, int root = 0) {
        broadcast(std::span<T>(&value, 1), root);
        return value;
    }

    // data <- the element-wise sum (or min, max) of every rank's data, in place.
    template <class T>
    void allreduce_sum(std::span<T> data) { allreduce(data, MPI_SUM, "allreduce-sum"); }
    template <class T>
    void allreduce_min(std::span<T> data) { allreduce(data, MPI_MIN, "allreduce-min"); }
    template <class T>
    void allreduce_max(std::span<T> data) { allreduce(data, MPI_MAX, "allreduce-max"); }
    template <class T>
    T sum(T value) {
        allreduce_sum(std::span<T>(&value, 1));
        return value;
    }

    // The nonblocking allreduce-sum, to overlap with computation: start it, then poll with test()
    // (which also moves it on: MPI progresses a collective only inside MPI calls) and finish with
    // wait_allreduce_sum (bounded by the timeout, as above). `data` must stay untouched until then,
    // and every rank must start the same allreduces in the same order.
    template <class T>
    MPI_Request start_allreduce_sum(std::span<T> data) {
        INK_CHECK(data.size() <= std::size_t(std::numeric_limits<int>::max()), "start_allreduce_sum: ", data.size(),
                  " elements, more than one MPI call takes");
        MPI_Request request;
        check(MPI_Iallreduce(MPI_IN_PLACE, data.data(), int(data.size()), detail::mpi_type<T>(), MPI_SUM, comm_,
                             &request),
              "allreduce-sum");
        return request;
    }
    bool test(MPI_Request& request) const {
        int done = 0;
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "allreduce-sum");
        return done != 0;
    }
    template <class T>
    void wait_allreduce_sum(MPI_Request& request, std::span<T> data) const {
        wait(request, "allreduce-sum", data.size(), detail::type_name<T>());
    }

    // all[r] <- rank r's `mine`; all.size() must be size().
    template <class T>
    void allgather(const T& mine, std::span<T> all) {
        INK_CHECK(all.size() == std::size_t(size_), "allgather: expected room for ", size_, " values, got ",
                  all.size());
        MPI_Request request;
        check(MPI_Iallgather(&mine, 1, detail::mpi_type<T>(), all.data(), 1, detail::mpi_type<T>(), comm_, &request),
              "allgather");
        wait(request, "allgather", 1, detail::type_name<T>());
    }

    // Prints "rank r of n: <message>" and ends every rank of the job with `code`.
    [[noreturn]] void abort(const std::string& message, int code = 1) const {
        std::fprintf(stderr, "ink::distributed: rank %d of %d: %s\n", rank_, size_, message.c_str());
        std::fflush(stderr);
        MPI_Abort(comm_, code);
        std::_Exit(code);  // MPI_Abort does not return; this is for an MPI that does
    }

private:
    template <class T>
    void allreduce(std::span<T> data, MPI_Op op, const char* what) {
        for_chunks(data, [&](T* p, int n) {
            MPI_Request request;
            check(MPI_Iallreduce(MPI_IN_PLACE, p, n, detail::mpi_type<T>(), op, comm_, &request), what);
            wait(request, what, data.size(), detail::type_name<T>());
        });
    }

    // MPI counts are ints: spans longer than that go in pieces (the same pieces on every rank).
    template <class T, class Fn>
    static void for_chunks(std::span<T> data, Fn&& fn) {
        constexpr std::size_t max_count = std::size_t(1) << 30;
        for (std::size_t i = 0; i < data.size(); i += max_count)
            fn(data.data() + i, static_cast<int>(std::min(max_count, data.size() - i)));
    }

    void check(int code, const char* what) const {
        if (code == MPI_SUCCESS) return;
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        MPI_Error_string(code, text, &length);
        abort(std::string(what) + " failed: " + std::string(text, std::size_t(length)));
    }

    // Polls `request` until it completes or the deadline passes. MPI progresses a nonblocking
    // collective only inside MPI calls, so the first millisecond spins on MPI_Test (an allreduce of a
    // few MB between two local ranks takes about that long); after it the loop yields the core, and
    // after 0.1 s (a peer still computing) it sleeps 100 us between polls.
    void wait(MPI_Request& request, const char* what, std::size_t count, const char* type) const {
        using clock = std::chrono::steady_clock;
        const auto start = clock::now();
        const auto deadline = start + std::chrono::duration<double>(timeout_);
        for (;;) {
            int done = 0;
            check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
            if (done) return;
            const auto now = clock::now();
            if (now > deadline) {
                abort(std::string(what) + (count ? " of " + std::to_string(count) + " " + type + "s" : "") +
                      " got no answer within " + format_seconds(timeout_) +
                      " s (INK_MPI_TIMEOUT): another rank has died, hangs, or runs a different program; "
                      "aborting every rank");
            }
            if (now - start < std::chrono::milliseconds(1)) continue;
            if (now - start < std::chrono::milliseconds(100)) std::this_thread::yield();
            else std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    }
    static std::string format_seconds(double s) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", s);
        return text;
    }

    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0, size_ = 1;
    double timeout_;
};

}  // namespace ink::distributed
