#pragma once
// Text on an Image: antialiased labels from TrueType fonts found at run time, or the built-in 6x13
// bitmap font when the machine has none.
//
// A Typeface is a list of fonts tried in order for each character: DejaVu Sans for Latin text, then
// a CJK font (WenQuanYi Micro Hei) for the characters of couplets. Typeface::system() finds them
// once per process at the standard Debian paths; the environment variables INK_FONT and
// INK_CJK_FONT name other files, and INK_FONT=builtin forces the bitmap font (bit-identical
// pictures on every machine). A machine without a Latin font falls back to the bitmap font with
// one line on stderr; a font file that exists but is corrupt is an Error naming it.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/util/bitmap_font.hpp"
#include "ink/util/image.hpp"
#include "ink/util/truetype.hpp"

namespace ink::util {

class Typeface {
public:
    Typeface() = default;  // the built-in bitmap font
    explicit Typeface(std::vector<std::shared_ptr<const TrueTypeFont>> fonts) : fonts_(std::move(fonts)) {}

    bool is_bitmap() const { return fonts_.empty(); }
    const std::vector<std::shared_ptr<const TrueTypeFont>>& fonts() const { return fonts_; }

    // The fonts of this machine, found at the first call (see the top of this file).
    static const Typeface& system();

private:
    std::vector<std::shared_ptr<const TrueTypeFont>> fonts_;
};

// Where the anchor point given to draw_text lies on the text's box, along one screen axis.
enum class Align { start, center, end };  // left/top, middle, right/bottom

struct TextStyle {
    double size = 16;              // line height in pixels (the bitmap font: 13 x round(size / 13))
    bool vertical = false;         // rotated 90 degrees counter-clockwise, reading bottom to top
    Align halign = Align::start;   // x is the box's left edge, centre or right edge
    Align valign = Align::start;   // y is the box's top edge, middle or bottom edge
    const Typeface* typeface = nullptr;  // nullptr: Typeface::system()
};

namespace detail {

inline bool is_regular_file(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

// The font named by environment variable `variable` (an error if it cannot be used: the user asked
// for it), else the first of `candidates` that exists, else nullptr.
inline std::shared_ptr<const TrueTypeFont> find_font(const char* variable, std::initializer_list<const char*> candidates) {
    if (const char* path = std::getenv(variable); path && *path) return TrueTypeFont::load(path);
    for (const char* path : candidates)
        if (is_regular_file(path)) return TrueTypeFont::load(path);
    return nullptr;
}

// INK_FONT=builtin, else the first Latin font found (an Error if INK_FONT names a bad file), plus
// the first CJK font found, if any.
inline Typeface find_typeface(std::initializer_list<const char*> latin_paths, std::initializer_list<const char*> cjk_paths) {
    if (const char* choice = std::getenv("INK_FONT"); choice && std::string_view(choice) == "builtin") return {};
    auto latin = find_font("INK_FONT", latin_paths);
    if (!latin) {
        std::fprintf(stderr, "ink: no DejaVuSans.ttf found (Debian: fonts-dejavu-core; or set INK_FONT=file.ttf): "
                             "text is drawn with the built-in 6x13 bitmap font\n");
        return {};
    }
    std::vector<std::shared_ptr<const TrueTypeFont>> fonts{std::move(latin)};
    if (auto cjk = find_font("INK_CJK_FONT", cjk_paths)) fonts.push_back(std::move(cjk));
    return Typeface(std::move(fonts));
}

// The next code point of UTF-8 text from byte i (advanced past it); malformed bytes give U+FFFD.
inline char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = byte(i++);
    if (b < 0x80) return b;
    const int extra = b >= 0xC2 && b < 0xE0 ? 1 : b >= 0xE0 && b < 0xF0 ? 2 : b >= 0xF0 && b < 0xF5 ? 3 : -1;
    if (extra < 0) return U'\uFFFD';
    char32_t c = b & (0x3Fu >> extra);
    for (int k = 0; k < extra; ++k) {
        if (i >= s.size() || (byte(i) & 0xC0) != 0x80) return U'\uFFFD';
        c = c << 6 | (byte(i++) & 0x3Fu);
    }
    const char32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    return c < smallest[extra] || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000) ? U'\uFFFD' : c;
}

// Text laid out on one line: each character's font and glyph, and its pen position from the left edge.
struct TextLayout {
    struct Placed {
        const TrueTypeFont* font;  // nullptr: the bitmap font
        int glyph;                 // the bitmap font: the code point
        float pen_x, scale;
    };
    std::vector<Placed> glyphs;
    int width = 0, height = 0, baseline = 0;  // box size; baseline: rows from the top (TrueType)
    int bitmap_scale = 1;
};

inline TextLayout layout_text(std::string_view text, const TextStyle& style) {
    INK_CHECK(style.size >= 4 && style.size <= 512, "text: size must be in [4, 512] pixels, got ", style.size);
    const Typeface& face = style.typeface ? *style.typeface : Typeface::system();
    TextLayout out;
    if (face.is_bitmap()) {
        out.bitmap_scale = std::max(1, static_cast<int>(std::lround(style.size / bitmap_font::glyph_height)));
        const auto cell = static_cast<float>(bitmap_font::glyph_width * out.bitmap_scale);
        for (std::size_t i = 0; i < text.size();) {
            const char32_t c = next_code_point(text, i);
            out.glyphs.push_back({nullptr, static_cast<int>(c), static_cast<float>(out.glyphs.size()) * cell, 1.0f});
        }
        out.width = static_cast<int>(out.glyphs.size()) * bitmap_font::glyph_width * out.bitmap_scale;
        out.height = bitmap_font::glyph_height * out.bitmap_scale;
        return out;
    }
    const auto pixels = static_cast<float>(style.size);
    const TrueTypeFont& primary = *face.fonts().front();
    out.height = static_cast<int>(std::lround(style.size));
    out.baseline = static_cast<int>(std::lround(primary.ascent() * primary.scale_for_height(pixels)));
    float pen = 0;
    for (std::size_t i = 0; i < text.size();) {
        const char32_t c = next_code_point(text, i);
        const TrueTypeFont* font = &primary;
        int g = 0;
        for (const auto& f : face.fonts())
            if ((g = f->glyph(c)) != 0) {
                font = f.get();
                break;
            }
        if (g == 0) g = primary.glyph(U'?');  // a character no font has
        const float scale = font->scale_for_height(pixels);
        out.glyphs.push_back({font, g, pen, scale});
        pen += static_cast<float>(font->advance(g)) * scale;
    }
    out.width = static_cast<int>(std::ceil(pen));
    return out;
}

inline int anchor_offset(Align a, int extent) {
    return a == Align::start ? 0 : a == Align::center ? extent / 2 : extent;
}

}  // namespace detail

