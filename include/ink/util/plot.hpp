#pragma once
// Scatter and line plots rendered to an Image: enough of matplotlib to show a latent space coloured
// by class or a loss curve in a report, with nothing to install.
//
// Both plots share one frame (detail::Axes): margins sized from the labels they hold, light grid
// lines at "nice" tick values (1-2-5 rule), a frame with outward tick marks, tick labels, axis titles,
// a title and a legend. Data are drawn on a canvas the size of the plot area, so anything outside the
// axis ranges is clipped there, then the canvas is framed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/util/image.hpp"
#include "ink/util/text.hpp"

namespace ink::util {

enum class LegendPlacement {
    automatic,  // scatter: outside, right of the plot (points fill the area); line: `best`
    best,       // inside, in the corner that hides the fewest data points
    outside,    // in a column right of the plot area
    none,
};

// Options of both plots; fields that one plot does not use are ignored by it.
struct PlotOptions {
    int width = 900, height = 640;  // of the whole picture, in pixels
    std::string title{}, x_label{}, y_label{};
    // Axis ranges; NaN takes the range of the data plus a 5% margin.
    double x_min = std::numeric_limits<double>::quiet_NaN(), x_max = std::numeric_limits<double>::quiet_NaN();
    double y_min = std::numeric_limits<double>::quiet_NaN(), y_max = std::numeric_limits<double>::quiet_NaN();
    bool log_y = false;  // line plot: logarithmic y axis (values <= 0 are skipped)
    LegendPlacement legend = LegendPlacement::automatic;
    // Scatter: the name of class k is class_names[k] (else the number k).
    std::vector<std::string> class_names{};
    double marker_radius = 2.0;  // scatter: small and
    float marker_alpha = 0.45f;  // translucent, so that dense clusters show their density
    // Line plot.
    double line_width = 2.0;
    bool markers = false;  // a dot on every point (isolated points always get one)
    const Typeface* typeface = nullptr;  // labels' fonts; nullptr: Typeface::system()
};

// One named curve of a line plot. An empty x means 1, 2, ..., n (epochs count from 1).
struct Series {
    std::string name{};
    std::vector<double> x{}, y{};
};

// About `target` tick values between lo and hi: multiples of a step 1, 2 or 5 times a power of ten,
// choosing the step whose tick count is closest to `target` (the larger step on a tie).
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
    INK_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo < hi && target >= 2,
              "nice_ticks: expected finite lo < hi and target >= 2, got [", lo, ", ", hi, "], ", target);
    const double exponent = std::floor(std::log10((hi - lo) / target));
    double best_step = 0;
    long best_count = 0;
    for (int e = -1; e <= 1; ++e)
        for (const double m : {1.0, 2.0, 5.0}) {
            const double step = m * std::pow(10.0, exponent + e);
            const long count = static_cast<long>(std::floor(hi / step + 1e-9) - std::ceil(lo / step - 1e-9)) + 1;
            if (best_step == 0 || std::abs(count - target) < std::abs(best_count - target) ||
                (std::abs(count - target) == std::abs(best_count - target) && step > best_step)) {
                best_step = step;
                best_count = count;
            }
        }
    std::vector<double> ticks;
    // Integer multiples of the step (no accumulated rounding); -0 printed as 0.
    for (auto k = static_cast<long>(std::ceil(lo / best_step - 1e-9));
         static_cast<double>(k) * best_step <= hi + best_step * 1e-9; ++k)
        ticks.push_back(k == 0 ? 0.0 : static_cast<double>(k) * best_step);
    return ticks;
}

// Ticks of a logarithmic axis over [lo, hi] (both > 0): the powers of ten inside (every k-th one
// over many decades), or 1, 2 and 5 times them when the range spans fewer than about four decades.
inline std::vector<double> log_ticks(double lo, double hi) {
    INK_CHECK(lo > 0 && hi > lo && std::isfinite(hi), "log_ticks: expected 0 < lo < hi, got [", lo, ", ", hi, "]");
    const int e0 = static_cast<int>(std::floor(std::log10(lo))), e1 = static_cast<int>(std::ceil(std::log10(hi)));
    const int every = std::max(1, (e1 - e0) / 8);  // at most about 8 labelled decades
    std::vector<double> powers, dense;
    for (int e = e0; e <= e1; ++e) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double v = m * std::pow(10.0, e);
            if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
            dense.push_back(v);
            if (m == 1.0 && (e - e0) % every == 0) powers.push_back(v);
        }
    }
    if (powers.size() >= 4 || (powers.size() >= 2 && dense.size() > 12)) return powers;
    if (dense.size() >= 2) return dense;
    if (powers.size() >= 2) return powers;
    return nice_ticks(lo, hi, 4);  // less than a factor 2.5: a linear subdivision reads best
}

