#pragma once
// Process: what a training program needs to know and do to run as one rank of an mpirun job, with
// one interface whether or not ink was built with MPI, so that the programs themselves carry no
// #if. With MPI (the target ink::mpi defines INK_HAVE_MPI) and started by mpirun, it is a Job plus a
// DataParallel of the model; otherwise it is a single process, and every call below is the identity
// (rank 0 of 1, the whole batch, gradients untouched), so the program behaves exactly as it did
// before distributed training existed.
//
//     ink::distributed::Process process(argc, argv);           // first thing in main()
//     process.replicate(model, adam, {{"vocab", vocab.to_json()}});   // after a resume, too
//     for (auto global = batches.next(); ...) {
//         const Shard s = process.shard(global.size());
//         ... forward and backward on global.subspan(s.begin, s.size()) ...
//         stop = process.average_gradients(s.size(), interrupt.requested());
//         adam.step();
//         ... if (process.writes_files()) progress, checkpoints ...
//     }
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ink/distributed/sharding.hpp"
#include "ink/nn/module.hpp"
#include "ink/optim/optimizer.hpp"
#if INK_HAVE_MPI
#include "ink/distributed/data_parallel.hpp"
#include "ink/distributed/job.hpp"
#endif

namespace ink::distributed {

class Process {
public:
    // A single process, even under mpirun (a test's reference run, a program's own sub-task).
    Process() {
#if INK_HAVE_MPI
        job_ = std::make_unique<Job>();
#endif
    }
    Process(int& argc, char**& argv) {
#if INK_HAVE_MPI
        job_ = std::make_unique<Job>(argc, argv);
#else
        (void)argc, (void)argv;
#endif
    }

    bool distributed() const { return size() > 1; }
#if INK_HAVE_MPI
    int rank() const { return job_->rank(); }
    int size() const { return job_->size(); }
#else
    int rank() const { return 0; }
    int size() const { return 1; }
#endif
    // Only rank 0 writes checkpoints, logs and progress.
    bool writes_files() const { return rank() == 0; }

    // From now on, average_gradients averages `model`'s gradients. Checks that every rank holds the
    // same model and `metadata` (CollectiveError otherwise), then gives every rank rank 0's
    // parameters and optimizer state (call it after loading a checkpoint).
    template <class T>
    void replicate(nn::Module<T>& model, optim::Optimizer<T>& optimizer,
                   std::vector<std::pair<std::string, std::string>> metadata = {}) {
#if INK_HAVE_MPI
        if (!distributed()) return;
        typename DataParallel<T>::Options o;
        o.metadata = std::move(metadata);
        auto ddp = std::make_shared<DataParallel<T>>(model, job_->communicator(), std::move(o));
        ddp->broadcast_optimizer(optimizer);
        average_ = [ddp](index_t samples, bool stop) { return ddp->average_gradients(samples, stop); };
        expect_ = [ddp](index_t samples) { ddp->expect_backward(samples); };
#else
        (void)model, (void)optimizer, (void)metadata;
#endif
    }

    // This rank's samples of a global batch of `count`.
    Shard shard(index_t count) const { return shard_of(count, rank(), size()); }
    // The global --batch, checked to split evenly; returns the per-rank batch.
    index_t local_batch(index_t global_batch, const char* option = "--batch") const {
        return per_rank_batch(global_batch, size(), option);
    }

    // Before backward of a mean loss over this rank's `samples`: lets the gradients' allreduce start
    // during backward (DataParallel::expect_backward).
    void expect_backward(index_t samples) {
#if INK_HAVE_MPI
        if (expect_) expect_(samples);
#else
        (void)samples;
#endif
    }

    // After backward of a mean loss over this rank's `samples`: the gradients of the global batch's
    // mean loss on every rank. Returns true on every rank, at the same step, when any rank passed
    // stop_requested (Ctrl-C, SIGTERM).
    bool average_gradients(index_t samples, bool stop_requested) {
#if INK_HAVE_MPI
        if (average_) return average_(samples, stop_requested);
#else
        (void)samples;
#endif
        return stop_requested;
    }

    // values <- their sum over the ranks (loss sums for the progress line and the history).
    void sum(std::span<double> values) {
#if INK_HAVE_MPI
        if (distributed()) job_->communicator().allreduce_sum(values);
#else
        (void)values;
#endif
    }

    // Waits for every rank (e.g. for rank 0's checkpoint before all exit: mpirun ends the whole job
    // as soon as one rank exits with a non-zero code).
    void barrier() {
#if INK_HAVE_MPI
        if (distributed()) job_->communicator().barrier();
#endif
    }

    // For main()'s catch: prints the error (once) and returns the exit code 1; an error that only
    // this rank hit ends every rank of the job, so that none waits for the timeout.
    int fail(const char* program, const std::exception& e) {
#if INK_HAVE_MPI
        return job_->fail(program, e);
#else
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 1;
#endif
    }

private:
#if INK_HAVE_MPI
    std::unique_ptr<Job> job_;
    std::function<bool(index_t, bool)> average_;
    std::function<void(index_t)> expect_;
#endif
};

}  // namespace ink::distributed
