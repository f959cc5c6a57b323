#pragma once
// conv1d shapes for ink-conv-bench: checking one shape's parameters, and reading many from a file
// (--shapes FILE). The file is outside input: bounded in size and count, numbers parsed strictly, every
// error names the file and line and says what was expected.
//
// Format: one shape per line as key=value words, the keys being ink-conv-bench's long options; blank
// lines and lines starting with '#' are skipped.
//   batch=64 length=256 cin=128 cout=256 kernel=3 padding=same
//   batch=32 length=1024 cin=64 cout=64 kernel=5 stride=2 dilation=1 padding=explicit pad-left=2 pad-right=1
// batch, length, cin, cout and kernel are required; stride and dilation default to 1, padding to same.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/file.hpp"
#include "ink/core/parse.hpp"
#include "ink/kernels/conv1d.hpp"

namespace ink::bench {

constexpr index_t kMaxConvDimension = index_t(1) << 24;
constexpr double kMaxConvFloats = double(std::int64_t(1) << 28);  // 1 GiB of float buffers per shape
constexpr std::uint64_t kMaxShapesFileBytes = std::uint64_t(1) << 20;
constexpr std::size_t kMaxShapes = 1000;

// The floats the benchmark allocates for p: x, dx, w, dw, y, dy, bias and Eigen's im2col buffer.
inline double conv_bench_floats(const kernels::Conv1dParams& p) {
    const double Lo = double(p.length_out()), B = double(p.batch);
    const double x = B * double(p.length) * double(p.channels_in), y = B * Lo * double(p.channels_out);
    const double w = double(p.kernel) * double(p.channels_in) * double(p.channels_out);
    return 2 * x + 2 * y + 2 * w + double(p.channels_out) + B * Lo * double(p.kernel) * double(p.channels_in);
}

// Throws (prefixed with `where`) unless p has an output and fits the benchmark's memory bound.
inline void check_conv_shape(const kernels::Conv1dParams& p, const std::string& where) {
    INK_CHECK(p.length_out() >= 1, where, ": the kernel's span ", p.span(), " exceeds the padded length ",
              p.length + p.pad_left + p.pad_right);
    INK_CHECK(conv_bench_floats(p) <= kMaxConvFloats, where, ": the shape needs ", conv_bench_floats(p),
              " floats of buffers, more than the limit of ", kMaxConvFloats);
}

namespace detail {

inline index_t conv_shape_value(std::string_view key, std::string_view text, index_t min, const std::string& where) {
    const auto v = parse_number<index_t>(text, where + ": " + std::string(key));
    INK_CHECK(v >= min && v <= kMaxConvDimension, where, ": ", key, " must be in [", min, ", ", kMaxConvDimension,
              "], got ", v);
    return v;
}

inline kernels::Conv1dParams parse_conv_shape_line(std::string_view line, const std::string& where) {
    kernels::Conv1dParams p;
    struct Field {
        std::string_view key;
        index_t* value;
        index_t min;
        bool seen = false;
    };
    Field fields[] = {{"batch", &p.batch, 1},         {"length", &p.length, 1},        {"cin", &p.channels_in, 1},
                      {"cout", &p.channels_out, 1},   {"kernel", &p.kernel, 1},        {"stride", &p.stride, 1},
                      {"dilation", &p.dilation, 1},   {"pad-left", &p.pad_left, 0},    {"pad-right", &p.pad_right, 0}};
    std::string_view padding = "same";
    bool padding_seen = false;
    constexpr std::string_view kKeys = "batch, length, cin, cout, kernel, stride, dilation, padding, pad-left, pad-right";
    std::size_t pos = 0;
    while (pos < line.size()) {
        if (line[pos] == ' ' || line[pos] == '\t') {
            ++pos;
            continue;
        }
        const std::size_t end = std::min(line.find_first_of(" \t", pos), line.size());
        const std::string_view word = line.substr(pos, end - pos);
        pos = end;
        const std::size_t eq = word.find('=');
        INK_CHECK(eq != std::string_view::npos, where, ": expected key=value, got \"", word, "\"");
        const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
        if (key == "padding") {
            INK_CHECK(!padding_seen, where, ": padding given twice");
            INK_CHECK(value == "same" || value == "valid" || value == "explicit", where,
                      ": padding must be same, valid or explicit, got \"", value, "\"");
            padding = value;
            padding_seen = true;
            continue;
        }
        Field* field = nullptr;
        for (Field& f : fields)
            if (f.key == key) field = &f;
        INK_CHECK(field != nullptr, where, ": unknown key \"", key, "\" (expected one of ", kKeys, ")");
        INK_CHECK(!field->seen, where, ": ", key, " given twice");
        *field->value = conv_shape_value(key, value, field->min, where);
        field->seen = true;
    }
    for (int i = 0; i < 5; ++i)
        INK_CHECK(fields[i].seen, where, ": missing ", fields[i].key, " (batch, length, cin, cout and kernel are required)");
    const bool pads_given = fields[7].seen || fields[8].seen;
    INK_CHECK(!pads_given || padding == "explicit", where, ": pad-left and pad-right need padding=explicit");
    if (padding == "explicit")
        p.set_padding(Padding::Explicit, p.pad_left, p.pad_right);
    else
        p.set_padding(padding == "same" ? Padding::Same : Padding::Valid);
    check_conv_shape(p, where);
    return p;
}

}  // namespace detail

// The shapes listed in `text`, read from `path` (named in errors as path:line).
inline std::vector<kernels::Conv1dParams> parse_conv_shapes(std::string_view text, const std::string& path) {
    std::vector<kernels::Conv1dParams> shapes;
    std::size_t line_number = 0, pos = 0;
    while (pos < text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') continue;
        const std::string where = path + ":" + std::to_string(line_number);
        INK_CHECK(line.find('\0') == std::string_view::npos, where, ": a NUL byte (not a text file?)");
        INK_CHECK(shapes.size() < kMaxShapes, where, ": more than ", kMaxShapes, " shapes");
        shapes.push_back(detail::parse_conv_shape_line(line, where));
    }
    INK_CHECK(!shapes.empty(), path, ": no shapes (one key=value line per shape, e.g. "
                                     "\"batch=64 length=256 cin=128 cout=256 kernel=3\")");
    return shapes;
}

inline std::vector<kernels::Conv1dParams> read_conv_shapes(const std::string& path) {
    return parse_conv_shapes(read_regular_file(path, "--shapes file", kMaxShapesFileBytes), path);
}

}  // namespace ink::bench
