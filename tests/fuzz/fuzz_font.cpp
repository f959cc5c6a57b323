// libFuzzer target: TrueType font loading and glyph rasterisation (util/truetype.hpp, util/text.hpp).
// stb_truetype trusts its input, so the whole path is fuzzed: the checks of TrueTypeFont's
// constructor, then stb reading cmap, metrics and outlines and rasterising them.
// Oracle beyond "no crash": an Error names the file; a font that loads measures and draws text
// (horizontal and rotated) without an Error, and drawing is a function of the bytes (a second
// drawing is identical).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuzz/support.hpp"
#include "ink/util/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ink::util;
    std::shared_ptr<const TrueTypeFont> font;
    try {
        font = std::make_shared<const TrueTypeFont>(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ttf");
    } catch (const ink::Error& e) {
        INK_FUZZ_EXPECT(std::strstr(e.what(), "fuzz.ttf") != nullptr);
        return 0;
    }
    const Typeface face({font});
    // Latin, a composite-heavy accent, CJK, a character beyond the BMP (cmap format 12) and '?'.
    const char* text = "Il\xC3\xA9\xE4\xB8\x80\xF0\x9F\x98\x80?";
    const TextStyle style{.size = 24, .typeface = &face};
    const int width = text_width(text, style);
    INK_FUZZ_EXPECT(width >= 0 && text_height(style) == 24);
    Image a(96, 48), b(96, 48);
    draw_text(a, 4, 4, text, colors::black, style);
    draw_text(a, 4, 4, text, colors::black, {.size = 24, .vertical = true, .typeface = &face});
    draw_text(b, 4, 4, text, colors::black, style);
    draw_text(b, 4, 4, text, colors::black, {.size = 24, .vertical = true, .typeface = &face});
    INK_FUZZ_EXPECT(std::memcmp(a.data(), b.data(), 96 * 48 * 3) == 0);
    return 0;
}
