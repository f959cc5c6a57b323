#pragma once
// DataParallel<T>: data-parallel training of an nn::Module over the ranks of a Communicator, in the
// manner of PyTorch's DistributedDataParallel.
//
//   construction       checks that every rank holds the same model (parameter names, shapes, dtype)
//                      and the same metadata (a vocabulary, hyper-parameters: compared by hash), and
//                      throws CollectiveError on every rank, naming the first difference, if not;
//                      then broadcasts rank 0's parameters, so all ranks start from the same weights.
//   broadcast_optimizer(opt)   rank 0's optimizer state (moments, step count, learning rate) to all:
//                      after a resume, or to be sure.
//   average_gradients(samples)  after backward() of a mean loss over this rank's `samples` samples:
//                      every parameter's gradient becomes sum_r samples_r grad_r / sum_r samples_r,
//                      the gradient of the global batch's mean loss. Then each rank's optimizer
//                      takes the same step.
//
// Gradients travel in a few large buckets rather than one message per tensor: a message costs a
// latency (microseconds) plus bytes / bandwidth, and the poem VAE has 30 tensors from 64 to 0.7 M
// floats. Bucket b is a flat buffer (its parameters' gradients back to back, then one "defined" flag
// per parameter); buckets are filled in reverse registration order (the order backward finishes them)
// and cut at a fixed size; the sample count and the stop flag travel in a small message of their own.
// The layout, and therefore the reduction's summation order and its bits, depends on the model only,
// never on timing.
//
// Overlap with backward (Options::overlap, on by default): expect_backward(samples) before
// backward() arms the step; a LeafGradientListener (autograd/engine.hpp) then copies each
// parameter's gradient into its bucket the moment backward has finished it, starts a bucket's
// nonblocking allreduce as soon as all of its parameters are in, and polls the ones in flight, so
// that the transfer runs while backward computes the rest; average_gradients sends what is left and
// waits. Every bucket goes through the same MPI_Iallreduce with or without overlap, so the bits are
// the same either way. A step that did not arm, or that armed with another sample count, or whose
// backward reached a parameter twice (two backward() before one average_gradients), is averaged
// from the final gradients after backward, as without overlap.
//
// A parameter whose gradient no backward reached on any rank stays undefined (the optimizer skips
// it, as in a single process); if some ranks have it, the others count as zero.
//
// The stop flag: a rank that got Ctrl-C or SIGTERM passes
// stop_requested = true, and average_gradients returns true on every rank at the same step, so all
// ranks can finish that step, let rank 0 write a checkpoint, and exit together.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ink/autograd/engine.hpp"
#include "ink/distributed/communicator.hpp"
#include "ink/nn/module.hpp"
#include "ink/optim/optimizer.hpp"

namespace ink::distributed {

namespace detail {

inline std::uint64_t fnv1a(const std::string& text, std::uint64_t h = 0xcbf29ce484222325ull) {
    for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

inline std::string hex(std::uint64_t v) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
    return text;
}

// Sends root's string to every rank; strings from a peer are capped at `cap` bytes.
inline std::string broadcast_string(Communicator& comm, std::string text, int root, std::uint64_t cap) {
    const auto length = comm.broadcast_value<std::uint64_t>(text.size(), root);
    if (length > cap)  // every rank sees the same length, so every rank throws
        throw CollectiveError("rank " + std::to_string(root) + " sent a description of " + std::to_string(length) +
                              " bytes, more than the " + std::to_string(cap) + " expected");
    text.resize(std::size_t(length));
    comm.broadcast(std::span<char>(text.data(), text.size()), root);
    return text;
}

inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// Checks that every rank passed the same lines (a description of its model, its optimizer). If not,
// throws CollectiveError on every rank with one message: the first line where the lowest differing
// rank departs from rank 0. `what` names the thing described ("model", "optimizer").
inline void check_same_on_all_ranks(Communicator& comm, const std::vector<std::string>& lines, const char* what) {
    std::string joined;
    for (const auto& l : lines) joined += l + "\n";
    const std::uint64_t mine = fnv1a(joined);
    std::vector<std::uint64_t> hashes(std::size_t(comm.size()));
    comm.allgather(mine, std::span<std::uint64_t>(hashes));
    if (std::all_of(hashes.begin(), hashes.end(), [&](std::uint64_t h) { return h == hashes[0]; })) return;

    const std::vector<std::string> root = split_lines(broadcast_string(comm, joined, 0, std::uint64_t(64) << 20));
    std::string difference;
    if (comm.rank() != 0 && mine != hashes[0]) {
        std::size_t i = 0;
        while (i < lines.size() && i < root.size() && lines[i] == root[i]) ++i;
        auto entry = [&](const std::vector<std::string>& v) { return i < v.size() ? v[i] : "nothing more"; };
        difference = "rank " + std::to_string(comm.rank()) + " has " + entry(lines) + " where rank 0 has " + entry(root);
    }
    // The lowest rank that differs from rank 0 tells everyone.
    std::int32_t first = difference.empty() ? comm.size() : comm.rank();
    comm.allreduce_min(std::span<std::int32_t>(&first, 1));
    difference = broadcast_string(comm, difference, first, std::uint64_t(1) << 20);
    throw CollectiveError(std::string("the ranks hold different ") + what + "s: " + difference);
}

}  // namespace detail

template <class T>
class DataParallel {
public:
    struct Options {
        // Bucket size: large enough that latency is noise, small enough that a future overlap with
        // backward has several to launch. The poem VAE's 4.6 MB of gradients make 3 buckets.
        std::size_t bucket_bytes = std::size_t(2) << 20;
        // Start each bucket's allreduce during backward (see above); off: all of them after it.
        bool overlap = true;
        // Named facts every rank must agree on, compared by hash (a vocabulary's JSON, hyper-parameters).
        std::vector<std::pair<std::string, std::string>> metadata;
    };

