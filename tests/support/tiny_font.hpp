#pragma once
// A TrueType font built in memory from a few glyphs of known shape, so that tests can predict every
// pixel of rendered text and corrupt a font byte by byte without shipping a font file. Also the seed
// of the fuzz target tests/fuzz/fuzz_font.cpp.
//
// Units: 1000 per em, ascent 800, descent -200, so that a line of h pixels has scale h / 1000 and
// its baseline at 0.8 h. Glyph 0 is an empty .notdef (advance 300).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ink::test {

struct TinyGlyph {
    char32_t code_point;
    std::int16_t x0, y0, x1, y1;  // a filled rectangle, in font units
    std::uint16_t advance;
    std::vector<std::pair<std::int16_t, std::int16_t>> copies{};  // non-empty: a composite glyph made
                                                                  // of the previous glyph at these offsets
};

namespace detail {
inline void put16(std::string& s, std::uint32_t v) {
    s += static_cast<char>((v >> 8) & 0xFF);
    s += static_cast<char>(v & 0xFF);
}
inline void put32(std::string& s, std::uint32_t v) {
    put16(s, v >> 16);
    put16(s, v & 0xFFFF);
}
}  // namespace detail

// Glyph k + 1 is glyphs[k]; code points must be below 0xFFFF and increasing.
inline std::string tiny_font(const std::vector<TinyGlyph>& glyphs) {
    using detail::put16, detail::put32;
    const auto num_glyphs = static_cast<std::uint32_t>(glyphs.size() + 1);
    std::string glyf, loca, hmtx;
    put32(loca, 0);  // glyph 0 starts and ends at 0: empty
    put32(loca, 0);
    put16(hmtx, 300);
    put16(hmtx, 0);
    for (std::size_t k = 0; k < glyphs.size(); ++k) {
        const TinyGlyph& g = glyphs[k];
        if (g.copies.empty()) {
            put16(glyf, 1);  // one contour
            for (const auto v : {g.x0, g.y0, g.x1, g.y1}) put16(glyf, static_cast<std::uint16_t>(v));
            put16(glyf, 3);  // its last point
            put16(glyf, 0);  // no instructions
            for (int i = 0; i < 4; ++i) glyf += '\x01';  // on-curve points, 16-bit deltas
            const std::int16_t xs[] = {g.x0, 0, static_cast<std::int16_t>(g.x1 - g.x0), 0};
            const std::int16_t ys[] = {g.y0, static_cast<std::int16_t>(g.y1 - g.y0), 0, static_cast<std::int16_t>(g.y0 - g.y1)};
            for (const auto d : xs) put16(glyf, static_cast<std::uint16_t>(d));
            for (const auto d : ys) put16(glyf, static_cast<std::uint16_t>(d));
        } else {
            put16(glyf, 0xFFFF);  // numberOfContours -1: a composite
            for (const auto v : {g.x0, g.y0, g.x1, g.y1}) put16(glyf, static_cast<std::uint16_t>(v));
            for (std::size_t c = 0; c < g.copies.size(); ++c) {
                const bool more = c + 1 < g.copies.size();
                put16(glyf, 0x0001 | 0x0002 | (more ? 0x0020 : 0));  // 16-bit x/y offsets
                put16(glyf, static_cast<std::uint32_t>(k));            // the previous glyph
                put16(glyf, static_cast<std::uint16_t>(g.copies[c].first));
                put16(glyf, static_cast<std::uint16_t>(g.copies[c].second));
            }
        }
        put32(loca, static_cast<std::uint32_t>(glyf.size()));
        put16(hmtx, g.advance);
        put16(hmtx, static_cast<std::uint16_t>(g.x0));
    }

    std::string head;
    put32(head, 0x00010000);
    put32(head, 0x00010000);
    put32(head, 0);
    put32(head, 0x5F0F3CF5);
    put16(head, 0);
    put16(head, 1000);  // units per em
    for (int i = 0; i < 4; ++i) put32(head, 0);  // created, modified
    for (const int v : {0, -200, 1000, 800}) put16(head, static_cast<std::uint16_t>(v));
    for (const int v : {0, 8, 2, 1, 0}) put16(head, static_cast<std::uint16_t>(v));  // ..., indexToLocFormat 1

    std::string hhea;
    put32(hhea, 0x00010000);
    for (const int v : {800, -200, 0, 1000, 0, 0, 1000, 1, 0, 0, 0, 0, 0, 0, 0}) put16(hhea, static_cast<std::uint16_t>(v));
    put16(hhea, num_glyphs);

    std::string maxp;
    put32(maxp, 0x00005000);
    put16(maxp, num_glyphs);

    // cmap format 4: one segment per glyph (idDelta maps it) and the closing 0xFFFF segment.
    const auto segments = static_cast<std::uint32_t>(glyphs.size() + 1);
    std::uint32_t range = 1, selector = 0;
    while (2 * range <= segments) {
        range *= 2;
        ++selector;
    }
    std::string sub;
    put16(sub, 4);
    put16(sub, 16 + 8 * segments);
    put16(sub, 0);
    put16(sub, 2 * segments);
    put16(sub, 2 * range);
    put16(sub, selector);
    put16(sub, 2 * (segments - range));
    for (const auto& g : glyphs) put16(sub, static_cast<std::uint32_t>(g.code_point));
    put16(sub, 0xFFFF);
    put16(sub, 0);
    for (const auto& g : glyphs) put16(sub, static_cast<std::uint32_t>(g.code_point));
    put16(sub, 0xFFFF);
    for (std::size_t k = 0; k < glyphs.size(); ++k)
        put16(sub, static_cast<std::uint32_t>(k + 1 - glyphs[k].code_point) & 0xFFFF);
    put16(sub, 1);
    for (std::uint32_t k = 0; k < segments; ++k) put16(sub, 0);
    std::string cmap;
    put16(cmap, 0);
    put16(cmap, 1);
    put16(cmap, 3);
    put16(cmap, 1);
    put32(cmap, 12);
    cmap += sub;

    const std::vector<std::pair<const char*, std::string*>> tables = {
        {"cmap", &cmap}, {"glyf", &glyf}, {"head", &head}, {"hhea", &hhea},
        {"hmtx", &hmtx}, {"loca", &loca}, {"maxp", &maxp}};
    std::string font;
    put32(font, 0x00010000);
    put16(font, static_cast<std::uint32_t>(tables.size()));
    put16(font, 64);
    put16(font, 2);
    put16(font, static_cast<std::uint32_t>(tables.size()) * 16 - 64);
    std::uint32_t offset = 12 + 16 * static_cast<std::uint32_t>(tables.size());
    for (const auto& [tag, data] : tables) {
        font += tag;
        put32(font, 0);  // checksum: stb and ink do not read it
        put32(font, offset);
        put32(font, static_cast<std::uint32_t>(data->size()));
        offset += static_cast<std::uint32_t>((data->size() + 3) / 4 * 4);
    }
    for (const auto& [tag, data] : tables) {
        font += *data;
        font.append((4 - data->size() % 4) % 4, '\0');
    }
    return font;
}

// 'I': a bar 200 units wide and 700 high at x 100; 'L': two such bars 400 units apart (a composite).
inline std::string tiny_latin_font() {
    return tiny_font({{U'I', 100, 0, 300, 700, 500}, {U'L', 100, 0, 700, 700, 900, {{0, 0}, {400, 0}}}});
}
// U+4E00 (one): a wide bar, for the CJK fallback.
inline std::string tiny_cjk_font() { return tiny_font({{U'\u4E00', 0, 300, 1000, 500, 1000}}); }

}  // namespace ink::test
