// libFuzzer target: ink-conv-bench's --shapes file reader (bench/conv_shapes.hpp).
// Oracle beyond "no crash": a file that parses gives at least one shape, each within the bench's
// bounds (check_conv_shape accepts it again), and parsing is a function of the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../../bench/conv_shapes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<ink::kernels::Conv1dParams> shapes;
    try {
        shapes = ink::bench::parse_conv_shapes(text, "fuzz.txt");
    } catch (const ink::Error&) {
        return 0;
    }
    if (shapes.empty()) std::abort();
    for (const auto& p : shapes) ink::bench::check_conv_shape(p, "fuzz.txt");  // throws: a finding
    const auto again = ink::bench::parse_conv_shapes(text, "fuzz.txt");
    if (again.size() != shapes.size()) std::abort();
    for (std::size_t i = 0; i < shapes.size(); ++i)
        if (again[i].batch != shapes[i].batch || again[i].length != shapes[i].length ||
            again[i].channels_in != shapes[i].channels_in || again[i].channels_out != shapes[i].channels_out ||
            again[i].kernel != shapes[i].kernel || again[i].pad_left != shapes[i].pad_left)
            std::abort();
    return 0;
}