// Tick labels with the decimals the step needs, so that all labels of an axis look alike
// ("0.0 0.5 1.0", "0.001 0.002"), and scientific notation for very large or small values.
inline std::vector<std::string> tick_labels(const std::vector<double>& ticks, bool log) {
    std::vector<std::string> labels;
    double largest = 0, step = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < ticks.size(); ++i) {
        largest = std::max(largest, std::abs(ticks[i]));
        if (i > 0) step = std::min(step, ticks[i] - ticks[i - 1]);
    }
    const int decimals = std::isfinite(step) ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 0;
    char buf[32];
    for (const double v : ticks) {
        if (log)
            std::snprintf(buf, sizeof buf, (std::abs(v) >= 1e-4 && std::abs(v) < 1e5) ? "%.10g" : "%.0e", v);
        else if (largest >= 1e6 || (decimals > 4 && largest != 0))
            std::snprintf(buf, sizeof buf, "%.3g", v);
        else
            std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
        labels.emplace_back(buf);
    }
    return labels;
}

namespace detail {

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return !(lo <= hi); }
};

// The axis range to show: fixed ends where given, else the data's range widened by 5% per side
// (in log10 units for a log axis); a single value gets a unit-wide (or one-decade) range.
inline Range axis_range(Range data, double fixed_lo, double fixed_hi, bool log) {
    if (log) {
        if (std::isfinite(fixed_lo)) fixed_lo = std::log10(fixed_lo);
        if (std::isfinite(fixed_hi)) fixed_hi = std::log10(fixed_hi);
        if (!data.empty()) data = {std::log10(data.lo), std::log10(data.hi)};
    }
    if (data.empty()) data = {0.0, 1.0};
    if (data.lo == data.hi) {
        const double half = log ? 0.5 : std::max(0.5, std::abs(data.lo) * 0.1);
        data = {data.lo - half, data.hi + half};
    }
    const double margin = 0.05 * (data.hi - data.lo);
    Range r{std::isfinite(fixed_lo) ? fixed_lo : data.lo - margin, std::isfinite(fixed_hi) ? fixed_hi : data.hi + margin};
    INK_CHECK(r.lo < r.hi, "plot: axis range [", r.lo, ", ", r.hi, "] is empty");
    if (log) r = {std::pow(10.0, r.lo), std::pow(10.0, r.hi)};
    return r;
}

struct LegendEntry {
    std::string name;
    Rgb color;
    bool line;  // a line swatch (line plots) or a disc (scatter)
};

// The frame around a plot: layout, ticks, labels, legend. Build it, draw data on canvas() at
// (x_px(x), y_px(y)), then compose().
class Axes {
public:
    Axes(const PlotOptions& opt, Range x, Range y, bool log_y, std::vector<LegendEntry> legend, LegendPlacement placement)
        : opt_(opt), x_(x), y_(y), log_y_(log_y), legend_(std::move(legend)), placement_(placement) {
        INK_CHECK(opt.width >= 200 && opt.height >= 150, "plot: a ", opt.width, " x ", opt.height,
                  " picture is too small (at least 200 x 150)");
        if (legend_.empty()) placement_ = LegendPlacement::none;
        x_ticks_ = nice_ticks(x_.lo, x_.hi, std::clamp(opt.width / 110, 3, 10));
        y_ticks_ = log_y_ ? log_ticks(y_.lo, y_.hi) : nice_ticks(y_.lo, y_.hi, std::clamp(opt.height / 90, 3, 10));
        x_labels_ = tick_labels(x_ticks_, false);
        y_labels_ = tick_labels(y_ticks_, log_y_);
        layout();
        // Long x labels (100000, 0.0015) on a narrow plot would run into each other: fewer ticks.
        for (int target = static_cast<int>(x_ticks_.size()); target > 2 && x_labels_overlap(); --target) {
            x_ticks_ = nice_ticks(x_.lo, x_.hi, target - 1);
            x_labels_ = tick_labels(x_ticks_, false);
        }
        canvas_ = Image(plot_w_, plot_h_, colors::white);
        for (const double t : x_ticks_) draw_grid_line(x_px(t), true);
        for (const double t : y_ticks_) draw_grid_line(y_px(t), false);
    }

