// Text: TrueType fonts checked as hostile input, antialiased glyphs where the metrics put them, the
// CJK fallback, font discovery and the bitmap fallback (util/truetype.hpp, util/text.hpp).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ink/util/text.hpp"
#include "support/tiny_font.hpp"

using namespace ink;
using namespace ink::util;

namespace {

struct InkBox {
    int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // [x0, x1) x [y0, y1)
    long full = 0, partial = 0;                       // pixels fully and partly inked
};
// Where black text landed on a white image.
InkBox ink_box(const Image& img) {
    InkBox b;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const Rgb p = img.pixel(x, y);
            if (p == colors::white) continue;
            (p == colors::black ? b.full : b.partial) += 1;
            b.x0 = std::min(b.x0, x);
            b.y0 = std::min(b.y0, y);
            b.x1 = std::max(b.x1, x + 1);
            b.y1 = std::max(b.y1, y + 1);
        }
    return b;
}

Typeface tiny_typeface() {
    return Typeface({std::make_shared<const TrueTypeFont>(test::tiny_latin_font(), "tiny-latin"),
                     std::make_shared<const TrueTypeFont>(test::tiny_cjk_font(), "tiny-cjk")});
}

std::filesystem::path scratch_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("ink-test-text-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("text: UTF-8 decoding, malformed bytes become U+FFFD") {
    auto decode = [](std::string_view s) {
        std::u32string out;
        for (std::size_t i = 0; i < s.size();) out += util::detail::next_code_point(s, i);
        return out;
    };
    CHECK(decode("a\xC3\xA9\xE4\xB8\x80\xF0\x9F\x98\x80") == U"a\u00E9\u4E00\U0001F600");
    CHECK(decode("\xC3") == U"\uFFFD");                  // truncated
    CHECK(decode("\xC0\xAF") == U"\uFFFD\uFFFD");        // overlong
    CHECK(decode("\xED\xA0\x80") == U"\uFFFD");          // a surrogate
    CHECK(decode("\xFF" "a") == U"\uFFFDa");
    CHECK(decode("\xE4\xB8" "a") == U"\uFFFDa");         // a cut sequence does not swallow the next character
}

TEST_CASE("text: a TrueType glyph is inked exactly where its outline and the metrics put it") {
    const Typeface face = tiny_typeface();
    // Size 100: scale 0.1, baseline at row 80; 'I' is the rectangle x [10, 30), y [10, 80).
    const TextStyle style{.size = 100, .typeface = &face};
    CHECK(text_height(style) == 100);
    CHECK(text_width("I", style) == 50);
    CHECK(text_width("IL", style) == 140);
    Image img(200, 120);
    draw_text(img, 0, 0, "I", colors::black, style);
    InkBox b = ink_box(img);
    CHECK(b.x0 == 10);
    CHECK(b.x1 == 30);
    CHECK(b.y0 == 10);
    CHECK(b.y1 == 80);
    CHECK(b.full == 20 * 70);
    CHECK(b.partial == 0);

    // Edges between pixels: partial columns and rows, and the ink area is still the outline's.
    const TextStyle small{.size = 15, .typeface = &face};  // scale 0.015: 'I' is x [1.5, 4.5), y [1.5, 12)
    img.fill(colors::white);
    draw_text(img, 0, 0, "I", colors::black, small);
    b = ink_box(img);
    CHECK(b.x0 == 1);
    CHECK(b.x1 == 5);
    CHECK(b.partial > 0);
    double coverage = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) coverage += 1.0 - img.pixel(x, y).r / 255.0;
    CHECK(coverage == doctest::Approx(3.0 * 10.5).epsilon(0.03));

    // The composite 'L' (two copies of the bar 40 px apart) after the advance of 'I' (50 px).
    img.fill(colors::white);
    draw_text(img, 0, 0, "IL", colors::black, style);
    b = ink_box(img);
    CHECK(b.x1 == 120);
    CHECK(b.full == 3 * 20 * 70);
    CHECK(img.pixel(65, 40) == colors::black);
    CHECK(img.pixel(85, 40) == colors::white);
    CHECK(img.pixel(105, 40) == colors::black);
}

