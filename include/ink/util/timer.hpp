#pragma once
// Timer: a stopwatch on the monotonic clock, and durations formatted for people ("1:05", "2:03:04").
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace ink::util {

class Timer {
public:
    using clock = std::chrono::steady_clock;

    Timer() : start_(clock::now()) {}
    void reset() { start_ = clock::now(); }
    double seconds() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
    double milliseconds() const { return seconds() * 1e3; }

private:
    clock::time_point start_;
};

// m:ss below an hour, h:mm:ss above, "?" when unknown (negative or not finite). Writes into buf
// without allocating (for the progress bar) and returns the length, as snprintf does.
inline int format_duration(char* buf, std::size_t size, double seconds) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 3.6e8) return std::snprintf(buf, size, "?");
    const long total = std::lround(seconds);
    const long h = total / 3600, m = total / 60 % 60, s = total % 60;
    return h > 0 ? std::snprintf(buf, size, "%ld:%02ld:%02ld", h, m, s) : std::snprintf(buf, size, "%ld:%02ld", m, s);
}

inline std::string format_duration(double seconds) {
    char buf[32];
    format_duration(buf, sizeof buf, seconds);
    return buf;
}

}  // namespace ink::util
