// ink-mpi-bench: the poem VAE's data-parallel training step, and the allreduce of its gradients.
// Run it under mpirun (bench/distributed/run.sh runs the comparisons of docs/distributed.md):
//
//   mpirun -np 2 ink-mpi-bench [--batch 32] [--threads 1] [--steps 150] [--rounds 1]
//       one training step per iteration on random ids, batch = per-rank batch: forward, backward,
//       DataParallel::average_gradients, Adam; prints the median step time, the median time inside
//       MPI per step, the median copy time, and the global samples/s. The time inside MPI includes
//       waiting for a slower rank; with --sync a barrier before the allreduce takes that wait
//       (reported apart), so that the allreduce time is the transfer alone. The buckets' allreduces
//       start during backward (DataParallel's overlap), unless --no-overlap: the allreduce time is
//       then what backward did not hide. With --no-allreduce the ranks train independently (no
//       gradient averaging at all): the rate two processes reach on this machine's shared cores,
//       caches and memory, the ceiling of any data-parallel scheme on it.
//   mpirun -np 2 ink-mpi-bench --allreduce-only [--elements 1140000]
//       ink's deadline-polled MPI_Iallreduce against MPI's blocking MPI_Allreduce on one buffer
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../../examples/poem_vae/trainer.hpp"
#include "ink/distributed/data_parallel.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

long long option(int argc, char** argv, const char* name, long long fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return ink::parse_number<long long>(argv[i + 1], name);
    return fallback;
}
bool flag(int argc, char** argv, const char* name) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return true;
    return false;
}

void allreduce_only(ink::distributed::Communicator& comm, std::size_t elements, int reps) {
    std::vector<float> buffer(elements, 1.0f);
    std::vector<double> ink_times, mpi_times;
    for (int r = 0; r < reps; ++r) {
        comm.barrier();
        auto t = clock_type::now();
        comm.allreduce_sum(std::span<float>(buffer));
        ink_times.push_back(seconds_since(t));
        comm.barrier();
        t = clock_type::now();
        MPI_Allreduce(MPI_IN_PLACE, buffer.data(), int(elements), MPI_FLOAT, MPI_SUM, comm.native());
        mpi_times.push_back(seconds_since(t));
    }
    if (comm.rank() == 0)
        std::printf("allreduce of %zu floats (%.2f MB) on %d ranks: ink (MPI_Iallreduce + MPI_Test) %.3f ms, "
                    "MPI_Allreduce %.3f ms (medians of %d)\n",
                    elements, double(elements) * 4e-6, comm.size(), 1e3 * median(ink_times), 1e3 * median(mpi_times),
                    reps);
}

}  // namespace

int main(int argc, char** argv) {
    ink::distributed::Environment mpi(argc, argv);
    ink::distributed::Communicator comm;
    if (flag(argc, argv, "--allreduce-only")) {
        allreduce_only(comm, std::size_t(option(argc, argv, "--elements", 1140000)), int(option(argc, argv, "--reps", 50)));
        return 0;
    }
    const ink::index_t batch = option(argc, argv, "--batch", 32);
    const int threads = int(option(argc, argv, "--threads", 1));
    const int steps = int(option(argc, argv, "--steps", 150));
    const bool sync = flag(argc, argv, "--sync"), overlap = !flag(argc, argv, "--no-overlap");
    const bool allreduce = !flag(argc, argv, "--no-allreduce");
    ink::set_num_threads(threads);

    poem::Hyper h;
    h.vocab = 7914;  // the real traditional-script vocabulary: 1.14 M parameters
    ink::Tensor<std::int32_t> ids = ink::Tensor<std::int32_t>::empty({batch, h.length});
    ink::Rng rng(3 + std::uint64_t(comm.rank()));
    for (auto& id : ids) id = static_cast<std::int32_t>(rng.uniform_int(std::uint64_t(h.vocab)));
    poem::Trainer trainer(h, ids, 1);
    ink::distributed::DataParallel<float>::Options options;
    options.overlap = overlap;
    ink::distributed::DataParallel<float> ddp(trainer.model, comm, options);

    std::vector<double> step_times, mpi_times, copy_times, wait_times;
    for (int s = -3; s < steps; ++s) {  // 3 warm-up steps
        const auto before = ddp.timing();
        const auto t = clock_type::now();
        trainer.adam.zero_grad();
        if (allreduce) ddp.expect_backward(batch);
        trainer.model.loss(ids, trainer.noise).first.backward();
        const auto wait_start = clock_type::now();
        if (sync) comm.barrier();
        const double wait = seconds_since(wait_start);
        if (allreduce) ddp.average_gradients(batch);
        trainer.adam.step();
        if (s < 0) continue;
        step_times.push_back(seconds_since(t));
        mpi_times.push_back(ddp.timing().allreduce - before.allreduce);
        copy_times.push_back(ddp.timing().copies - before.copies);
        wait_times.push_back(wait);
    }
    // The slowest rank sets the pace: report the largest median.
    double figures[4] = {median(step_times), median(mpi_times), median(copy_times), median(wait_times)};
    comm.allreduce_max(std::span<double>(figures));
    if (comm.rank() == 0)
        std::printf("poem step: %d rank(s) x %d thread(s), batch %lld per rank (%lld global), %zu buckets%s: "
                    "step %.2f ms, allreduce %.2f ms (%.1f%%), copies %.2f ms, barrier %.2f ms, %.0f samples/s "
                    "(medians of %d steps)\n",
                    comm.size(), threads, static_cast<long long>(batch), static_cast<long long>(batch) * comm.size(),
                    ddp.num_buckets(), !allreduce ? " never averaged" : overlap ? " overlapping backward" : " after backward", 1e3 * figures[0], 1e3 * figures[1], 100 * figures[1] / figures[0],
                    1e3 * figures[2], 1e3 * figures[3], double(batch * comm.size()) / figures[0], steps);
    return 0;
}
