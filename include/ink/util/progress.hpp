#pragma once
// ProgressBar: one line of training progress, for loops that run for minutes or hours.
//
//     ProgressBar bar(steps, "epoch 3/100");
//     for (std::int64_t s = 0; s < steps; ++s) {
//         ...
//         bar.update(s + 1, {{"loss", loss}, {"kl", kl}}, batch_size);
//     }
//     bar.finish();
//
// prints "epoch 3/100  1200/2320  52% |#####     | loss 71.3  kl 11.2  1240 samples/s  elapsed 1:05  ETA 0:59".
// On a terminal the line is redrawn in place ('\r') at most every redraw_interval seconds; into a
// file or a pipe (CI logs) a plain line is appended every log_interval seconds and once at the end,
// so logs stay short and readable. update() is cheap when it does not print: it reads the clock,
// copies the values and returns; all formatting happens only when a line is printed, into a fixed
// buffer, with no allocation.
#include <unistd.h>

#include <sys/ioctl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include "ink/core/error.hpp"
#include "ink/util/timer.hpp"

namespace ink::util {

// A named value shown on the progress line, e.g. {"loss", 71.3}.
struct Metric {
    std::string_view name;
    double value;
};

struct ProgressOptions {
    enum class Mode { automatic, terminal, log };
    Mode mode = Mode::automatic;   // automatic: terminal when writing to std::cerr/std::cout on a TTY
    double redraw_interval = 0.1;  // seconds between redraws on a terminal
    double log_interval = 30.0;    // seconds between lines in a log (0: a line per update)
    int bar_width = 24;            // characters of the bar (terminal only)
    double smoothing = 3.0;        // seconds: time constant of the samples/s and steps/s averages
    std::int64_t start = 0;        // steps already done when the bar starts (a resumed run): shown, not timed
};

class ProgressBar {
public:
    static constexpr int max_metrics = 8;  // more are ignored: a progress line is not a report

    explicit ProgressBar(std::int64_t total, std::string label = {}, std::ostream& out = std::cerr,
                         ProgressOptions options = {})
        : total_(total), label_(std::move(label)), out_(out), opt_(options), step_(options.start), last_step_(options.start) {
        INK_CHECK(total >= 0, "ProgressBar: total must be >= 0, got ", total);
        INK_CHECK(opt_.start >= 0 && opt_.start <= total, "ProgressBar: start must be in [0, ", total, "], got ", opt_.start);
        INK_CHECK(opt_.bar_width >= 0, "ProgressBar: bar_width must be >= 0, got ", opt_.bar_width);
        int fd = -1;
        if (&out == &std::cerr || &out == &std::clog) fd = STDERR_FILENO;
        if (&out == &std::cout) fd = STDOUT_FILENO;
        terminal_ = opt_.mode == ProgressOptions::Mode::terminal ||
                    (opt_.mode == ProgressOptions::Mode::automatic && fd >= 0 && ::isatty(fd));
        if (terminal_ && fd >= 0) {
            winsize ws{};
            if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) columns_ = ws.ws_col;
        }
    }
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;
    // Prints the last line if finish() was not called (e.g. an exception left the loop).
    ~ProgressBar() {
        try {
            finish();
        } catch (...) {  // a destructor must not throw; the stream's state tells what happened
        }
    }

    // `step` steps of `total` are done (1 after the first); `samples` were processed since the
    // previous update (for samples/s; 0 if not counted).
    void update(std::int64_t step, std::initializer_list<Metric> metrics = {}, std::int64_t samples = 0) {
        update(step, std::span<const Metric>(metrics.begin(), metrics.size()), samples);
    }
    void update(std::int64_t step, std::span<const Metric> metrics, std::int64_t samples = 0) {
        step_ = std::max<std::int64_t>(0, step);
        samples_since_print_ += samples;
        counts_samples_ = counts_samples_ || samples > 0;
        n_metrics_ = 0;
        for (const Metric& m : metrics) {
            if (n_metrics_ == max_metrics) break;
            Stored& s = metrics_[n_metrics_++];
            const std::size_t len = std::min(m.name.size(), sizeof s.name - 1);
            std::memcpy(s.name, m.name.data(), len);
            s.name[len] = '\0';
            s.value = m.value;
        }
        const double now = timer_.seconds();
        if (now - last_print_ >= (terminal_ ? opt_.redraw_interval : opt_.log_interval)) print(now, false);
    }

    // Prints the final line (and ends the terminal line). Later calls do nothing.
    void finish() {
        if (finished_) return;
        finished_ = true;
        print(timer_.seconds(), true);
    }

    double elapsed() const { return timer_.seconds(); }
    bool is_terminal() const { return terminal_; }

private:
    struct Stored {
        char name[24];
        double value;
    };

