#pragma once
// ParallelLoop<T>: a train::Loop run data-parallel through a Process, the wiring that ink-poem,
// ink-vae and ink-gan share under mpirun (docs/distributed.md). Started without mpirun (or built
// without MPI) every call is the identity and the loop runs exactly as it did alone.
//
//     ink::distributed::Process process(argc, argv);
//     ink::train::Loop<float> loop(model, adam, batches, options);
//     ink::distributed::ParallelLoop<float> parallel(loop, process);   // after the loop's hooks
//     loop.hooks.step = [&](std::span<const index_t> global, std::span<double> metrics) {
//         const auto rows = parallel.shard(global);             // this rank's slice of the batch
//         ... forward on rows, with parallel.rows(noise drawn for the global batch);
//         loop.backward(mean loss over rows); adam.step(); metrics = its means ...
//         parallel.global_means(metrics);                        // the global batch's means
//         return index_t(global.size());                         // global samples: global samples/s
//     };
//     process.replicate(model, adam, {...});                     // after loop.resume()
//     if (parallel.run() == ink::train::Outcome::stopped) ...
//
// What it sets on the loop: writes_files on rank 0 only; after_backward averages the gradients over
// the ranks, weighting each rank by the samples of its last shard (a step that calls backward
// several times, a GAN's critic and generator, averages after each); should_stop becomes collective:
// Ctrl-C / SIGTERM on any rank (the flag of the loop's own InterruptGuard, which then no longer
// stops that rank alone), or the loop's own should_stop hook on any rank, travels with the gradients
// and stops every rank after the same step. A step that calls backward must call shard() first.
#include <cstdint>
#include <functional>
#include <span>
#include <utility>

#include "ink/distributed/process.hpp"
#include "ink/train/loop.hpp"
#include "ink/util/interrupt.hpp"

namespace ink::distributed {

template <class T>
class ParallelLoop {
public:
    ParallelLoop(train::Loop<T>& loop, Process& process) : loop_(loop), process_(process) {
        if (!process.distributed()) return;
        loop.options.writes_files = process.writes_files();
        local_request_ = std::move(loop.hooks.should_stop);
        loop.hooks.after_backward = [this] {
            const bool request = util::InterruptGuard::requested() || (local_request_ && local_request_());
            stop_ = process_.average_gradients(shard_.size(), request) || stop_;
        };
        loop.hooks.should_stop = [this] { return stop_; };
    }
    ParallelLoop(const ParallelLoop&) = delete;
    ParallelLoop& operator=(const ParallelLoop&) = delete;

    bool distributed() const { return process_.distributed(); }

    // This rank's share [begin, end) of a global batch of `count` samples (all of it alone); the
    // next gradient averaging weighs this rank by its size, and its buckets go out during backward.
    Shard shard(index_t count) {
        count_ = count;
        shard_ = process_.shard(count);
        process_.expect_backward(shard_.size());  // the allreduce of the gradients overlaps backward
        return shard_;
    }
    // This rank's rows of a global batch of sample indices.
    std::span<const index_t> shard(std::span<const index_t> global) {
        const Shard s = shard(index_t(global.size()));
        return global.subspan(std::size_t(s.begin), std::size_t(s.size()));
    }
    // This rank's rows of a tensor drawn for the whole global batch (a VAE's eps, a GAN's noise): the
    // ranks then use exactly the single process's numbers, whatever the alignment.
    Tensor<T> rows(const Tensor<T>& global) const { return global.rows(shard_.begin, shard_.end); }

    // values: this rank's means over its last shard -> the means over the global batch, on every rank.
    void global_means(std::span<double> values) {
        if (!distributed()) return;
        for (double& v : values) v *= double(shard_.size());
        process_.sum(values);
        for (double& v : values) v = count_ > 0 ? v / double(count_) : 0.0;
    }

    // loop.run(); a stopped run waits until rank 0 has written its checkpoint (mpirun ends the whole
    // job as soon as one rank exits with a non-zero code).
    train::Outcome run() {
        const train::Outcome outcome = loop_.run();
        if (outcome == train::Outcome::stopped) process_.barrier();
        return outcome;
    }

private:
    train::Loop<T>& loop_;
    Process& process_;
    std::function<bool()> local_request_;  // the loop's own should_stop hook (a test's, a deadline)
    Shard shard_;
    index_t count_ = 0;
    bool stop_ = false;
};

}  // namespace ink::distributed
