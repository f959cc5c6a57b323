#pragma once
// Sample grids: many small grayscale images (MNIST digits, VAE decodes) tiled into one picture.
//
// Image k goes to row k / cols, column k % cols, left to right then top to bottom, as in the
// original Keras examples' 15 x 15 manifold and the GAN's 6 x 6 sample sheets.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/util/image.hpp"
#include "ink/util/text.hpp"

namespace ink::util {

struct GridOptions {
    int rows = 0;                   // 0: as many as the images need (with cols, or a square grid)
    int cols = 0;                   // 0: ceil(sqrt(n)) when rows is 0 too, else ceil(n / rows)
    int scale = 1;                  // each pixel becomes scale x scale (nearest neighbour)
    int padding = 2;                // pixels between cells and around the grid
    Rgb pad_color = colors::gray;   // seen between cells and in empty cells
    bool invert = false;            // 1 - v: dark strokes on a light ground
};

namespace detail {
inline std::uint8_t gray_level(float v, bool invert) {
    if (!std::isfinite(v)) v = 0.0f;
    v = std::clamp(v, 0.0f, 1.0f);
    if (invert) v = 1.0f - v;
    return static_cast<std::uint8_t>(std::lround(v * 255.0f));
}
}  // namespace detail

// Tiles n images of h x w values in [0, 1] (row-major, image after image; values outside are
// clipped, NaN shows black) into a grid.
inline Image image_grid(const float* data, index_t n, int h, int w, const GridOptions& opt = {}) {
    INK_CHECK(n > 0 && h > 0 && w > 0, "image_grid: expected at least one image of positive size, got ", n,
              " images of ", h, " x ", w);
    INK_CHECK(opt.scale >= 1 && opt.padding >= 0, "image_grid: scale must be >= 1 and padding >= 0, got scale ",
              opt.scale, ", padding ", opt.padding);
    INK_CHECK(opt.rows >= 0 && opt.cols >= 0, "image_grid: rows and cols must be >= 0 (0 = automatic)");
    int rows = opt.rows, cols = opt.cols;
    if (cols == 0) cols = rows > 0 ? static_cast<int>((n + rows - 1) / rows)
                                   : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)) - 1e-9));
    if (rows == 0) rows = static_cast<int>((n + cols - 1) / cols);
    INK_CHECK(static_cast<index_t>(rows) * cols >= n, "image_grid: a ", rows, " x ", cols, " grid cannot hold ", n,
              " images");
    const int cell_w = w * opt.scale, cell_h = h * opt.scale, pad = opt.padding;
    Image img(pad + cols * (cell_w + pad), pad + rows * (cell_h + pad), opt.pad_color);
    for (index_t k = 0; k < n; ++k) {
        const int x0 = pad + static_cast<int>(k % cols) * (cell_w + pad);
        const int y0 = pad + static_cast<int>(k / cols) * (cell_h + pad);
        const float* src = data + k * static_cast<index_t>(h) * w;
        for (int y = 0; y < cell_h; ++y)
            for (int x = 0; x < cell_w; ++x) {
                const std::uint8_t g = detail::gray_level(src[(y / opt.scale) * w + x / opt.scale], opt.invert);
                img.set(x0 + x, y0 + y, {g, g, g});
            }
    }
    return img;
}

// Tiles a tensor of images: (N, h, w), (N, h, w, 1) (NHWC with one channel), or (N, h*w) with square
// images (28 * 28 = 784 for MNIST).
template <class T>
Image image_grid(const Tensor<T>& images, const GridOptions& opt = {}) {
    INK_CHECK(images.defined(), "image_grid: the tensor is undefined");
    const Shape& s = images.shape();
    index_t h = 0, w = 0;
    if (s.rank() == 3 || (s.rank() == 4 && s[3] == 1)) {
        h = s[1];
        w = s[2];
    } else if (s.rank() == 2) {
        h = w = static_cast<index_t>(std::lround(std::sqrt(static_cast<double>(s[1]))));
        INK_CHECK(h * w == s[1], "image_grid: rows of ", s[1], " values are not square images; reshape to (N, h, w)");
    } else {
        ::ink::detail::fail("image_grid: expected images of shape (N, h, w), (N, h, w, 1) or (N, h*w), got ", s.str());
    }
    const Tensor<float> values = images.template cast<float>();
    return image_grid(values.data(), s[0], static_cast<int>(h), static_cast<int>(w), opt);
}

// Panels side by side, tops aligned, each with an optional caption centred above it (captions may
// be fewer than panels).
inline Image hstack(const std::vector<Image>& panels, const std::vector<std::string>& captions = {}, int gap = 16,
                    Rgb background = colors::white) {
    INK_CHECK(!panels.empty(), "hstack: no panels");
    INK_CHECK(captions.size() <= panels.size(), "hstack: ", captions.size(), " captions for ", panels.size(),
              " panels");
    const int margin = 8;
    const int caption_h = captions.empty() ? 0 : text_height() + 6;
    int width = margin, height = 0;
    for (const Image& p : panels) {
        width += p.width() + gap;
        height = std::max(height, p.height());
    }
    width += margin - gap;
    Image img(width, height + caption_h + 2 * margin, background);
    int x = margin;
    for (std::size_t i = 0; i < panels.size(); ++i) {
        if (i < captions.size())
            draw_text(img, x + panels[i].width() / 2, margin, captions[i], colors::black,
                      {.halign = Align::center});
        img.paste(panels[i], x, margin + caption_h);
        x += panels[i].width() + gap;
    }
    return img;
}

// "originals | reconstructions": two grids of the same layout, image k of one beside image k of the
// other, for judging an autoencoder at a glance.
template <class T>
Image reconstruction_grid(const Tensor<T>& originals, const Tensor<T>& reconstructions, const GridOptions& opt = {}) {
    INK_CHECK(originals.numel() == reconstructions.numel(), "reconstruction_grid: originals ", originals.shape().str(),
              " and reconstructions ", reconstructions.shape().str(), " differ in size");
    return hstack({image_grid(originals, opt), image_grid(reconstructions, opt)}, {"originals", "reconstructions"});
}

}  // namespace ink::util