    // Where the time of average_gradients goes (seconds, summed over calls).
    struct Timing {
        double allreduce = 0;  // waiting for MPI in average_gradients (what overlap did not hide)
        double copies = 0;     // gradients to buckets and back, during backward too
        std::int64_t calls = 0;
        std::int64_t early_buckets = 0;  // buckets started during backward
    };

    DataParallel(nn::Module<T>& model, Communicator& comm, Options o = {})
        : comm_(comm), params_(model.named_parameters()) {
        INK_CHECK(o.bucket_bytes >= sizeof(T), "DataParallel: expected bucket_bytes >= ", sizeof(T), ", got ",
                  o.bucket_bytes);
        std::vector<std::string> lines{std::string("dtype ") + (sizeof(T) == 4 ? "float" : "double"),
                                       std::to_string(params_.size()) + " parameter tensors"};
        for (const auto& [name, p] : params_)
            lines.push_back("parameter '" + name + "' of shape " + p.shape().str());
        for (const auto& [key, value] : o.metadata)
            lines.push_back("metadata '" + key + "' with hash " + detail::hex(detail::fnv1a(value)));
        detail::check_same_on_all_ranks(comm_, lines, "model");
        make_buckets(o.bucket_bytes / sizeof(T));
        broadcast_parameters();
        if (o.overlap && comm_.size() > 1) listener_.emplace(*this);
    }
    // In-flight allreduces write into the buckets: let them finish first.
    ~DataParallel() {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (!finalised)
            for (Bucket& b : buckets_) comm_.wait_allreduce_sum(b.request, std::span<T>(b.buffer));
    }
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    Communicator& communicator() { return comm_; }
    std::size_t num_buckets() const { return buckets_.size(); }
    const Timing& timing() const { return timing_; }
    void reset_timing() { timing_ = {}; }

    // Every parameter <- rank 0's value.
    void broadcast_parameters() {
        for (Bucket& b : buckets_) {
            if (comm_.rank() == 0) for_params(b, [&](Var<T>& p, T* slot) { copy(p.value().data(), slot, p.numel()); });
            comm_.broadcast(std::span<T>(b.buffer));
            for_params(b, [&](Var<T>& p, T* slot) { copy(slot, p.value().data(), p.numel()); });
        }
    }

    // The optimizer's state, step count and learning rate <- rank 0's (the same rule and parameters
    // on every rank, else CollectiveError).
    void broadcast_optimizer(optim::Optimizer<T>& optimizer) {
        const auto state = optimizer.state();
        std::vector<std::string> lines{std::string("optimizer ") + optimizer.name(),
                                       std::to_string(state.size()) + " state tensors"};
        for (const auto& [name, t] : state) lines.push_back("state '" + name + "' of shape " + t.shape().str());
        detail::check_same_on_all_ranks(comm_, lines, "optimizer");
        for (const auto& [name, t] : state) {
            Tensor<T> buffer = t;  // shares the live storage
            comm_.broadcast(std::span<T>(buffer.data(), std::size_t(buffer.numel())));
        }
        optimizer.set_steps(comm_.broadcast_value<std::int64_t>(optimizer.steps()));
        optimizer.set_lr(comm_.broadcast_value<double>(optimizer.lr()));
    }

