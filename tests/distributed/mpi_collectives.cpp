// Communicator: allreduce (sum, min, max) on odd sizes in float and double, broadcast, allgather,
// barrier, checked against the sum each rank computes itself from every rank's inputs.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/distributed/communicator.hpp"

using namespace ink;
using ink::distributed::Communicator;

namespace {

// Rank r's input of n values: uniform in [-1, 1) from seed (r, n), so any rank can recompute it.
template <class T>
std::vector<T> input(int rank, std::size_t n) {
    std::vector<T> v(n);
    Rng(1000 * std::uint64_t(rank) + n).fill_uniform(v.data(), index_t(n), T(-1), T(1));
    return v;
}

// The sum in rank order, the order MPI uses for two ranks (for more ranks the order may differ, hence
// the tolerance; with two ranks a + b is exact-commutative and must match bit for bit).
template <class T>
std::vector<T> reference_sum(int world, std::size_t n) {
    std::vector<T> sum(n, T(0));
    for (int r = 0; r < world; ++r) {
        const auto v = input<T>(r, n);
        for (std::size_t i = 0; i < n; ++i) sum[i] += v[i];
    }
    return sum;
}

// Every rank holds the same bytes: compares each rank's buffer hash.
template <class T>
bool same_bits_on_all_ranks(Communicator& comm, const std::vector<T>& v) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
    for (std::size_t i = 0; i < v.size() * sizeof(T); ++i) h = (h ^ bytes[i]) * 0x100000001b3ull;
    std::vector<std::uint64_t> all(std::size_t(comm.size()));
    comm.allgather(h, std::span<std::uint64_t>(all));
    for (auto x : all)
        if (x != all[0]) return false;
    return true;
}

template <class T>
void check_allreduce_sum(Communicator& comm, std::size_t n) {
    CAPTURE(n);
    std::vector<T> v = input<T>(comm.rank(), n);
    comm.allreduce_sum(std::span<T>(v));
    const std::vector<T> want = reference_sum<T>(comm.size(), n);
    const double tol = comm.size() == 2 ? 0.0 : (sizeof(T) == 4 ? 1e-6 : 1e-14) * comm.size();
    std::size_t bad = 0, first_bad = n;
    for (std::size_t i = 0; i < n; ++i)
        if (!(std::abs(double(v[i]) - double(want[i])) <= tol)) {
            if (bad++ == 0) first_bad = i;
        }
    CHECK_MESSAGE(bad == 0, bad << " wrong elements, the first at " << first_bad);
    CHECK(same_bits_on_all_ranks(comm, v));
}

const std::size_t kSizes[] = {1, 7, 65, 1000003};

}  // namespace

TEST_CASE("Communicator: rank and size") {
    Communicator comm;
    CHECK(comm.size() == 2);
    CHECK(comm.rank() >= 0);
    CHECK(comm.rank() < comm.size());
    int world = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    CHECK(comm.size() == world);
    comm.barrier();
}

TEST_CASE("Communicator: allreduce-sum of float and double on odd sizes") {
    Communicator comm;
    for (std::size_t n : kSizes) {
        check_allreduce_sum<float>(comm, n);
        check_allreduce_sum<double>(comm, n);
    }
}

TEST_CASE("Communicator: allreduce-min and -max, integer sums") {
    Communicator comm;
    std::vector<std::int64_t> v{comm.rank() * 10 + 1, -comm.rank(), std::int64_t(1) << 40};
    std::vector<std::int64_t> lo = v, hi = v, sum = v;
    comm.allreduce_min(std::span<std::int64_t>(lo));
    comm.allreduce_max(std::span<std::int64_t>(hi));
    comm.allreduce_sum(std::span<std::int64_t>(sum));
    const std::int64_t n = comm.size();
    CHECK(lo == std::vector<std::int64_t>{1, -(n - 1), std::int64_t(1) << 40});
    CHECK(hi == std::vector<std::int64_t>{(n - 1) * 10 + 1, 0, std::int64_t(1) << 40});
    CHECK(sum == std::vector<std::int64_t>{10 * n * (n - 1) / 2 + n, -n * (n - 1) / 2, n << 40});
    CHECK(comm.sum(0.5 + comm.rank()) == doctest::Approx(0.5 * double(n) + double(n * (n - 1) / 2)));
}

TEST_CASE("Communicator: broadcast from every root, odd sizes") {
    Communicator comm;
    for (int root = 0; root < comm.size(); ++root)
        for (std::size_t n : kSizes) {
            CAPTURE(root);
            CAPTURE(n);
            std::vector<double> v = input<double>(comm.rank(), n);
            comm.broadcast(std::span<double>(v), root);
            CHECK(v == input<double>(root, n));
        }
    std::string text = comm.rank() == 0 ? "from rank 0" : "xxxxxxxxxxx";
    comm.broadcast(std::span<char>(text.data(), text.size()));
    CHECK(text == "from rank 0");
    CHECK(comm.broadcast_value<std::uint64_t>(comm.rank() == 1 ? 42u : 7u, 1) == 42u);
}

TEST_CASE("Communicator: allgather") {
    Communicator comm;
    std::vector<std::int32_t> all(std::size_t(comm.size()), -1);
    comm.allgather<std::int32_t>(100 + comm.rank(), std::span<std::int32_t>(all));
    for (int r = 0; r < comm.size(); ++r) CHECK(all[std::size_t(r)] == 100 + r);
    std::vector<std::int32_t> too_small(1);
    CHECK_THROWS_WITH(comm.allgather<std::int32_t>(0, std::span<std::int32_t>(too_small)),
                      "allgather: expected room for 2 values, got 1");
}

TEST_CASE("Communicator: a bad INK_MPI_TIMEOUT is refused with the variable's name") {
    CHECK_THROWS_WITH(Communicator(MPI_COMM_WORLD, 0.0), "Communicator: expected a timeout > 0 seconds, got 0");
    ::setenv("INK_MPI_TIMEOUT", "5 minutes", 1);
    CHECK_THROWS_WITH(Communicator(), doctest::Contains("INK_MPI_TIMEOUT (seconds): \"5 minutes\" is not a number"));
    ::setenv("INK_MPI_TIMEOUT", "-1", 1);
    CHECK_THROWS_WITH(Communicator(), "the environment variable INK_MPI_TIMEOUT is -1, expected seconds > 0");
    ::setenv("INK_MPI_TIMEOUT", "60", 1);
    CHECK(Communicator().timeout() == 60.0);
}

// Run only by the ctest tests distributed/dead_rank_* (--no-skip): see CMakeLists.txt.
TEST_CASE("dead rank: a peer that stops taking part" * doctest::skip()) {
    Communicator comm;
    if (comm.rank() == 1) return;  // rank 1 goes straight to MPI_Finalize
    std::vector<float> v(1000, 1.0f);
    comm.allreduce_sum(std::span<float>(v));  // must abort after INK_MPI_TIMEOUT, naming rank 0
    FAIL("the allreduce returned although rank 1 never joined it");
}

TEST_CASE("dead rank: a peer that exits" * doctest::skip()) {
    Communicator comm;
    if (comm.rank() == 1) std::_Exit(3);  // dies without MPI_Finalize
    std::vector<float> v(1000, 1.0f);
    comm.allreduce_sum(std::span<float>(v));
    FAIL("the allreduce returned although rank 1 died");
}