    Image& canvas() { return canvas_; }
    // Data coordinates to canvas pixels (continuous: pixel i covers [i, i + 1)).
    double x_px(double x) const { return (x - x_.lo) / (x_.hi - x_.lo) * plot_w_; }
    double y_px(double y) const {
        const double u = log_y_ ? (std::log10(y) - std::log10(y_.lo)) / (std::log10(y_.hi) - std::log10(y_.lo))
                                : (y - y_.lo) / (y_.hi - y_.lo);
        return (1.0 - u) * plot_h_;
    }
    // Whether to report data positions to compose() (only the `best` legend placement needs them).
    bool wants_occupancy() const { return placement_ == LegendPlacement::best; }

    // The finished picture. `occupied` are canvas positions of the data, for the `best` legend corner.
    Image compose(std::span<const std::pair<double, double>> occupied = {}) const {
        Image img(opt_.width, opt_.height, colors::white);
        img.paste(canvas_, plot_x_, plot_y_);
        img.draw_rect(plot_x_ - 1, plot_y_ - 1, plot_w_ + 2, plot_h_ + 2, frame_color);
        for (std::size_t i = 0; i < x_ticks_.size(); ++i) {
            const int x = plot_x_ + static_cast<int>(std::floor(x_px(x_ticks_[i])));
            img.fill_rect(x, plot_y_ + plot_h_ + 1, 1, tick_len, frame_color);
            draw_text(img, x, plot_y_ + plot_h_ + tick_len + 4, x_labels_[i], label_color, style(Align::center));
        }
        for (std::size_t i = 0; i < y_ticks_.size(); ++i) {
            const int y = plot_y_ + static_cast<int>(std::floor(y_px(y_ticks_[i])));
            img.fill_rect(plot_x_ - 1 - tick_len, y, tick_len, 1, frame_color);
            draw_text(img, plot_x_ - tick_len - 5, y, y_labels_[i], label_color, style(Align::end, Align::center));
        }
        if (!opt_.title.empty())
            draw_text(img, plot_x_ + plot_w_ / 2, outer, opt_.title, colors::black, title_style());
        if (!opt_.x_label.empty())
            draw_text(img, plot_x_ + plot_w_ / 2, opt_.height - outer, opt_.x_label, colors::black,
                      style(Align::center, Align::end));
        if (!opt_.y_label.empty())
            draw_text(img, outer, plot_y_ + plot_h_ / 2, opt_.y_label, colors::black,
                      {.size = label_size, .vertical = true, .valign = Align::center, .typeface = opt_.typeface});
        if (placement_ != LegendPlacement::none) draw_legend(img, occupied);
        return img;
    }

private:
    static constexpr Rgb frame_color{70, 70, 70}, label_color{40, 40, 40}, grid_color{232, 232, 232};
    static constexpr int outer = 14, tick_len = 5;
    // Line heights in pixels; DejaVu Sans then has an em of 13.7 and 18.9 px, matplotlib's 10 and 14 pt at 100 dpi.
    static constexpr double label_size = 16, title_size = 22;

    TextStyle style(Align h = Align::start, Align v = Align::start) const {
        return {.size = label_size, .halign = h, .valign = v, .typeface = opt_.typeface};
    }
    TextStyle title_style() const { return {.size = title_size, .halign = Align::center, .typeface = opt_.typeface}; }
    static constexpr int swatch_w = 22, row_h = 18, legend_pad = 8;

    void layout() {
        int y_label_w = 0;
        for (const auto& s : y_labels_) y_label_w = std::max(y_label_w, text_width(s, style()));
        const int left = outer + (opt_.y_label.empty() ? 0 : text_height(style()) + 10) + y_label_w + tick_len + 8;
        const int top = outer + (opt_.title.empty() ? 6 : text_height(title_style()) + 12);
        const int bottom = outer + tick_len + 4 + text_height(style()) + (opt_.x_label.empty() ? 0 : text_height(style()) + 10);
        int right = outer + 8;  // room for the last x tick label to overhang the frame
        if (placement_ == LegendPlacement::outside) right = outer + legend_width() + 12;
        plot_x_ = left;
        plot_y_ = top;
        plot_w_ = opt_.width - left - right;
        plot_h_ = opt_.height - top - bottom;
        INK_CHECK(plot_w_ >= 50 && plot_h_ >= 50, "plot: ", opt_.width, " x ", opt_.height,
                  " leaves no room for the plot area once labels and legend are placed");
    }

