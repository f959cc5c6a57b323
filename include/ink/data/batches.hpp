#pragma once
// Shuffled mini-batch iteration over N samples, and gathering a batch's rows into a reused tensor.
//
// Epoch e visits the samples in the order iota(N) shuffled (Fisher-Yates) by rng.fork(e), where rng is
// the generator given at construction: the order depends only on its seed and the epoch, so any epoch
// can be replayed and a run resumed mid-epoch from State {epoch, position}, two integers that a
// checkpoint stores. Iterating allocates nothing after the first batch.
//
// Data-parallel training (shard(rank, ranks)): every process shuffles with the same seed and takes
// its own contiguous slice of every global batch, as PyTorch's DistributedSampler does; the batch
// size stays the global one and State stays global, so any rank's checkpoint resumes every rank.
//
//     Batches batches(train.dim(0), 64, Rng(seed));
//     for (int epoch = 0; epoch < epochs; ++epoch)
//         for (auto rows = batches.next(); !rows.empty(); rows = batches.next()) {
//             Tensor<float> x = gather_rows(train, rows, x_buffer);
//             ...
//         }
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/tensor.hpp"

namespace ink::data {

// What happens to the last batch of an epoch when N is not a multiple of the batch size.
enum class LastBatch { keep, drop };

class Batches {
public:
    struct State {
        std::uint64_t epoch = 0;
        index_t position = 0;  // samples of this epoch already handed out
    };

    Batches(index_t size, index_t batch_size, const Rng& rng, LastBatch last = LastBatch::keep)
        : size_(size), batch_size_(batch_size), rng_(rng), last_(last) {
        INK_CHECK(size >= 0, "Batches: expected a non-negative number of samples, got ", size);
        INK_CHECK(batch_size >= 1, "Batches: expected a batch size of at least 1, got ", batch_size);
    }

    index_t size() const { return size_; }
    index_t batch_size() const { return batch_size_; }
    index_t batches_per_epoch() const {
        return last_ == LastBatch::drop ? size_ / batch_size_ : (size_ + batch_size_ - 1) / batch_size_;
    }
    std::uint64_t epoch() const { return state_.epoch; }

    // From now on next() returns this process's slice of each global batch: of a batch of n samples,
    // rank r of `ranks` takes samples [n r / ranks, n (r + 1) / ranks) (sizes differ by at most one).
    void shard(index_t rank, index_t ranks) {
        INK_CHECK(ranks >= 1 && rank >= 0 && rank < ranks, "Batches::shard: rank ", rank, " of ", ranks,
                  " ranks, expected 0 <= rank < ranks");
        rank_ = rank, ranks_ = ranks;
    }

    State state() const { return state_; }
    void set_state(State s) {
        INK_CHECK(s.position >= 0 && s.position <= size_, "Batches::set_state: position ", s.position,
                  " is outside [0, ", size_, "]");
        state_ = s;
    }

    // The sample indices of the next batch of the current epoch (sharded: this rank's slice of it).
    // Once the epoch is exhausted, returns an empty span and moves to the start of the next epoch. The span stays valid until the call
    // that starts another epoch.
    std::span<const index_t> next() {
        const index_t end = last_ == LastBatch::drop ? size_ - size_ % batch_size_ : size_;
        if (state_.position >= end) {
            state_ = {state_.epoch + 1, 0};
            return {};
        }
        if (!order_valid_ || order_epoch_ != state_.epoch) shuffle_for(state_.epoch);
        const index_t count = std::min(batch_size_, end - state_.position);
        const index_t first = count * rank_ / ranks_, last = count * (rank_ + 1) / ranks_;
        const std::span<const index_t> rows(order_.data() + state_.position + first, static_cast<std::size_t>(last - first));
        state_.position += count;
        return rows;
    }

    // The order in which epoch e visits the samples.
    std::vector<index_t> order(std::uint64_t epoch) const {
        std::vector<index_t> order;
        fill_order(order, epoch);
        return order;
    }

private:
    void fill_order(std::vector<index_t>& order, std::uint64_t epoch) const {
        order.resize(static_cast<std::size_t>(size_));
        std::iota(order.begin(), order.end(), index_t(0));
        rng_.fork(epoch).shuffle(order.begin(), order.end());
    }
    void shuffle_for(std::uint64_t epoch) {
        fill_order(order_, epoch);
        order_epoch_ = epoch;
        order_valid_ = true;
    }

    index_t size_;
    index_t batch_size_;
    Rng rng_;
    LastBatch last_;
    index_t rank_ = 0, ranks_ = 1;
    State state_;
    std::vector<index_t> order_;
    std::uint64_t order_epoch_ = 0;
    bool order_valid_ = false;
};

// Copies src's rows `rows` (indices along dimension 0) into the first rows of `dst`, which must have
// the same row shape and at least rows.size() rows, and returns the view of those rows of dst.
template <class T>
Tensor<T> gather_rows(const Tensor<T>& src, std::span<const index_t> rows, Tensor<T>& dst) {
    INK_CHECK(src.rank() >= 1 && dst.rank() == src.rank(), "gather_rows: source shape ", src.shape().str(),
              " and destination shape ", dst.shape().str(), " must have the same rank, at least 1");
    for (int d = 1; d < src.rank(); ++d)
        INK_CHECK(src.dim(d) == dst.dim(d), "gather_rows: source shape ", src.shape().str(),
                  " and destination shape ", dst.shape().str(), " differ after dimension 0");
    const auto count = static_cast<index_t>(rows.size());
    INK_CHECK(count <= dst.dim(0), "gather_rows: ", count, " rows do not fit in destination shape ",
              dst.shape().str());
    const index_t row_size = src.shape().row_size();
    for (index_t r = 0; r < count; ++r) {
        const index_t i = rows[static_cast<std::size_t>(r)];
        INK_CHECK(i >= 0 && i < src.dim(0), "gather_rows: row ", i, " is outside source shape ", src.shape().str());
        std::memcpy(dst.data() + r * row_size, src.data() + i * row_size, static_cast<std::size_t>(row_size) * sizeof(T));
    }
    return dst.rows(0, count);
}

}  // namespace ink::data