inline const Typeface& Typeface::system() {
    static const Typeface found = detail::find_typeface(
        {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
         "/usr/share/fonts/dejavu/DejaVuSans.ttf"},
        {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"});
    return found;
}

// Size of the box draw_text fills for `text`, before any rotation.
inline int text_width(std::string_view text, const TextStyle& style = {}) { return detail::layout_text(text, style).width; }
inline int text_height(const TextStyle& style = {}) { return detail::layout_text("", style).height; }

// Draws UTF-8 `text` so that (x, y) is the anchor of its box. Characters that no font of the
// typeface has show as '?' (the bitmap font has printable ASCII only).
inline void draw_text(Image& img, int x, int y, std::string_view text, Rgb color, const TextStyle& style = {}) {
    const detail::TextLayout t = detail::layout_text(text, style);
    const int box_w = style.vertical ? t.height : t.width, box_h = style.vertical ? t.width : t.height;
    const int left = x - detail::anchor_offset(style.halign, box_w);
    const int top = y - detail::anchor_offset(style.valign, box_h);
    // (u, v): position in the unrotated text box. Counter-clockwise rotation puts its left end at
    // the bottom of the screen box.
    auto put = [&](int u, int v, float alpha) {
        if (style.vertical)
            img.blend(left + v, top + (t.width - 1 - u), color, alpha);
        else
            img.blend(left + u, top + v, color, alpha);
    };
    const int max_glyph = 4 * t.height + 8;
    for (const auto& p : t.glyphs) {
        const int pen = static_cast<int>(std::floor(p.pen_x));
        if (!p.font) {
            const int s = t.bitmap_scale;
            for (int v = 0; v < t.height; ++v)
                for (int u = 0; u < bitmap_font::glyph_width * s; ++u)
                    if (bitmap_font::ink_at(static_cast<char32_t>(p.glyph), u / s, v / s)) put(pen + u, v, 1.0f);
            continue;
        }
        const GlyphCoverage g = p.font->rasterize(p.glyph, p.scale, p.pen_x - static_cast<float>(pen), max_glyph);
        for (int gy = 0; gy < g.h; ++gy)
            for (int gx = 0; gx < g.w; ++gx)
                if (const std::uint8_t c = g.coverage[static_cast<std::size_t>(gy) * static_cast<std::size_t>(g.w) + static_cast<std::size_t>(gx)])
                    put(pen + g.x0 + gx, t.baseline + g.y0 + gy, static_cast<float>(c) / 255.0f);
    }
}

}  // namespace ink::util
