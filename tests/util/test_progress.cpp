// Progress bar and timer (util/progress.hpp, util/timer.hpp).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <thread>

#include "ink/util/progress.hpp"
#include "ink/util/timer.hpp"

using namespace ink;
using namespace ink::util;

namespace {
int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }
}  // namespace

TEST_CASE("format_duration and Timer") {
    CHECK(format_duration(0.2) == "0:00");
    CHECK(format_duration(65) == "1:05");
    CHECK(format_duration(3723) == "1:02:03");
    CHECK(format_duration(-1) == "?");
    CHECK(format_duration(std::numeric_limits<double>::infinity()) == "?");
    Timer t;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double s = t.seconds();
    CHECK(s >= 0.004);
    CHECK(t.milliseconds() >= 1000 * s);
    t.reset();
    CHECK(t.seconds() < s);
}

TEST_CASE("ProgressBar into a log: plain lines with step, values, samples/s and ETA") {
    std::ostringstream out;
    {
        ProgressBar bar(10, "epoch 3/100", out, {.log_interval = 0});
        CHECK_FALSE(bar.is_terminal());
        for (int step = 1; step <= 3; ++step) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            bar.update(step, {{"loss", 71.3}, {"rec", 60.1}, {"kl", 11.2}}, 64);
        }
        const std::string text = out.str();
        CHECK(count_lines(text) == 3);
        CHECK(text.find('\r') == std::string::npos);
        const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
        CHECK(last.find("epoch 3/100") == 0);
        CHECK(last.find("3/10") != std::string::npos);
        CHECK(last.find("30%") != std::string::npos);
        CHECK(last.find("loss 71.3") != std::string::npos);
        CHECK(last.find("rec 60.1") != std::string::npos);
        CHECK(last.find("kl 11.2") != std::string::npos);
        CHECK(last.find("samples/s") != std::string::npos);
        CHECK(last.find("elapsed 0:00") != std::string::npos);
        CHECK(last.find("ETA 0:0") != std::string::npos);
    }  // the destructor prints the final line
    CHECK(count_lines(out.str()) == 4);
}

TEST_CASE("ProgressBar into a log: quiet until the interval passes, then a final line") {
    std::ostringstream out;
    ProgressBar bar(1000, "", out);  // default interval: tens of seconds
    for (int step = 1; step <= 1000; ++step) bar.update(step, {{"loss", 1.0 / step}});
    CHECK(out.str().empty());
    bar.finish();
    bar.finish();  // once only
    const std::string text = out.str();
    CHECK(count_lines(text) == 1);
    CHECK(text.find("1000/1000 100%") == 0);
    CHECK(text.find("loss 0.001") != std::string::npos);
    CHECK(text.find("steps/s") != std::string::npos);  // no sample counts: steps per second
    CHECK(text.find("ETA 0:00") != std::string::npos);
}

TEST_CASE("ProgressBar resumed mid-way: the steps done before it count for the bar, not for the rate") {
    std::ostringstream out;
    ProgressBar bar(1'000'000, "", out, {.log_interval = 0, .start = 999'000});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bar.update(999'001);  // one step in >= 20 ms: at most 50 steps/s, so 999 steps left take >= 20 s
    const std::string text = out.str();
    INFO(text);
    CHECK(text.find("999001/1000000 100%") == 0);
    const auto rate = text.find(" steps/s");
    REQUIRE(rate != std::string::npos);
    CHECK(std::stod(text.substr(text.rfind("  ", rate) + 2)) <= 50.0);
    CHECK(text.find("ETA 0:00") == std::string::npos);
    CHECK_THROWS_AS(ProgressBar(10, "", out, {.start = 11}), Error);
}

TEST_CASE("ProgressBar on a terminal: one line redrawn in place") {
    std::ostringstream out;
    ProgressOptions opt;
    opt.mode = ProgressOptions::Mode::terminal;
    opt.redraw_interval = 0;
    ProgressBar bar(4, "train", out, opt);
    for (int step = 1; step <= 4; ++step) bar.update(step, {{"loss", 2.5}}, 100);
    bar.finish();
    const std::string text = out.str();
    CHECK(count_lines(text) == 1);  // only the final newline
    CHECK(std::count(text.begin(), text.end(), '\r') == 5);
    CHECK(text.find("\x1b[K") != std::string::npos);
    CHECK(text.find("\u2588") != std::string::npos);  // the bar
    CHECK(text.find("4/4 100%") != std::string::npos);
}

TEST_CASE("ProgressBar: more metrics than shown, long names, bad totals") {
    std::ostringstream out;
    ProgressBar bar(2, "", out, {.log_interval = 0});
    bar.update(1, {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}, {"f", 6}, {"g", 7}, {"h", 8}, {"i", 9}});
    CHECK(out.str().find(" h 8") != std::string::npos);
    CHECK(out.str().find(" i 9") == std::string::npos);
    bar.update(2, {{"a-very-long-metric-name-that-goes-on-and-on", 12345.0}});
    CHECK(out.str().find("12345") != std::string::npos);
    CHECK_THROWS_AS(ProgressBar(-1, "", out), Error);
}