TEST_CASE("text: anchors, rotation, the CJK fallback and missing characters") {
    const Typeface face = tiny_typeface();
    const TextStyle style{.size = 100, .typeface = &face};
    Image img(300, 300);
    // Right/bottom anchor at (200, 150): the 50 x 100 box of "I" is [150, 200) x [50, 150).
    draw_text(img, 200, 150, "I", colors::black, {.size = 100, .halign = Align::end, .valign = Align::end, .typeface = &face});
    InkBox b = ink_box(img);
    CHECK(b.x0 == 160);
    CHECK(b.y0 == 60);
    CHECK(b.y1 == 130);

    // Rotated counter-clockwise: the box is 100 wide and 50 high, the bar lies along x.
    img.fill(colors::white);
    draw_text(img, 0, 0, "I", colors::black, {.size = 100, .vertical = true, .typeface = &face});
    b = ink_box(img);
    CHECK(b.x0 == 10);
    CHECK(b.x1 == 80);
    CHECK(b.y0 == 50 - 30);
    CHECK(b.y1 == 50 - 10);

    // U+4E00 is not in the Latin font: the second font draws it (a bar x [0, 100), y [30, 50)).
    img.fill(colors::white);
    draw_text(img, 0, 0, "\xE4\xB8\x80", colors::black, style);
    b = ink_box(img);
    CHECK(b.x0 == 0);
    CHECK(b.x1 == 100);
    CHECK(b.y0 == 30);
    CHECK(b.y1 == 50);
    CHECK(text_width("I\xE4\xB8\x80", style) == 150);

    // A character no font has takes the Latin font's '?' (here the empty .notdef, 30 px).
    img.fill(colors::white);
    draw_text(img, 0, 0, "xI", colors::black, style);
    CHECK(ink_box(img).x0 == 30 + 10);
    CHECK(text_width("x", style) == 30);
}

TEST_CASE("text: the built-in bitmap font") {
    const Typeface bitmap;
    CHECK(bitmap.is_bitmap());
    const TextStyle style{.size = 13, .typeface = &bitmap};
    CHECK(text_width("abc", style) == 3 * bitmap_font::glyph_width);
    CHECK(text_width("\xC3\xA9t\xC3\xA9", style) == 3 * bitmap_font::glyph_width);  // 3 characters
    CHECK(text_height({.size = 39, .typeface = &bitmap}) == 3 * bitmap_font::glyph_height);

    // "I" of the 6x13 font: a bar at column 2, rows 2..10, with serifs at rows 2 and 10.
    Image img(20, 30);
    draw_text(img, 0, 0, "I", colors::black, style);
    CHECK(img.pixel(2, 5) == colors::black);
    CHECK(img.pixel(1, 2) == colors::black);
    CHECK(img.pixel(1, 5) == colors::white);
    CHECK(img.pixel(2, 0) == colors::white);
    const InkBox one = ink_box(img);
    CHECK(one.partial == 0);

    // Size 26: every pixel doubled.
    img.fill(colors::white);
    draw_text(img, 0, 0, "I", colors::black, {.size = 26, .typeface = &bitmap});
    const InkBox two = ink_box(img);
    CHECK(two.full == 4 * one.full);
    CHECK(two.x0 == 2 * one.x0);
    CHECK(two.y1 == 2 * one.y1);
    CHECK_THROWS_AS(draw_text(img, 0, 0, "x", colors::black, {.size = 0, .typeface = &bitmap}), Error);
}

TEST_CASE("text: fonts are found by variable, then by path; none found means the bitmap font") {
    const auto dir = scratch_dir();
    const auto good = (dir / "tiny.ttf").string(), bad = (dir / "bad.ttf").string();
    write_file(good, test::tiny_latin_font());
    write_file(bad, test::tiny_latin_font().substr(0, 100));
    const std::string missing = (dir / "missing.ttf").string();

    ::unsetenv("INK_TEST_FONT");
    CHECK(util::detail::find_font("INK_TEST_FONT", {missing.c_str()}) == nullptr);
    const auto found = util::detail::find_font("INK_TEST_FONT", {missing.c_str(), good.c_str()});
    REQUIRE(found != nullptr);
    CHECK(found->name() == good);
    // A corrupt file at a standard path is an error naming it, not a silent fallback.
    CHECK_THROWS_WITH_AS(util::detail::find_font("INK_TEST_FONT", {bad.c_str()}), doctest::Contains(bad.c_str()), Error);
    // The variable wins, and a file it names must be usable.
    ::setenv("INK_TEST_FONT", good.c_str(), 1);
    CHECK(util::detail::find_font("INK_TEST_FONT", {})->name() == good);
    ::setenv("INK_TEST_FONT", missing.c_str(), 1);
    CHECK_THROWS_WITH_AS(util::detail::find_font("INK_TEST_FONT", {good.c_str()}), doctest::Contains(missing.c_str()), Error);
    ::unsetenv("INK_TEST_FONT");
    CHECK_THROWS_WITH_AS(TrueTypeFont::load(dir.string()), doctest::Contains("directory"), Error);

    // No Latin font: the bitmap font, with one line on stderr.
    const char* saved = std::getenv("INK_FONT");
    const std::string saved_value = saved ? saved : "";
    ::unsetenv("INK_FONT");
    CHECK(util::detail::find_typeface({missing.c_str()}, {}).is_bitmap());
    const Typeface t = util::detail::find_typeface({good.c_str()}, {missing.c_str(), good.c_str()});
    CHECK(t.fonts().size() == 2);
    ::setenv("INK_FONT", "builtin", 1);
    CHECK(util::detail::find_typeface({good.c_str()}, {}).is_bitmap());
    if (saved) ::setenv("INK_FONT", saved_value.c_str(), 1); else ::unsetenv("INK_FONT");
    std::filesystem::remove_all(dir);
}

