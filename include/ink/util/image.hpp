#pragma once
// Image: an 8-bit RGB raster with the few drawing primitives that plots and sample grids need.
//
// Coordinates are pixels, x to the right and y down, origin at the top-left corner; the centre of
// pixel (i, j) is at (i + 0.5, j + 0.5). Everything is clipped to the image, so callers may draw
// partly outside it. Lines and discs are anti-aliased by coverage: a pixel is blended with the colour
// in proportion to how much of it the shape covers, which keeps thin curves and small translucent
// markers smooth without supersampling.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ink/core/error.hpp"

namespace ink::util {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

namespace colors {
inline constexpr Rgb white{255, 255, 255};
inline constexpr Rgb black{0, 0, 0};
inline constexpr Rgb gray{128, 128, 128};
}  // namespace colors

// Colour number k of a qualitative palette (matplotlib's "tab10", from Tableau 10): ten hues that
// stay distinguishable when small and translucent. Cycles after ten.
inline Rgb palette_color(int k) {
    static constexpr Rgb tab10[10] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                      {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                      {188, 189, 34},  {23, 190, 207}};
    return tab10[((k % 10) + 10) % 10];
}

class Image {
public:
    Image() = default;
    Image(int width, int height, Rgb background = colors::white) : width_(width), height_(height) {
        INK_CHECK(width > 0 && height > 0, "Image: size ", width, " x ", height, " must be positive");
        pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
        fill(background);
    }

    int width() const { return width_; }
    int height() const { return height_; }
    bool empty() const { return pixels_.empty(); }
    // Row-major RGB bytes, 3 * width per row.
    const std::uint8_t* data() const { return pixels_.data(); }
    std::uint8_t* data() { return pixels_.data(); }

    bool contains(int x, int y) const { return x >= 0 && y >= 0 && x < width_ && y < height_; }

    Rgb pixel(int x, int y) const {
        INK_CHECK(contains(x, y), "Image::pixel: (", x, ", ", y, ") is outside the ", width_, " x ", height_,
                  " image");
        const std::uint8_t* p = at(x, y);
        return {p[0], p[1], p[2]};
    }

    void fill(Rgb c) {
        for (std::size_t i = 0; i < pixels_.size(); i += 3) {
            pixels_[i] = c.r;
            pixels_[i + 1] = c.g;
            pixels_[i + 2] = c.b;
        }
    }

    // Sets one pixel; ignored outside the image.
    void set(int x, int y, Rgb c) {
        if (!contains(x, y)) return;
        std::uint8_t* p = at(x, y);
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }

    // Mixes colour c into one pixel with opacity alpha in [0, 1]; ignored outside the image.
    void blend(int x, int y, Rgb c, float alpha) {
        if (!contains(x, y) || !(alpha > 0.0f)) return;
        if (alpha >= 1.0f) return set(x, y, c);
        std::uint8_t* p = at(x, y);
        p[0] = mix(p[0], c.r, alpha);
        p[1] = mix(p[1], c.g, alpha);
        p[2] = mix(p[2], c.b, alpha);
    }

    // The axis-aligned rectangle [x, x + w) x [y, y + h), filled.
    void fill_rect(int x, int y, int w, int h, Rgb c, float alpha = 1.0f) {
        const int x0 = std::max(x, 0), x1 = std::min(x + w, width_);
        const int y0 = std::max(y, 0), y1 = std::min(y + h, height_);
        for (int j = y0; j < y1; ++j)
            for (int i = x0; i < x1; ++i) blend(i, j, c, alpha);
    }

    // The one-pixel outline of [x, x + w) x [y, y + h), inside the rectangle.
    void draw_rect(int x, int y, int w, int h, Rgb c) {
        fill_rect(x, y, w, 1, c);
        fill_rect(x, y + h - 1, w, 1, c);
        fill_rect(x, y + 1, 1, h - 2, c);
        fill_rect(x + w - 1, y + 1, 1, h - 2, c);
    }