    // Arms overlap for the next backward(), a mean loss over this rank's `samples` samples (a no-op
    // without overlap or alone). Call it before backward, then average_gradients with the same count.
    void expect_backward(index_t samples) {
        if (!listener_) return;
        check_samples(samples);
        start_round();
        armed_ = true;
        samples_ = samples;
    }

    // After backward() on this rank's `samples` samples, of a loss that is the mean over them:
    // grad <- sum over ranks of samples_r * grad_r / sum over ranks of samples_r, the gradient of
    // the global batch's mean loss (each rank's share needs no knowledge of the others' counts, so an
    // uneven split, or a rank with no samples, stays exact). Returns true on every rank when any rank
    // passed stop_requested. With one rank the gradients are left as they are.
    bool average_gradients(index_t samples, bool stop_requested = false) {
        check_samples(samples);
        ++timing_.calls;
        if (comm_.size() == 1) return stop_requested;
        // Buckets started during backward hold stale numbers if backward reached a parameter twice or
        // the sample count is not the one expected: then every rank sends all buckets again.
        const bool redo = armed_ && (stale_ || samples != samples_);
        if (!armed_) {
            start_round();
            samples_ = samples;
        }
        armed_ = false;
        const auto t0 = clock::now();
        send_rest();
        T control[3] = {T(samples), stop_requested ? T(1) : T(0), redo ? T(1) : T(0)};
        const auto t1 = clock::now();
        comm_.allreduce_sum(std::span<T>(control));
        double waiting = std::chrono::duration<double>(clock::now() - t1).count(), copying = 0;
        if (control[2] > T(0)) {
            start_round();
            samples_ = samples;
            send_rest();
        }
        const T inverse = control[0] > T(0) ? T(1) / control[0] : T(0);
        for (Bucket& b : buckets_) {
            const auto w = clock::now();
            comm_.wait_allreduce_sum(b.request, std::span<T>(b.buffer));
            const auto c = clock::now();
            unpack(b, inverse);
            waiting += std::chrono::duration<double>(c - w).count();
            copying += std::chrono::duration<double>(clock::now() - c).count();
        }
        timing_.allreduce += waiting;
        timing_.copies += std::chrono::duration<double>(t1 - t0).count() + copying;
        return control[1] > T(0);
    }

private:
    using clock = std::chrono::steady_clock;

    struct Bucket {
        std::vector<std::size_t> params;  // indices into params_
        std::size_t elements = 0;         // gradient elements; then one "defined" flag per parameter
        std::vector<T> buffer;
        std::size_t packed = 0;                  // of params, this step
        MPI_Request request = MPI_REQUEST_NULL;  // in flight until it completes
    };
    struct Slot {
        std::size_t bucket = 0, offset = 0, flag = 0;  // where parameter i goes in buckets_[bucket].buffer
    };

    // Calls on_ready for this model's parameters while the DataParallel lives.
    struct Listener final : LeafGradientListener<T> {
        explicit Listener(DataParallel& d) : owner(d) {}
        void leaf_gradient_ready(const Var<T>& leaf) override { owner.on_ready(leaf); }
        DataParallel& owner;
    };

    void on_ready(const Var<T>& leaf) {
        if (!armed_ || stale_) return;
        const auto it = index_of_.find(leaf.node());
        if (it == index_of_.end()) return;  // not this model's
        const std::size_t i = it->second;
        if (packed_[i]) {  // a second backward before average_gradients: start over after it
            stale_ = true;
            return;
        }
        const auto t = clock::now();
        pack(i);
        timing_.copies += std::chrono::duration<double>(clock::now() - t).count();
        // Every rank must start the same collectives in the same order: buckets go out in index order.
        while (next_ < buckets_.size() && buckets_[next_].packed == buckets_[next_].params.size()) {
            start_next();
            ++timing_.early_buckets;
        }
        // Move the oldest one in flight on (a completed request becomes MPI_REQUEST_NULL).
        for (Bucket& b : buckets_)
            if (b.request != MPI_REQUEST_NULL) {
                comm_.test(b.request);
                break;
            }
    }