    bool x_labels_overlap() const {
        if (x_ticks_.size() < 2) return false;
        int widest = 0;
        for (const auto& s : x_labels_) widest = std::max(widest, text_width(s, style()));
        return x_px(x_ticks_[1]) - x_px(x_ticks_[0]) < widest + 12;
    }

    int legend_width() const {
        int w = 0;
        for (const auto& e : legend_) w = std::max(w, text_width(e.name, style()));
        return 2 * legend_pad + swatch_w + 6 + w;
    }
    int legend_height() const { return 2 * legend_pad + static_cast<int>(legend_.size()) * row_h - (row_h - text_height(style())); }

    void draw_grid_line(double at, bool vertical) {
        const int p = static_cast<int>(std::floor(at));
        if (vertical)
            canvas_.fill_rect(p, 0, 1, plot_h_, grid_color);
        else
            canvas_.fill_rect(0, p, plot_w_, 1, grid_color);
    }

    void draw_legend(Image& img, std::span<const std::pair<double, double>> occupied) const {
        const int w = legend_width(), h = legend_height(), inset = 10;
        int x = plot_x_ + plot_w_ + 12, y = plot_y_;
        if (placement_ == LegendPlacement::best) {
            // Corners in order of preference; the first with the fewest data points under it wins.
            const int xs[] = {plot_w_ - inset - w, inset, inset, plot_w_ - inset - w};
            const int ys[] = {inset, inset, plot_h_ - inset - h, plot_h_ - inset - h};
            std::size_t best_hidden = std::numeric_limits<std::size_t>::max();
            for (int c = 0; c < 4; ++c) {
                std::size_t hidden = 0;
                for (const auto& [px, py] : occupied)
                    hidden += px >= xs[c] && px < xs[c] + w && py >= ys[c] && py < ys[c] + h;
                if (hidden < best_hidden) {
                    best_hidden = hidden;
                    x = plot_x_ + xs[c];
                    y = plot_y_ + ys[c];
                }
            }
            img.fill_rect(x, y, w, h, colors::white, 0.85f);
        }
        img.draw_rect(x, y, w, h, Rgb{200, 200, 200});
        for (std::size_t i = 0; i < legend_.size(); ++i) {
            const int row_y = y + legend_pad + static_cast<int>(i) * row_h;
            const double mid = row_y + text_height(style()) / 2.0;
            const LegendEntry& e = legend_[i];
            if (e.line)
                img.draw_line(x + legend_pad, mid, x + legend_pad + swatch_w, mid, e.color, opt_.line_width);
            else
                img.fill_circle(x + legend_pad + swatch_w / 2.0, mid, 4.5, e.color);
            draw_text(img, x + legend_pad + swatch_w + 6, row_y + 1, e.name, label_color, style());
        }
    }

    const PlotOptions& opt_;
    Range x_, y_;
    bool log_y_;
    std::vector<LegendEntry> legend_;
    LegendPlacement placement_;
    std::vector<double> x_ticks_, y_ticks_;
    std::vector<std::string> x_labels_, y_labels_;
    int plot_x_ = 0, plot_y_ = 0, plot_w_ = 0, plot_h_ = 0;
    Image canvas_;
};

}  // namespace detail

// Points (x[i], y[i]) coloured by class labels[i] (labels may be empty: one class, no legend).
// Points are drawn in the given order, so shuffled data do not let one class hide the others.
inline Image scatter_plot(std::span<const double> x, std::span<const double> y, std::span<const int> labels,
                          const PlotOptions& opt = {}) {
    INK_CHECK(x.size() == y.size(), "scatter_plot: ", x.size(), " x values but ", y.size(), " y values");
    INK_CHECK(labels.empty() || labels.size() == x.size(), "scatter_plot: ", labels.size(), " labels for ", x.size(),
              " points");
    detail::Range xr, yr;
    int classes = labels.empty() ? 0 : 1;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
        xr.add(x[i]);
        yr.add(y[i]);
    }
    for (const int l : labels) {
        INK_CHECK(l >= 0, "scatter_plot: class labels must be >= 0, got ", l);
        classes = std::max(classes, l + 1);
    }
    std::vector<detail::LegendEntry> legend;
    for (int k = 0; k < classes; ++k) {
        const auto i = static_cast<std::size_t>(k);
        legend.push_back({i < opt.class_names.size() ? opt.class_names[i] : std::to_string(k), palette_color(k), false});
    }
    const auto placement = opt.legend == LegendPlacement::automatic ? LegendPlacement::outside : opt.legend;
    detail::Axes axes(opt, detail::axis_range(xr, opt.x_min, opt.x_max, false),
                      detail::axis_range(yr, opt.y_min, opt.y_max, false), false, std::move(legend), placement);
    std::vector<std::pair<double, double>> occupied;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double px = axes.x_px(x[i]), py = axes.y_px(y[i]);
        axes.canvas().fill_circle(px, py, opt.marker_radius, palette_color(labels.empty() ? 0 : labels[i]),
                                  opt.marker_alpha);
        if (axes.wants_occupancy()) occupied.emplace_back(px, py);
    }
    return axes.compose(occupied);
}