    // Appends text to line_ at pos_, truncating at the buffer's end.
    void put(std::string_view text) {
        const std::size_t n = std::min(text.size(), sizeof line_ - 1 - pos_);
        std::memcpy(line_ + pos_, text.data(), n);
        pos_ += n;
    }
    template <class... Args>
    void put(const char* fmt, Args... args) requires(sizeof...(Args) > 0) {
        const int n = std::snprintf(line_ + pos_, sizeof line_ - pos_, fmt, args...);
        if (n > 0) pos_ = std::min(sizeof line_ - 1, pos_ + static_cast<std::size_t>(n));
    }
    // 4 significant digits, but no exponent for values people read as whole numbers (12345).
    void put_value(double v) {
        if (std::abs(v) >= 1e4 && std::abs(v) < 1e9)
            put("%.0f", v);
        else
            put("%.4g", v);
    }
    void put_duration(double seconds) {
        const int n = format_duration(line_ + pos_, sizeof line_ - pos_, seconds);
        if (n > 0) pos_ = std::min(sizeof line_ - 1, pos_ + static_cast<std::size_t>(n));
    }
    void put_bar(double fraction) {
        // Eighth blocks make the bar move smoothly; terminals today all speak UTF-8.
        static constexpr std::string_view eighths[] = {"", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B", "\u258A", "\u2589"};
        const int cells = opt_.bar_width * 8;
        const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * cells);
        put(" |");
        for (int i = 0; i < filled / 8; ++i) put("\u2588");
        int used = filled / 8;
        if (used < opt_.bar_width && filled % 8) {
            put(eighths[filled % 8]);
            ++used;
        }
        put("%*s|", opt_.bar_width - used, "");
    }

    void print(double now, bool final) {
        // Rates: an exponential moving average in time, so that they neither jump at every redraw
        // nor lag for minutes.
        const double dt = now - last_print_;
        if (dt > 0 && (step_ > last_step_ || samples_since_print_ > 0)) {
            const double w = have_rate_ ? 1.0 - std::exp(-dt / opt_.smoothing) : 1.0;
            step_rate_ += w * (static_cast<double>(std::max<std::int64_t>(0, step_ - last_step_)) / dt - step_rate_);
            sample_rate_ += w * (static_cast<double>(samples_since_print_) / dt - sample_rate_);
            have_rate_ = true;
        }
        last_print_ = now;
        last_step_ = step_;
        samples_since_print_ = 0;

        pos_ = 0;
        if (terminal_) put("\r");
        if (!label_.empty()) put("%s  ", label_.c_str());
        const double fraction = total_ > 0 ? static_cast<double>(step_) / static_cast<double>(total_) : 1.0;
        put("%lld/%lld %3.0f%%", static_cast<long long>(step_), static_cast<long long>(total_), 100.0 * fraction);
        if (terminal_ && opt_.bar_width > 0) put_bar(fraction);
        for (int i = 0; i < n_metrics_; ++i) {
            put("  ");
            put(metrics_[i].name);
            put(" ");
            put_value(metrics_[i].value);
        }
        if (have_rate_) {
            const double rate = counts_samples_ ? sample_rate_ : step_rate_;
            put(rate >= 100 ? "  %.0f %s/s" : "  %.1f %s/s", rate, counts_samples_ ? "samples" : "steps");
        }
        put("  elapsed ");
        put_duration(now);
        put("  ETA ");
        put_duration(step_ >= total_ ? 0.0 : have_rate_ && step_rate_ > 0 ? static_cast<double>(total_ - step_) / step_rate_ : -1.0);
        if (terminal_) {
            truncate_to_columns();
            put("\x1b[K");  // erase what a longer previous line left
        }
        if (!terminal_ || final) put("\n");
        out_.write(line_, static_cast<std::streamsize>(pos_));
        out_.flush();
    }

    // A line wider than the terminal would wrap and '\r' would then redraw only its last part.
    void truncate_to_columns() {
        int shown = 0;
        for (std::size_t i = 1; i < pos_; ++i) {  // after the '\r'
            if ((static_cast<unsigned char>(line_[i]) & 0xC0) == 0x80) continue;
            if (++shown == columns_) {
                pos_ = i;
                return;
            }
        }
    }

    std::int64_t total_;
    std::string label_;
    std::ostream& out_;
    ProgressOptions opt_;
    bool terminal_ = false;
    int columns_ = 160;

    Timer timer_;
    std::int64_t step_ = 0, last_step_ = 0, samples_since_print_ = 0;
    double last_print_ = 0, step_rate_ = 0, sample_rate_ = 0;
    bool have_rate_ = false, counts_samples_ = false, finished_ = false;
    Stored metrics_[max_metrics]{};
    int n_metrics_ = 0;
    char line_[512]{};
    std::size_t pos_ = 0;
};

}  // namespace ink::util