    // Waits for what an earlier, abandoned step left in flight, and forgets what was packed.
    void start_round() {
        for (Bucket& b : buckets_) {
            comm_.wait_allreduce_sum(b.request, std::span<T>(b.buffer));
            b.packed = 0;
        }
        std::fill(packed_.begin(), packed_.end(), char(0));
        next_ = 0;
        stale_ = false;
    }

    // grad of parameter i, times this rank's samples, into its slot (zeros and flag 0 if undefined).
    void pack(std::size_t i) {
        Var<T>& p = params_[i].second;
        Bucket& b = buckets_[slots_[i].bucket];
        T* slot = b.buffer.data() + slots_[i].offset;
        const Tensor<T>& g = p.grad();
        b.buffer[slots_[i].flag] = g.defined() ? T(1) : T(0);
        if (g.defined()) scale(g.data(), slot, p.numel(), T(samples_));
        else std::fill(slot, slot + p.numel(), T(0));
        packed_[i] = 1;
        ++b.packed;
    }
    void start_next() {
        Bucket& b = buckets_[next_++];
        b.request = comm_.start_allreduce_sum(std::span<T>(b.buffer));
    }
    // Packs what is not packed yet and starts the buckets not started yet.
    void send_rest() {
        while (next_ < buckets_.size()) {
            for (std::size_t i : buckets_[next_].params)
                if (!packed_[i]) pack(i);
            start_next();
        }
    }
    // The reduced sums back into the gradients, times 1 / (the global batch's samples).
    void unpack(Bucket& b, T inverse) {
        for (std::size_t i : b.params) {
            if (b.buffer[slots_[i].flag] == T(0)) continue;  // no rank has this gradient
            Var<T>& p = params_[i].second;
            if (!p.grad().defined()) p.grad() = Tensor<T>::empty(p.shape());
            scale(b.buffer.data() + slots_[i].offset, p.grad().data(), p.numel(), inverse);
        }
    }

    void make_buckets(std::size_t cap_elements) {
        for (std::size_t i = params_.size(); i-- > 0;) {
            if (buckets_.empty() || buckets_.back().elements >= cap_elements) buckets_.emplace_back();
            buckets_.back().params.push_back(i);
            buckets_.back().elements += std::size_t(params_[i].second.numel());
        }
        slots_.resize(params_.size());
        packed_.assign(params_.size(), char(0));
        for (std::size_t k = 0; k < buckets_.size(); ++k) {
            Bucket& b = buckets_[k];
            b.buffer.assign(b.elements + b.params.size(), T(0));
            std::size_t offset = 0, flag = b.elements;
            for (std::size_t i : b.params) {
                slots_[i] = {k, offset, flag++};
                offset += std::size_t(params_[i].second.numel());
                index_of_[params_[i].second.node()] = i;
            }
        }
    }

    // fn(parameter, its slot in the bucket's buffer), in the bucket's order.
    template <class Fn>
    void for_params(Bucket& b, Fn&& fn) {
        for (std::size_t i : b.params) fn(params_[i].second, b.buffer.data() + slots_[i].offset);
    }
    void check_samples(index_t samples) const {
        INK_CHECK(samples >= 0 && samples <= kMaxSamples, "DataParallel::average_gradients: ", samples,
                  " samples, expected 0 to ", kMaxSamples);
    }
    // Sample counts travel in T: exact up to 2^24 in float.
    static constexpr index_t kMaxSamples = index_t(1) << (sizeof(T) == 4 ? 24 : 53);

    static void copy(const T* from, T* to, index_t n) { std::copy(from, from + n, to); }
    static void scale(const T* from, T* to, index_t n, T w) {
        for (index_t i = 0; i < n; ++i) to[i] = w * from[i];
    }

    Communicator& comm_;
    nn::NamedParameters<T> params_;
    std::vector<Bucket> buckets_;
    std::vector<Slot> slots_;                                // per parameter
    std::unordered_map<const void*, std::size_t> index_of_;  // a parameter's node -> its index
    std::vector<char> packed_;                               // per parameter, this step
    index_t samples_ = 0;                                    // this rank's, this step
    std::size_t next_ = 0;                                   // the next bucket to start
    bool armed_ = false, stale_ = false;
    Timing timing_;
    std::optional<Listener> listener_;  // last: it ends first
};

}  // namespace ink::distributed