    // An anti-aliased segment from (x0, y0) to (x1, y1) with round caps, `width` pixels wide.
    void draw_line(double x0, double y0, double x1, double y1, Rgb c, double width = 1.0, float alpha = 1.0f) {
        if (!(std::isfinite(x0) && std::isfinite(y0) && std::isfinite(x1) && std::isfinite(y1))) return;
        const double half = std::max(width, 0.0) * 0.5;
        const double dx = x1 - x0, dy = y1 - y0;
        const double len2 = dx * dx + dy * dy;
        // Walk along the major axis and cover only the band the thick segment can touch, so a long
        // diagonal costs O(length * width) instead of its bounding box.
        const bool steep = std::abs(dy) > std::abs(dx);
        const double reach = half + 1.0;
        const double a0 = steep ? std::min(y0, y1) : std::min(x0, x1);
        const double a1 = steep ? std::max(y0, y1) : std::max(x0, x1);
        const int limit_major = steep ? height_ : width_, limit_minor = steep ? width_ : height_;
        const int m0 = std::max(0, static_cast<int>(std::floor(a0 - reach)));
        const int m1 = std::min(limit_major - 1, static_cast<int>(std::ceil(a1 + reach)));
        const double slope = steep ? (dy != 0 ? dx / dy : 0.0) : (dx != 0 ? dy / dx : 0.0);
        const double band = reach * std::sqrt(1.0 + slope * slope);
        for (int m = m0; m <= m1; ++m) {
            const double centre = m + 0.5;
            // The segment's minor coordinate at this major coordinate, clamped to its ends.
            const double along = std::clamp(centre, a0, a1);
            const double minor = steep ? x0 + (along - y0) * slope : y0 + (along - x0) * slope;
            const int n0 = std::max(0, static_cast<int>(std::floor(minor - band)));
            const int n1 = std::min(limit_minor - 1, static_cast<int>(std::ceil(minor + band)));
            for (int n = n0; n <= n1; ++n) {
                const double px = steep ? n + 0.5 : centre, py = steep ? centre : n + 0.5;
                double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0;
                t = std::clamp(t, 0.0, 1.0);
                const double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
                const double cover = std::clamp(half + 0.5 - std::sqrt(ex * ex + ey * ey), 0.0, 1.0);
                // A line thinner than a pixel is drawn one pixel wide but fainter, as it would be seen.
                const double thin = std::min(1.0, 2.0 * half);
                if (cover > 0) blend(steep ? n : m, steep ? m : n, c, static_cast<float>(cover * thin * alpha));
            }
        }
    }

    // An anti-aliased disc of radius r centred at (cx, cy).
    void fill_circle(double cx, double cy, double r, Rgb c, float alpha = 1.0f) {
        if (!(std::isfinite(cx) && std::isfinite(cy)) || !(r > 0)) return;
        const int x0 = std::max(0, static_cast<int>(std::floor(cx - r - 1)));
        const int x1 = std::min(width_ - 1, static_cast<int>(std::ceil(cx + r + 1)));
        const int y0 = std::max(0, static_cast<int>(std::floor(cy - r - 1)));
        const int y1 = std::min(height_ - 1, static_cast<int>(std::ceil(cy + r + 1)));
        // Discs smaller than a pixel keep their area: they get fainter rather than vanish.
        const double area_scale = r < 0.5 ? 4.0 * r * r : 1.0;
        const double rr = std::max(r, 0.5);
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) {
                const double ex = x + 0.5 - cx, ey = y + 0.5 - cy;
                const double cover = std::clamp(rr + 0.5 - std::sqrt(ex * ex + ey * ey), 0.0, 1.0);
                if (cover > 0) blend(x, y, c, static_cast<float>(cover * area_scale * alpha));
            }
    }

    // Copies `src` with its top-left corner at (x, y), clipped.
    void paste(const Image& src, int x, int y) {
        const int i0 = std::max(0, -x), i1 = std::min(src.width_, width_ - x);
        const int j0 = std::max(0, -y), j1 = std::min(src.height_, height_ - y);
        for (int j = j0; j < j1 && i0 < i1; ++j) std::copy_n(src.at(i0, j), 3 * (i1 - i0), at(x + i0, y + j));
    }

private:
    static std::uint8_t mix(std::uint8_t under, std::uint8_t over, float alpha) {
        return static_cast<std::uint8_t>(std::lround(under + (float(over) - float(under)) * alpha));
    }
    std::size_t offset(int x, int y) const {
        return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
    }
    std::uint8_t* at(int x, int y) { return pixels_.data() + offset(x, y); }
    const std::uint8_t* at(int x, int y) const { return pixels_.data() + offset(x, y); }

    int width_ = 0, height_ = 0;
    std::vector<std::uint8_t> pixels_;
};

}  // namespace ink::util
