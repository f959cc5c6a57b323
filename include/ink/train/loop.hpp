#pragma once
// Loop<T>: the bookkeeping of a training run around the user's own step: epochs and the position
// inside one, the shuffled batch order, a progress line, a per-epoch history (CSV and plot), an
// atomic checkpoint after every epoch, resuming with the same bits, and a clean stop on Ctrl-C /
// SIGTERM after a checkpoint. It calls the user's code through std::function hooks and owns no model
// code; docs/train.md has a complete example, what the checkpoint holds, and the modes:
//   epoch mode (options.epochs): one step per batch; after each epoch a history row, a checkpoint;
//   step mode (options.steps > 0): each step draws its own batches with next_batch() (a GAN's
//     critic steps); a history row every log_every steps; a checkpoint when after_step asks.
// Hooks for a data-parallel layer (the loop knows nothing of MPI): batches.shard(rank, ranks) (each
// rank takes its slice of every global batch, same order everywhere); options.writes_files = rank 0
// only; hooks.after_backward, run by backward() before the optimizer step (gradient averaging);
// hooks.should_stop, polled after every step (an OR over ranks, so that all stop together).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ink/autograd/engine.hpp"
#include "ink/data/batches.hpp"
#include "ink/io/checkpoint.hpp"
#include "ink/train/history.hpp"
#include "ink/util/interrupt.hpp"
#include "ink/util/progress.hpp"
#include "ink/util/timer.hpp"

namespace ink::train {

using Metadata = std::map<std::string, std::string>;

// The field `key` of a checkpoint's metadata; throws naming the file when it is missing.
inline const std::string& field(const Metadata& metadata, const std::string& key, const std::string& path) {
    const auto it = metadata.find(key);
    INK_CHECK(it != metadata.end(), "checkpoint '", path, "' has no metadata field '", key,
              "': it was not written by this program");
    return it->second;
}

// The metadata of the checkpoint at `path` (to rebuild the model a run resumes); `missing` is
// appended to the error when there is no such file (e.g. "train first: ink-vae train --out DIR").
inline Metadata read_metadata(const std::string& path, const std::string& missing = {}) {
    INK_CHECK(std::filesystem::is_regular_file(path), "no checkpoint '", path, "'", missing.empty() ? "" : ": ", missing);
    return io::load_safetensors(path).metadata;
}

struct LoopOptions {
    std::int64_t epochs = 1;              // epoch mode: passes over the batches
    std::int64_t steps = 0;               // > 0: step mode, this many steps in all
    std::int64_t log_every = 0;           // step mode: steps per history row (0: none)
    std::vector<std::string> metrics{};   // names of the values a step reports (progress line, means)
    std::string checkpoint{};             // the run's file (empty: no checkpoints)
    std::vector<std::string> history_columns{};  // of the history table (empty: no history)
    std::string history_csv{}, history_plot{};   // written with each checkpoint (empty: not written)
    std::vector<std::pair<std::string, std::string>> plot_series{};  // (legend, column) against column 0
    util::PlotOptions plot{};
    std::string label{};                  // of the progress line; epoch mode: "epoch 3/20" when empty
    bool writes_files = true;             // this process writes checkpoints, history, progress (rank 0)
};

// A finished period (an epoch, or log_every steps) as the end_period hook sees it.
struct Period {
    std::int64_t index;              // the epoch, from 1 (step mode: the step count at its end)
    std::span<const double> means;   // of LoopOptions::metrics, weighted by the steps' samples
    double seconds;                  // spent in the step hook during it, also before a resume
    double total_seconds;            // the same since the run began
};

enum class Outcome { finished, stopped };

template <class T>
class Loop {
public:
    struct Hooks {
        // One training step: on the batch `rows` (step mode: rows is empty and the step draws its
        // batches with next_batch()). Writes one value per LoopOptions::metrics into `metrics` and
        // returns the number of samples it trained on. Required.
        std::function<index_t(std::span<const index_t> rows, std::span<double> metrics)> step;
        // The history row of a finished period (empty: none), in history_columns' order.
        std::function<std::vector<double>(const Period&)> end_period;
        // Step mode, after each step (not counted as training time): evaluations, pictures; returns
        // true to write a checkpoint now.
        std::function<bool(std::int64_t step)> after_step;
        // Between backward and the optimizer step (see backward()).
        std::function<void()> after_backward;
        // Polled after every step; true stops the run after a checkpoint. When set, it alone decides
        // (it should include the Ctrl-C / SIGTERM check): a data-parallel run ORs the ranks' requests
        // so that no rank stops alone while the others wait in the next allreduce. Unset: Ctrl-C /
        // SIGTERM stop the run.
        std::function<bool()> should_stop;
        // Before each checkpoint: add the user's own state to its metadata, write files that go with it.
        std::function<void(Metadata&)> on_checkpoint;
    };

    LoopOptions options;
    Hooks hooks;
    Metadata metadata;  // saved in every checkpoint (settings, vocabulary, ...)
    History history;  // of options.history_columns (set up by run() or resume())