// The same from an (N, 2) tensor of points and N labels of any integer type (std::vector, Tensor, ...).
template <class T, class Labels>
Image scatter_plot(const Tensor<T>& points, const Labels& labels, const PlotOptions& opt = {}) {
    INK_CHECK(points.rank() == 2 && points.dim(1) == 2, "scatter_plot: expected points of shape (N, 2), got ",
              points.shape().str());
    std::vector<double> x, y;
    std::vector<int> classes;
    for (index_t i = 0; i < points.dim(0); ++i) {
        x.push_back(static_cast<double>(points(i, 0)));
        y.push_back(static_cast<double>(points(i, 1)));
    }
    for (const auto l : labels) classes.push_back(static_cast<int>(l));
    return scatter_plot(x, y, classes, opt);
}

// Curves of one or more series. Non-finite values (and values <= 0 on a log axis) break the curve.
inline Image line_plot(const std::vector<Series>& series, const PlotOptions& opt = {}) {
    auto x_of = [](const Series& s, std::size_t i) { return s.x.empty() ? static_cast<double>(i + 1) : s.x[i]; };
    auto usable = [&](double v) { return std::isfinite(v) && (!opt.log_y || v > 0); };
    detail::Range xr, yr;
    std::vector<detail::LegendEntry> legend;
    for (std::size_t k = 0; k < series.size(); ++k) {
        const Series& s = series[k];
        INK_CHECK(s.x.empty() || s.x.size() == s.y.size(), "line_plot: series '", s.name, "' has ", s.x.size(),
                  " x values and ", s.y.size(), " y values");
        for (std::size_t i = 0; i < s.y.size(); ++i)
            if (std::isfinite(x_of(s, i)) && usable(s.y[i])) {
                xr.add(x_of(s, i));
                yr.add(s.y[i]);
            }
        if (!s.name.empty()) legend.push_back({s.name, palette_color(static_cast<int>(k)), true});
    }
    const auto placement = opt.legend == LegendPlacement::automatic ? LegendPlacement::best : opt.legend;
    detail::Axes axes(opt, detail::axis_range(xr, opt.x_min, opt.x_max, false),
                      detail::axis_range(yr, opt.y_min, opt.y_max, opt.log_y), opt.log_y, std::move(legend), placement);
    std::vector<std::pair<double, double>> occupied;
    for (std::size_t k = 0; k < series.size(); ++k) {
        const Series& s = series[k];
        const Rgb color = palette_color(static_cast<int>(k));
        auto ok = [&](std::size_t i) { return i < s.y.size() && std::isfinite(x_of(s, i)) && usable(s.y[i]); };
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            if (!ok(i)) continue;
            const double px = axes.x_px(x_of(s, i)), py = axes.y_px(s.y[i]);
            if (ok(i + 1)) {
                const double qx = axes.x_px(x_of(s, i + 1)), qy = axes.y_px(s.y[i + 1]);
                axes.canvas().draw_line(px, py, qx, qy, color, opt.line_width);
                if (axes.wants_occupancy()) occupied.emplace_back((px + qx) / 2, (py + qy) / 2);
            }
            const bool isolated = !(i > 0 && ok(i - 1)) && !ok(i + 1);
            if (opt.markers || isolated) axes.canvas().fill_circle(px, py, opt.line_width * 1.6 + 0.5, color);
            if (axes.wants_occupancy()) occupied.emplace_back(px, py);
        }
    }
    return axes.compose(occupied);
}

}  // namespace ink::util
