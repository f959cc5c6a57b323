// Ticks, scatter and line plots (util/plot.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/util/plot.hpp"

using namespace ink;
using namespace ink::util;

namespace {
void check_ticks(const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
}

// The mantissa of a tick step: 1, 2 or 5 under the 1-2-5 rule.
double mantissa(double step) { return step / std::pow(10.0, std::floor(std::log10(step) + 1e-12)); }

// Centroid of the pixels that have exactly colour c.
std::pair<double, double> centroid(const Image& img, Rgb c) {
    double sx = 0, sy = 0, n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
            if (img.pixel(x, y) == c) {
                sx += x + 0.5;
                sy += y + 0.5;
                ++n;
            }
    REQUIRE(n > 0);
    return {sx / n, sy / n};
}

// Pixels of exactly colour c in [x0, x1) x [y0, y1) (the whole image by default).
int count_color(const Image& img, Rgb c, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
    if (x1 < 0) x1 = img.width();
    if (y1 < 0) y1 = img.height();
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += img.pixel(x, y) == c;
    return n;
}
}  // namespace

TEST_CASE("nice_ticks: the 1-2-5 rule on known ranges") {
    check_ticks(nice_ticks(0, 1), {0, 0.2, 0.4, 0.6, 0.8, 1.0});
    check_ticks(nice_ticks(-3.7, 12.2), {-2, 0, 2, 4, 6, 8, 10, 12});
    check_ticks(nice_ticks(1e-3, 5e-3), {1e-3, 2e-3, 3e-3, 4e-3, 5e-3});
    check_ticks(nice_ticks(0, 100, 5), {0, 20, 40, 60, 80, 100});
    check_ticks(nice_ticks(-1, 1, 5), {-1, -0.5, 0, 0.5, 1});
    check_ticks(nice_ticks(-1, 1, 4), {-1, 0, 1});  // a tie between 3 and 5 ticks: the larger step
    CHECK(std::signbit(nice_ticks(-1, 1, 5)[2]) == false);  // "0", not "-0"
    CHECK_THROWS_AS(nice_ticks(1, 1), Error);
    CHECK_THROWS_AS(nice_ticks(0, std::numeric_limits<double>::infinity()), Error);
}

TEST_CASE("nice_ticks: random ranges give evenly spaced 1-2-5 steps inside the range") {
    Rng rng(7);
    auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * rng.uniform(); };
    for (int trial = 0; trial < 500; ++trial) {
        const double scale = std::pow(10.0, uniform(-6.0, 6.0));
        const double a = uniform(-1.0, 1.0) * scale, b = a + uniform(0.01, 2.0) * scale;
        const int target = 3 + trial % 8;
        const std::vector<double> t = nice_ticks(a, b, target);
        CAPTURE(a);
        CAPTURE(b);
        REQUIRE(t.size() >= 2);
        CHECK(static_cast<int>(t.size()) <= 2 * target + 1);
        CHECK(t.front() >= a - 1e-9 * scale);
        CHECK(t.back() <= b + 1e-9 * scale);
        const double step = t[1] - t[0];
        const double m = mantissa(step);
        CHECK((std::abs(m - 1) < 1e-6 || std::abs(m - 2) < 1e-6 || std::abs(m - 5) < 1e-6));
        for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] == doctest::Approx(step).epsilon(1e-6));
        CHECK(std::abs(t[0] / step - std::round(t[0] / step)) < 1e-6);  // multiples of the step
    }
}

TEST_CASE("log_ticks and tick_labels") {
    check_ticks(log_ticks(2e-3, 30), {1e-2, 1e-1, 1, 10});
    check_ticks(log_ticks(3, 60), {5, 10, 20, 50});  // one power only: 1-2-5 multiples
    CHECK(log_ticks(1e-30, 1e30).size() <= 9);
    CHECK(tick_labels({0, 0.2, 0.4}, false) == std::vector<std::string>{"0.0", "0.2", "0.4"});
    CHECK(tick_labels({-2, 0, 2}, false) == std::vector<std::string>{"-2", "0", "2"});
    CHECK(tick_labels({0.001, 0.002}, false) == std::vector<std::string>{"0.001", "0.002"});
    CHECK(tick_labels({0, 2e6, 4e6}, false) == std::vector<std::string>{"0", "2e+06", "4e+06"});
    CHECK(tick_labels({1e-2, 1, 100}, true) == std::vector<std::string>{"0.01", "1", "100"});
    CHECK(tick_labels({1e-6, 1e6}, true) == std::vector<std::string>{"1e-06", "1e+06"});
}

TEST_CASE("scatter_plot: points land where the axis ranges put them") {
    // Two reference points at the range's corners' insets and a third at a quarter / three quarters.
    const std::vector<double> x{0, 10, 2.5}, y{0, 10, 7.5};
    const std::vector<int> labels{0, 1, 2};
    PlotOptions opt{.x_min = -1, .x_max = 11, .y_min = -1, .y_max = 11, .legend = LegendPlacement::none,
                    .marker_radius = 4, .marker_alpha = 1.0f};
    const Image img = scatter_plot(x, y, labels, opt);
    CHECK(img.width() == opt.width);
    CHECK(img.height() == opt.height);
    const auto [x0, y0] = centroid(img, palette_color(0));
    const auto [x1, y1] = centroid(img, palette_color(1));
    const auto [x2, y2] = centroid(img, palette_color(2));
    CHECK(x1 > x0);
    CHECK(y1 < y0);  // y grows upward
    CHECK(x2 == doctest::Approx(x0 + 0.25 * (x1 - x0)).epsilon(0.005));
    CHECK(y2 == doctest::Approx(y0 + 0.75 * (y1 - y0)).epsilon(0.005));
    // 12 data units span the plot area: the frame is (10 / 12) of it beyond the reference points.
    const double plot_w = (x1 - x0) * 12.0 / 10.0;
    CHECK(plot_w > 0.6 * opt.width);
    CHECK(plot_w < opt.width);

    // Points outside a fixed range are clipped away, not drawn over the margins.
    const std::vector<double> far_x{100}, far_y{100};
    const std::vector<int> far_label{3};
    CHECK(count_color(scatter_plot(far_x, far_y, far_label, opt), palette_color(3)) == 0);
}

