// Sample grids (util/grid.hpp).
#include <doctest/doctest.h>

#include <vector>

#include "ink/util/grid.hpp"

using namespace ink;
using namespace ink::util;

namespace {
// n images of h x w, image k filled with the value k / 10.
Tensor<float> constant_images(index_t n, index_t h, index_t w) {
    Tensor<float> t(Shape{n, h, w});
    for (index_t k = 0; k < n; ++k)
        for (index_t i = 0; i < h * w; ++i) t[k * h * w + i] = static_cast<float>(k) / 10.0f;
    return t;
}
std::uint8_t level(int k) { return static_cast<std::uint8_t>(std::lround(k / 10.0 * 255.0)); }
}  // namespace

TEST_CASE("image_grid: image k lands in row k / cols, column k % cols") {
    const int h = 3, w = 4, pad = 2;
    const Tensor<float> images = constant_images(5, h, w);
    const Image img = image_grid(images, {.cols = 3, .padding = pad, .pad_color = Rgb{255, 0, 0}});
    CHECK(img.width() == pad + 3 * (w + pad));
    CHECK(img.height() == pad + 2 * (h + pad));
    for (int k = 0; k < 5; ++k) {
        const int x0 = pad + (k % 3) * (w + pad), y0 = pad + (k / 3) * (h + pad);
        const std::uint8_t g = level(k);
        CAPTURE(k);
        CHECK(img.pixel(x0, y0) == Rgb{g, g, g});
        CHECK(img.pixel(x0 + w - 1, y0 + h - 1) == Rgb{g, g, g});
        CHECK(img.pixel(x0 - 1, y0) == Rgb{255, 0, 0});  // padding to its left
    }
    // The sixth cell is empty: padding colour.
    CHECK(img.pixel(pad + 2 * (w + pad) + 1, pad + (h + pad) + 1) == Rgb{255, 0, 0});
}

TEST_CASE("image_grid: layouts, scaling, shapes and value handling") {
    // Automatic: 10 images -> 4 x 4 columns, 3 rows.
    const Image square = image_grid(constant_images(10, 2, 2), {.padding = 0});
    CHECK(square.width() == 4 * 2);
    CHECK(square.height() == 3 * 2);
    // Fixed rows: 10 images in 2 rows -> 5 columns.
    CHECK(image_grid(constant_images(10, 2, 2), {.rows = 2, .padding = 0}).width() == 10);
    CHECK_THROWS_AS(image_grid(constant_images(10, 2, 2), {.rows = 2, .cols = 2}), Error);

    // Scale 3: every source pixel is a 3 x 3 block; (N, h*w) rows are square images.
    Tensor<float> flat(Shape{1, 4}, {0.0f, 1.0f, 1.0f, 0.0f});
    const Image big = image_grid(flat, {.scale = 3, .padding = 1});
    CHECK(big.width() == 1 + 6 + 1);
    CHECK(big.pixel(1, 1) == colors::black);
    CHECK(big.pixel(3, 3) == colors::black);
    CHECK(big.pixel(4, 1) == colors::white);
    CHECK(big.pixel(6, 3) == colors::white);
    CHECK(big.pixel(4, 4) == colors::black);
    CHECK(big.pixel(1, 4) == colors::white);
    CHECK(image_grid(flat, {.padding = 0, .invert = true}).pixel(0, 0) == colors::white);

    // NHWC with one channel, doubles, values outside [0, 1] clipped.
    Tensor<double> nhwc(Shape{2, 1, 1, 1}, {-3.0, 7.0});
    const Image clipped = image_grid(nhwc, {.cols = 2, .padding = 0});
    CHECK(clipped.pixel(0, 0) == colors::black);
    CHECK(clipped.pixel(1, 0) == colors::white);

    CHECK_THROWS_WITH_AS(image_grid(Tensor<float>(Shape{2, 5})), doctest::Contains("square"), Error);
    CHECK_THROWS_WITH_AS(image_grid(Tensor<float>(Shape{2, 2, 2, 3})), doctest::Contains("[2, 2, 2, 3]"), Error);
}

TEST_CASE("reconstruction_grid: originals and reconstructions side by side, captioned") {
    const Tensor<float> a = constant_images(4, 5, 5), b = constant_images(4, 5, 5);
    const GridOptions opt{.scale = 2, .padding = 1};
    const Image one = image_grid(a, opt);
    const Image both = reconstruction_grid(a, b, opt);
    CHECK(both.width() > 2 * one.width());
    CHECK(both.height() > one.height() + text_height());
    CHECK_THROWS_AS(reconstruction_grid(a, constant_images(3, 5, 5), opt), Error);
    CHECK_THROWS_AS(hstack({}), Error);
}