    Loop(nn::Module<T>& model, optim::Optimizer<T>& optimizer, data::Batches& batches, LoopOptions o)
        : options(std::move(o)), model_(model), optimizer_(optimizer), batches_(batches) {
        INK_CHECK(options.epochs >= 0 && options.steps >= 0 && options.log_every >= 0,
                  "train::Loop: epochs, steps and log_every must be non-negative");
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // Saves `rng`'s state with the run under `name` (it must outlive the loop).
    void track(const std::string& name, Rng& rng) { rngs_.emplace_back(name, &rng); }

    // loss.backward(), then the after_backward hook.
    void backward(const Var<T>& loss) {
        loss.backward();
        after_backward();
    }
    void after_backward() {
        if (hooks.after_backward) hooks.after_backward();
    }

    // Step mode: the next batch, continuing into the next epoch when one ends.
    std::span<const index_t> next_batch() {
        auto rows = batches_.next();
        return rows.empty() ? batches_.next() : rows;
    }

    std::int64_t step() const { return step_; }
    std::uint64_t epoch() const { return batches_.epoch(); }  // epochs completed
    index_t position() const { return batches_.state().position; }
    double total_seconds() const { return total_seconds_; }

    // Restores the run saved in options.checkpoint: model, optimizer, step, batch order, tracked
    // Rngs, running means and history. Returns the rest of the metadata (the user's fields).
    Metadata resume() {
        const std::string& path = options.checkpoint;
        INK_CHECK(std::filesystem::is_regular_file(path), "--resume: no checkpoint '", path, "'");
        io::CheckpointInfo info = io::load_checkpoint(path, model_, &optimizer_);
        auto fail = [&](auto&&... parts) { ink::detail::fail("checkpoint '", path, "': ", parts...); };
        if (!info.batches) fail("no batch state: it was not written by a training loop");
        batches_.set_state(*info.batches);
        for (auto& [name, rng] : rngs_) {
            const auto it = info.rngs.find(name);
            if (it == info.rngs.end()) fail("no state of the random generator '", name, "'");
            rng->set_state(it->second);
        }
        step_ = info.step;
        const std::string where = "checkpoint '" + path + "'";
        if (!options.history_columns.empty()) {
            History saved = History::from_csv(field(info.metadata, "train.history", path), where);
            if (saved.columns() != options.history_columns) fail("its history has other columns than this run's");
            history = std::move(saved);
        }
        const History state = History::from_csv(field(info.metadata, "train.state", path), where + ", 'train.state'");
        if (state.columns() != state_columns() || state.size() != 1) fail("'train.state' is not this run's (other metrics)");
        total_seconds_ = state.row(0)[0], period_seconds_ = state.row(0)[1];
        const double samples = state.row(0)[2];
        if (!(samples >= 0 && samples < 0x1p53 && samples == std::floor(samples))) fail("'train.state' counts ", samples, " samples");
        samples_ = index_t(samples);
        sums_.assign(state.row(0).begin() + 3, state.row(0).end());
        for (auto it = info.metadata.begin(); it != info.metadata.end();)
            it = it->first.rfind("train.", 0) == 0 ? info.metadata.erase(it) : std::next(it);
        return std::move(info.metadata);
    }

    // Trains to options.epochs (options.steps) or until stopped; a stopped run has saved its
    // checkpoint, and resume() continues it.
    Outcome run() {
        INK_CHECK(bool(hooks.step), "train::Loop: hooks.step is not set");
        if (history.columns().empty() && !options.history_columns.empty()) history = History(options.history_columns);
        sums_.resize(options.metrics.size());  // zeros, unless resume() restored them
        util::InterruptGuard interrupt;
        auto stop = [&] { return hooks.should_stop ? hooks.should_stop() : interrupt.requested(); };
        return options.steps > 0 ? run_steps(stop) : run_epochs(stop);
    }

    // Writes the checkpoint, the history CSV and plot now (only where options.writes_files).
    void save() {
        if (!options.writes_files) return;
        if (!options.checkpoint.empty()) {
            io::CheckpointInfo info;
            info.step = step_;
            info.batches = batches_.state();
            for (const auto& [name, rng] : rngs_) info.rngs[name] = rng->state();
            info.metadata = metadata;
            if (hooks.on_checkpoint) hooks.on_checkpoint(info.metadata);
            for (const auto& [key, value] : info.metadata)
                INK_CHECK(key.rfind("train.", 0) != 0, "train::Loop: metadata key '", key,
                          "' is reserved (keys starting with 'train.' belong to the loop)");
            History state(state_columns());
            std::vector<double> row{total_seconds_, period_seconds_, double(samples_)};
            row.insert(row.end(), sums_.begin(), sums_.end());
            state.add_row(std::move(row));
            info.metadata["train.state"] = state.csv();
            if (!options.history_columns.empty()) info.metadata["train.history"] = history.csv();
            create_parent(options.checkpoint);
            io::save_checkpoint(options.checkpoint, model_, &optimizer_, info);
        } else if (hooks.on_checkpoint) {
            Metadata unused;
            hooks.on_checkpoint(unused);
        }
        if (history.columns().empty()) return;
        if (!options.history_csv.empty()) {
            create_parent(options.history_csv);
            history.save_csv(options.history_csv);
        }
        if (!options.history_plot.empty() && !history.empty()) {
            create_parent(options.history_plot);
            util::write_png(history.plot(options.plot_series, options.plot), options.history_plot);
        }
    }

private:
    // "train.state": the running sums of the period in progress, as a one-row table.
    std::vector<std::string> state_columns() const {
        std::vector<std::string> c{"total_seconds", "period_seconds", "samples"};
        for (const auto& m : options.metrics) c.push_back("sum_" + m);
        return c;
    }
    static void create_parent(const std::string& file) {
        const auto parent = std::filesystem::absolute(file).parent_path();
        std::filesystem::create_directories(parent);
    }

    void train_step(std::span<const index_t> rows) {
        values_.assign(sums_.size(), 0.0);
        util::Timer timer;
        const index_t samples = hooks.step(rows, values_);
        const double seconds = timer.seconds();
        period_seconds_ += seconds, total_seconds_ += seconds;
        for (std::size_t i = 0; i < sums_.size(); ++i) sums_[i] += values_[i] * double(samples);
        samples_ += samples;
        ++step_;
    }
    void show(std::optional<util::ProgressBar>& bar, std::int64_t done, index_t samples) {
        if (!bar) return;
        shown_.clear();
        for (std::size_t i = 0; i < sums_.size(); ++i)
            shown_.push_back({options.metrics[i], samples_ > 0 ? sums_[i] / double(samples_) : 0.0});
        bar->update(done, shown_, samples);
    }
    // Ends the period in progress: its history row, and fresh sums.
    void end_period(std::int64_t index) {
        std::vector<double> means;
        for (const double s : sums_) means.push_back(samples_ > 0 ? s / double(samples_) : 0.0);
        if (hooks.end_period) {
            std::vector<double> row = hooks.end_period({index, means, period_seconds_, total_seconds_});
            if (!row.empty()) history.add_row(std::move(row));
        }
        sums_.assign(sums_.size(), 0.0);
        samples_ = 0;
        period_seconds_ = 0;
    }

    template <class Stop>
    Outcome run_epochs(Stop& stop) {
        while (std::int64_t(batches_.epoch()) < options.epochs) {
            const std::int64_t epoch = std::int64_t(batches_.epoch()) + 1, per_epoch = batches_.batches_per_epoch();
            const std::string label = options.label.empty()
                                          ? "epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs)
                                          : options.label;
            std::int64_t done = (position() + batches_.batch_size() - 1) / batches_.batch_size();
            std::optional<util::ProgressBar> bar;  // ranks that write no files print no progress line
            if (options.writes_files) bar.emplace(per_epoch, label, std::cerr, util::ProgressOptions{.start = std::min(done, per_epoch)});
            for (auto rows = batches_.next(); !rows.empty(); rows = batches_.next()) {
                train_step(rows);
                show(bar, ++done, index_t(rows.size()));
                if (stop() && done < per_epoch) {
                    if (bar) bar->finish();
                    save();
                    return Outcome::stopped;
                }
            }
            if (bar) bar->finish();
            end_period(epoch);
            save();
            if (stop()) return std::int64_t(batches_.epoch()) < options.epochs ? Outcome::stopped : Outcome::finished;
        }
        return Outcome::finished;
    }

    template <class Stop>
    Outcome run_steps(Stop& stop) {
        std::optional<util::ProgressBar> bar;
        if (options.writes_files) bar.emplace(options.steps, options.label, std::cerr, util::ProgressOptions{.start = std::min(step_, options.steps)});
        while (step_ < options.steps) {
            const index_t before = samples_;
            train_step({});
            show(bar, step_, samples_ - before);
            if (options.log_every > 0 && step_ % options.log_every == 0) end_period(step_);
            const bool checkpoint = hooks.after_step && hooks.after_step(step_);
            const bool stopping = stop();
            if (checkpoint || stopping || step_ == options.steps) save();
            if (stopping && step_ < options.steps) {
                if (bar) bar->finish();
                return Outcome::stopped;
            }
        }
        if (bar) bar->finish();
        return Outcome::finished;
    }


    nn::Module<T>& model_;
    optim::Optimizer<T>& optimizer_;
    data::Batches& batches_;
    std::vector<std::pair<std::string, Rng*>> rngs_;
    std::int64_t step_ = 0;
    std::vector<double> sums_, values_;  // per metric: sum of value * samples over the period; this step's
    index_t samples_ = 0;
    double period_seconds_ = 0, total_seconds_ = 0;
    std::vector<util::Metric> shown_;
};

}  // namespace ink::train