TEST_CASE("text: a corrupt font is an Error naming it, whatever the damage") {
    const std::string font = test::tiny_latin_font();
    auto load = [](std::string bytes) { return TrueTypeFont(std::move(bytes), "broken.ttf"); };
    CHECK_NOTHROW(load(font));
    // Every truncation into the tables fails cleanly (only the last table's zero padding may go).
    const std::size_t tables_end = font.find_last_not_of('\0') + 1;
    CHECK(tables_end + 4 > font.size());
    for (std::size_t n = 0; n < tables_end; ++n)
        CHECK_THROWS_WITH_AS(load(font.substr(0, n)), doctest::Contains("font 'broken.ttf'"), Error);
    // Every byte set to 0xFF or 0x80: refused with an Error, or usable without a crash (ASan watches).
    for (std::size_t i = 0; i < font.size(); ++i)
        for (const char v : {'\xFF', '\x80'}) {
            std::string damaged = font;
            damaged[i] = v;
            try {
                const Typeface face({std::make_shared<const TrueTypeFont>(std::move(damaged), "broken.ttf")});
                Image img(64, 32);
                draw_text(img, 0, 0, "IL?", colors::black, {.size = 20, .typeface = &face});
                draw_text(img, 0, 0, "LI", colors::black, {.size = 20, .vertical = true, .typeface = &face});
            } catch (const Error& e) {
                CHECK(std::string(e.what()).find("broken.ttf") != std::string::npos);
            }
        }
    // Specific damage, specific messages. Offsets inside the tiny font: the table directory starts at
    // byte 12 (cmap first, 16 bytes per record); cmap's subtable starts 12 bytes into cmap.
    const auto cmap_at = static_cast<std::size_t>(static_cast<unsigned char>(font[12 + 8 + 2]) << 8 |
                                                  static_cast<unsigned char>(font[12 + 8 + 3]));
    std::string format2 = font;
    format2[cmap_at + 12 + 1] = 2;
    CHECK_THROWS_WITH_AS(load(format2), doctest::Contains("format 2"), Error);
    std::string otto = font;
    otto.replace(0, 4, "OTTO");
    CHECK_THROWS_WITH_AS(load(otto), doctest::Contains("CFF"), Error);
    // The composite 'L' made of itself (its components name glyph 2 instead of 1): a cycle.
    const std::string latin = test::tiny_font({{U'I', 100, 0, 300, 700, 500}, {U'L', 100, 0, 700, 700, 900, {{0, 0}}}});
    std::string cyclic = latin;
    const std::size_t glyf_at = static_cast<std::size_t>(static_cast<unsigned char>(latin[28 + 10]) << 8 |
                                                         static_cast<unsigned char>(latin[28 + 11]));
    const std::size_t at = cyclic.find(std::string("\x00\x03\x00\x01", 4), glyf_at);  // flags (words, x/y), glyph 1
    REQUIRE(at != std::string::npos);
    cyclic[at + 3] = 2;
    CHECK_THROWS_WITH_AS(load(cyclic), doctest::Contains("contains itself"), Error);
    // Components multiplying components: 100 copies of 100 copies of 100 copies of a 4-point bar.
    const std::vector<std::pair<std::int16_t, std::int16_t>> hundred(100, {0, 0});
    std::vector<test::TinyGlyph> towers{{U'A', 0, 0, 100, 100, 200}};
    for (const char32_t c : {U'B', U'C', U'D'}) towers.push_back({c, 0, 0, 100, 100, 200, hundred});
    CHECK_THROWS_WITH_AS(load(test::tiny_font(towers)), doctest::Contains("expands to more than"), Error);
    towers.pop_back();  // 40000 points: allowed
    CHECK_NOTHROW(load(test::tiny_font(towers)));
}

TEST_CASE("text: DejaVu Sans, where installed, gives antialiased labels of the expected size") {
    const char* path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (!util::detail::is_regular_file(path)) {
        MESSAGE("DejaVuSans.ttf is not installed (fonts-dejavu-core): skipped");
        return;
    }
    const Typeface face({TrueTypeFont::load(path)});
    const TextStyle style{.size = 20, .typeface = &face};
    Image img(200, 40);
    draw_text(img, 5, 5, "Hxl", colors::black, style);
    const InkBox b = ink_box(img);
    // Cap height of DejaVu Sans: 0.729 em; at a 20 px line (1.164 em of ascent + descent) about 12.5 px,
    // standing on the baseline at 5 + round(0.928 em * 20 / 1.164) = 5 + 16.
    CHECK(b.y1 == 5 + 16);
    CHECK(b.y1 - b.y0 >= 12);
    CHECK(b.y1 - b.y0 <= 15);
    CHECK(b.x0 >= 5 + 1);
    CHECK(b.x1 <= 5 + text_width("Hxl", style));
    CHECK(b.partial > b.full / 4);  // antialiased edges
    CHECK(text_width("Hxl", style) > text_width("lll", style));  // proportional
}