TEST_CASE("scatter_plot: legend, tensor input and errors") {
    const std::vector<double> x{0, 1, 2}, y{1, 0, 2};
    const std::vector<int> labels{0, 1, 1};
    // The legend shows each class's colour in a swatch (opaque), even with translucent markers.
    PlotOptions opt{.title = "latent space", .x_label = "z[0]", .y_label = "z[1]",
                    .class_names = {"T-shirt/top", "Trouser"}};
    const Image img = scatter_plot(x, y, labels, opt);
    CHECK(count_color(img, palette_color(0)) > 0);
    CHECK(count_color(img, palette_color(1)) > 0);

    Tensor<float> points(Shape{3, 2}, {0, 1, 1, 0, 2, 2});
    const std::vector<unsigned char> bytes{0, 1, 1};
    CHECK_NOTHROW(scatter_plot(points, bytes, opt));
    CHECK_NOTHROW(scatter_plot(points, std::vector<int>{}, opt));  // one class, no legend
    CHECK_THROWS_WITH_AS(scatter_plot(Tensor<float>(Shape{3, 3}), bytes), doctest::Contains("(N, 2)"), Error);
    const std::vector<int> negative{0, -1, 0};
    CHECK_THROWS_AS(scatter_plot(x, y, negative), Error);
    CHECK_THROWS_AS(scatter_plot(x, std::vector<double>{1.0}, labels), Error);
    CHECK_THROWS_AS(scatter_plot(x, y, labels, PlotOptions{.width = 50, .height = 50}), Error);
    // No points at all: an empty frame.
    CHECK_NOTHROW(scatter_plot(std::vector<double>{}, std::vector<double>{}, std::vector<int>{}));
}

TEST_CASE("line_plot: edge cases render without throwing") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const PlotOptions opt{.title = "loss", .x_label = "epoch", .y_label = "loss"};
    CHECK_NOTHROW(line_plot({}, opt));
    CHECK_NOTHROW(line_plot({{"one point", {}, {3.0}}}, opt));
    CHECK_NOTHROW(line_plot({{"constant", {}, {2, 2, 2, 2}}}, opt));
    CHECK_NOTHROW(line_plot({{"all nan", {}, {nan, nan}}}, opt));
    CHECK_NOTHROW(line_plot({{"zero", {}, {0, 0}}}, opt));

    // NaN and infinities are skipped: the range comes from the finite values only.
    const Image gaps = line_plot({{"gaps", {1, 2, 3, 4, 5}, {1, nan, 3, std::numeric_limits<double>::infinity(), 5}}},
                                 opt);
    CHECK(count_color(gaps, palette_color(0)) > 0);

    // A constant series still draws a visible line.
    CHECK(count_color(line_plot({{"c", {}, {2, 2, 2}}}, opt), palette_color(0)) > 50);

    // Log axis: values <= 0 are skipped; many decades are thinned.
    PlotOptions log_opt = opt;
    log_opt.log_y = true;
    CHECK_NOTHROW(line_plot({{"fd", {10, 20, 30, 40}, {500, 0, -1, 2}}}, log_opt));
    CHECK_NOTHROW(line_plot({{"wide", {}, {1e-20, 1e20}}}, log_opt));
    CHECK_NOTHROW(line_plot({{"only zeros", {}, {0, 0}}}, log_opt));

    // A small picture with long tick labels thins its x ticks instead of overprinting them.
    std::vector<double> it, v;
    for (int i = 0; i <= 20; ++i) {
        it.push_back(i * 12345.0);
        v.push_back(0.001 + 0.0001 * i);
    }
    CHECK_NOTHROW(line_plot({{"x", it, v}}, {.width = 320, .height = 240, .title = "narrow"}));

    CHECK_THROWS_WITH_AS(line_plot({{"bad", {1, 2}, {1, 2, 3}}}), doctest::Contains("'bad'"), Error);
}

TEST_CASE("line_plot: several series, each in its palette colour, legend in the emptiest corner") {
    std::vector<double> epochs, train, test;
    for (int e = 1; e <= 50; ++e) {
        epochs.push_back(e);
        train.push_back(160.0 / std::sqrt(e) + 100);
        test.push_back(165.0 / std::sqrt(e) + 102);
    }
    const Image img = line_plot({{"train", epochs, train}, {"test", epochs, test}},
                                {.title = "MNIST VAE", .x_label = "epoch", .y_label = "loss per sample"});
    CHECK(count_color(img, palette_color(0)) > 100);
    CHECK(count_color(img, palette_color(1)) > 100);
    // Decreasing curves start top-left and leave the top-right corner free: the legend goes there.
    const int w = img.width(), h = img.height();
    CHECK(count_color(img, palette_color(1), w * 3 / 4, 0, w, h / 4) > 0);
    CHECK(count_color(img, palette_color(1), 0, 0, w / 4, h / 4) > 0);
    CHECK(count_color(img, palette_color(0), w / 2, 0, w, h / 4) > 0);
}
