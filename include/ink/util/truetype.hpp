#pragma once
// TrueTypeFont: a .ttf or .ttc file, checked as hostile input, whose glyphs stb_truetype
// (Debian: libstb-dev) turns into antialiased coverage masks.
//
// stb_truetype trusts the file: it follows table offsets, glyph counts and component indices
// without bounds checks, recurses into composite glyphs without a depth limit and asserts on cmap
// formats it does not know. So the constructor walks every structure stb will read — the table
// directory, cmap (the subtable stb picks), head, hhea, maxp, hmtx, loca, and every glyph's
// contours, flags, coordinates and components — and refuses the font with an ink::Error naming it
// unless all of it lies inside the file and inside stb's int16 coordinates. Only then is stb
// allowed to see the bytes. CFF-flavoured OpenType (.otf outlines) is refused: its charstring
// interpreter is far larger to vet, and the Debian fonts ink uses are TrueType.
//
// Like png.hpp, stb is compiled into each translation unit that includes this header as a private
// static copy (STBTT_STATIC). Only headers that draw text include it (text.hpp), never ink/ink.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/file.hpp"

#if !defined(STBTT_STATIC)
#define STBTT_STATIC
#endif
#if !defined(STB_TRUETYPE_IMPLEMENTATION)
#define STB_TRUETYPE_IMPLEMENTATION
#endif
#include "ink/util/detail/stb_begin.inc"
#include <stb/stb_truetype.h>
#include "ink/util/detail/stb_end.inc"

namespace ink::util {

// The antialiased coverage of one glyph: w x h bytes (0 = none, 255 = full), row-major; its top-left
// pixel is (x0, y0) relative to the pen position on the baseline (y down).
struct GlyphCoverage {
    int x0 = 0, y0 = 0, w = 0, h = 0;
    std::vector<std::uint8_t> coverage;
};

namespace detail {

// Big-endian reads inside the font's bytes; anything outside is an Error naming the font.
class FontBytes {
public:
    FontBytes(const std::string& bytes, const std::string& name)
        : p_(reinterpret_cast<const unsigned char*>(bytes.data())), n_(bytes.size()), name_(name) {}

    template <class... Args>
    [[noreturn]] void bad(Args&&... why) const {
        ::ink::detail::fail("font '", name_, "': ", std::forward<Args>(why)..., " (not a usable TrueType font)");
    }
    void need(std::uint64_t off, std::uint64_t len, const char* what) const {
        if (off > n_ || len > n_ - off) bad(what, " at byte ", off, " (", len, " bytes) lies outside the ", n_, "-byte file");
    }
    std::uint8_t u8(std::uint64_t off) const {
        need(off, 1, "a field");
        return p_[off];
    }
    std::uint16_t u16(std::uint64_t off) const {
        need(off, 2, "a field");
        return static_cast<std::uint16_t>(p_[off] << 8 | p_[off + 1]);
    }
    std::int16_t s16(std::uint64_t off) const { return static_cast<std::int16_t>(u16(off)); }
    std::uint32_t u32(std::uint64_t off) const {
        need(off, 4, "a field");
        return std::uint32_t(p_[off]) << 24 | std::uint32_t(p_[off + 1]) << 16 | std::uint32_t(p_[off + 2]) << 8 | p_[off + 3];
    }
    std::uint64_t size() const { return n_; }

private:
    const unsigned char* p_;
    std::uint64_t n_;
    const std::string& name_;
};

struct FontTable {
    std::uint32_t offset = 0, length = 0;
};

// Glyph bounds in font units, from the points stb will produce (not the glyph header, which a
// corrupt file may understate), and how many points stb will produce (components included).
struct GlyphBox {
    std::int16_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty = true;
    std::uint64_t points = 0;
};

// Everything stb_truetype reads, checked; fills the table offsets and one box per glyph.
class FontValidator {
public:
    explicit FontValidator(const FontBytes& f) : f_(f) {}

    std::uint32_t font_start() const { return start_; }
    std::vector<GlyphBox> run() {
        locate_font();
        read_directory();
        for (const char* tag : {"cmap", "head", "hhea", "hmtx", "maxp", "loca"})
            if (!table(tag).offset) f_.bad("required table '", tag, "' is missing");
        if (!table("glyf").offset) f_.bad("no 'glyf' table: only TrueType outlines are supported, not CFF (.otf)");
        const FontTable head = table("head"), hhea = table("hhea"), maxp = table("maxp");
        if (head.length < 54 || hhea.length < 36 || maxp.length < 6) f_.bad("head, hhea or maxp table is truncated");
        num_glyphs_ = f_.u16(maxp.offset + 4);
        if (num_glyphs_ == 0) f_.bad("maxp says the font has no glyphs");
        if (f_.s16(hhea.offset + 4) - f_.s16(hhea.offset + 6) <= 0) f_.bad("hhea ascent - descent is not positive");
        check_hmtx(hhea);
        check_cmap();
        read_loca(f_.u16(head.offset + 50));
        boxes_.assign(num_glyphs_, GlyphBox{});
        state_.assign(num_glyphs_, 0);
        for (std::uint32_t g = 0; g < num_glyphs_; ++g) glyph_box(g, 0);
        return std::move(boxes_);
    }

private:
    static constexpr int max_component_depth = 16;
    static constexpr double coordinate_limit = 32000;  // stb keeps coordinates in int16
    // Work bounds: a few bytes can claim 65535 repeated points, and composites can multiply them
    // (100 copies of 100 copies of ...). Real fonts stay far below: WenQuanYi Micro Hei has
    // 2.05 million points in 49531 glyphs, at most 194 in one; DejaVu Sans at most 852.
    static constexpr std::uint64_t max_points_per_glyph = std::uint64_t(1) << 18;
    static constexpr std::uint64_t max_points_in_font = std::uint64_t(1) << 25;

    void locate_font() {
        f_.need(0, 12, "the file header");
        if (f_.u32(0) == 0x74746366u) {  // 'ttcf': a collection; ink draws with its first font
            if (f_.u32(8) == 0) f_.bad("the font collection is empty");
            start_ = f_.u32(12);
        }
        const std::uint32_t version = f_.u32(start_);
        if (version == 0x4F54544Fu) f_.bad("CFF outlines ('OTTO') are not supported, only TrueType");
        if (version != 0x00010000u && version != 0x74727565u) f_.bad("unknown sfnt version ", version);
    }

    void read_directory() {
        const std::uint16_t count = f_.u16(start_ + 4);
        f_.need(std::uint64_t(start_) + 12, std::uint64_t(count) * 16, "the table directory");
        for (std::uint16_t i = 0; i < count; ++i) {
            const std::uint64_t rec = std::uint64_t(start_) + 12 + 16 * std::uint64_t(i);
            const FontTable t{f_.u32(rec + 8), f_.u32(rec + 12)};
            f_.need(t.offset, t.length, "a table");
            std::string tag;
            for (int k = 0; k < 4; ++k) tag += static_cast<char>(f_.u8(rec + static_cast<std::uint64_t>(k)));
            // stb takes the first table of a tag; so do we. A table at offset 0 would read as missing.
            if (t.offset == 0) f_.bad("table '", tag, "' at offset 0");
            if (!table(tag.c_str()).offset) tables_.emplace_back(tag, t);
        }
    }

    FontTable table(const char* tag) const {
        for (const auto& [name, t] : tables_)
            if (name == tag) return t;
        return {};
    }

    void check_hmtx(const FontTable& hhea) {
        const std::uint64_t long_metrics = f_.u16(hhea.offset + 34);
        if (long_metrics == 0) f_.bad("hhea has no horizontal metrics");
        const std::uint64_t short_metrics = num_glyphs_ > long_metrics ? num_glyphs_ - long_metrics : 0;
        if (table("hmtx").length < 4 * long_metrics + 2 * short_metrics) f_.bad("hmtx is shorter than its glyph count");
    }

    // The encoding record stb_truetype would choose (the last Unicode one), and its subtable.
    void check_cmap() {
        const FontTable cmap = table("cmap");
        if (cmap.length < 4) f_.bad("cmap is truncated");
        const std::uint16_t records = f_.u16(cmap.offset + 2);
        if (4 + 8 * std::uint64_t(records) > cmap.length) f_.bad("cmap encoding records run past the table");
        std::uint64_t sub = 0;
        for (std::uint16_t i = 0; i < records; ++i) {
            const std::uint64_t rec = cmap.offset + 4 + 8 * std::uint64_t(i);
            const std::uint16_t platform = f_.u16(rec), encoding = f_.u16(rec + 2);
            if (platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))) {
                sub = f_.u32(rec + 4);
                if (sub == 0 || sub + 8 > cmap.length) f_.bad("a cmap subtable offset lies outside cmap");
            }
        }
        if (sub == 0) f_.bad("no Unicode character map");
        const std::uint64_t at = cmap.offset + sub, room = cmap.length - sub;
        const std::uint16_t format = f_.u16(at);
        auto fits = [&](std::uint64_t bytes) {
            if (bytes > room) f_.bad("cmap format ", format, " subtable runs past the table");
        };
        switch (format) {
            case 0:  // stb reads glyphIdArray[c] for c < length - 6
                if (f_.u16(at + 2) < 6) f_.bad("cmap format 0 length below its header");
                fits(f_.u16(at + 2));
                break;
            case 6:
                fits(10 + 2 * std::uint64_t(f_.u16(at + 8)));
                break;
            case 4: check_cmap_format4(at, room); break;
            case 12:
            case 13:
                fits(16);
                fits(16 + 12 * std::uint64_t(f_.u32(at + 12)));
                break;
            default: f_.bad("cmap subtable format ", format, " is not supported");
        }
    }

    // Segments mapping ranges of code points. stb's binary search trusts searchRange, entrySelector
    // and rangeShift, and the idRangeOffset of a segment points anywhere: both are checked.
    void check_cmap_format4(std::uint64_t at, std::uint64_t room) {
        const std::uint16_t seg_x2 = f_.u16(at + 6);
        const std::uint32_t segments = seg_x2 / 2u;
        if (segments == 0 || seg_x2 % 2) f_.bad("cmap format 4 segment count ", seg_x2, " is not positive and even");
        const std::uint32_t range = f_.u16(at + 8) / 2u, selector = f_.u16(at + 10), shift = f_.u16(at + 12) / 2u;
        if (selector > 15 || range != (1u << selector) || range > segments || 2 * range <= segments ||
            shift != segments - range)
            f_.bad("cmap format 4 search parameters do not match its ", segments, " segments");
        const std::uint64_t arrays = 16 + 8 * std::uint64_t(segments);
        if (arrays > room) f_.bad("cmap format 4 segment arrays run past the table");
        for (std::uint32_t i = 0; i < segments; ++i) {
            const std::uint32_t end = f_.u16(at + 14 + 2 * i), start = f_.u16(at + 16 + 2 * segments + 2 * i);
            const std::uint64_t range_offset_at = 16 + 6 * std::uint64_t(segments) + 2 * i;
            const std::uint32_t range_offset = f_.u16(at + range_offset_at);
            if (range_offset != 0 && start <= end && range_offset_at + range_offset + 2 * (end - start) + 2 > room)
                f_.bad("cmap format 4 segment ", i, " maps glyphs from outside the table");
        }
    }

    void read_loca(std::uint16_t format) {
        if (format > 1) f_.bad("head.indexToLocFormat is ", format, ", expected 0 or 1");
        const FontTable loca = table("loca"), glyf = table("glyf");
        const std::uint64_t entry = format ? 4 : 2;
        if (loca.length < (std::uint64_t(num_glyphs_) + 1) * entry) f_.bad("loca is shorter than the glyph count");
        glyph_at_.resize(num_glyphs_ + 1);
        for (std::uint32_t g = 0; g <= num_glyphs_; ++g) {
            const std::uint64_t at = loca.offset + g * entry;
            glyph_at_[g] = format ? f_.u32(at) : std::uint64_t(f_.u16(at)) * 2;
            if (glyph_at_[g] > glyf.length || (g > 0 && glyph_at_[g] < glyph_at_[g - 1]))
                f_.bad("loca entry ", g, " is out of order or outside glyf");
        }
        glyf_ = glyf.offset;
    }

    // The box of glyph g, checking its outline; composites recurse into their components.
    const GlyphBox& glyph_box(std::uint32_t g, int depth) {
        if (state_[g] == 2) return boxes_[g];
        if (state_[g] == 1) f_.bad("glyph ", g, " contains itself through its components");
        if (depth > max_component_depth) f_.bad("glyph ", g, " nests components deeper than ", max_component_depth);
        state_[g] = 1;
        const std::uint64_t begin = glyf_ + glyph_at_[g], end = glyf_ + glyph_at_[g + 1];
        if (end > begin) {
            if (end - begin < 10) f_.bad("glyph ", g, " is shorter than its header");
            const std::int16_t contours = f_.s16(begin);
            if (contours > 0) simple_glyph(g, begin, end, contours);
            else if (contours < 0) composite_glyph(g, begin, end, depth);
        }
        state_[g] = 2;
        return boxes_[g];
    }

    void add_point(GlyphBox& b, double x, double y, std::uint32_t g) {
        if (std::abs(x) > coordinate_limit || std::abs(y) > coordinate_limit)
            f_.bad("glyph ", g, " has a point at (", x, ", ", y, "), beyond the int16 range");
        const auto xs = static_cast<std::int16_t>(std::floor(x)), ys = static_cast<std::int16_t>(std::floor(y));
        const auto xe = static_cast<std::int16_t>(std::ceil(x)), ye = static_cast<std::int16_t>(std::ceil(y));
        if (b.empty) {
            b.x0 = b.x1 = xs;
            b.y0 = b.y1 = ys;
            b.empty = false;
        }
        b.x0 = std::min(b.x0, xs);
        b.y0 = std::min(b.y0, ys);
        b.x1 = std::max(b.x1, xe);
        b.y1 = std::max(b.y1, ye);
    }

    // Contour ends, instructions, flags (with repeats), then x and y deltas, as stb decodes them.
    void simple_glyph(std::uint32_t g, std::uint64_t begin, std::uint64_t end, int contours) {
        auto inside = [&](std::uint64_t at, std::uint64_t len) {
            if (at + len > end) f_.bad("glyph ", g, " outline runs past its end");
        };
        inside(begin + 10, 2 * std::uint64_t(contours) + 2);
        std::vector<int> ends(static_cast<std::size_t>(contours));
        int last = -1;
        for (int& e : ends) {
            e = f_.u16(begin + 10 + 2 * static_cast<std::uint64_t>(&e - ends.data()));
            if (e <= last) f_.bad("glyph ", g, " contour ends are not increasing");
            last = e;
        }
        const auto points = static_cast<std::size_t>(last + 1);
        decoded_points_ += points;
        if (decoded_points_ > max_points_in_font) f_.bad("more than ", max_points_in_font, " outline points in all");
        std::uint64_t at = begin + 10 + 2 * std::uint64_t(contours);
        at += 2 + f_.u16(at);  // skip the hinting instructions
        std::vector<std::uint8_t> flags(points);
        std::uint8_t flag = 0, repeat = 0;
        for (std::size_t i = 0; i < points; ++i) {
            if (repeat == 0) {
                inside(at, 1);
                flag = f_.u8(at++);
                if (flag & 8) {
                    inside(at, 1);
                    repeat = f_.u8(at++);
                }
            } else {
                --repeat;
            }
            flags[i] = flag;
        }
        // stb looks one point ahead of a contour that starts off the curve: past the glyph's last
        // point when the last contour is that single point.
        for (std::size_t c = 0; c < ends.size(); ++c) {
            const auto start = static_cast<std::size_t>(c == 0 ? 0 : ends[c - 1] + 1);
            if (static_cast<int>(start) == ends[c] && !(flags[start] & 1))
                f_.bad("glyph ", g, " has a contour of one off-curve point");
        }
        std::vector<std::int32_t> xs(points), ys(points);
        auto deltas = [&](std::vector<std::int32_t>& v, std::uint8_t short_bit, std::uint8_t same_bit) {
            std::int32_t value = 0;
            for (std::size_t i = 0; i < points; ++i) {
                if (flags[i] & short_bit) {
                    inside(at, 1);
                    const int d = f_.u8(at++);
                    value += (flags[i] & same_bit) ? d : -d;
                } else if (!(flags[i] & same_bit)) {
                    inside(at, 2);
                    value += f_.s16(at);
                    at += 2;
                }
                v[i] = value;
            }
        };
        deltas(xs, 2, 16);
        deltas(ys, 4, 32);
        GlyphBox& box = boxes_[g];
        for (std::size_t i = 0; i < points; ++i) add_point(box, xs[i], ys[i], g);
        box.points = points;
    }

    // Components: flags, glyph index, offsets (stb supports only x/y offsets, not point matching)
    // and an optional transform; the child's box is mapped the way stb maps its points.
    void composite_glyph(std::uint32_t g, std::uint64_t begin, std::uint64_t end, int depth) {
        std::uint64_t at = begin + 10;
        auto take = [&](std::uint64_t len) {
            if (at + len > end) f_.bad("glyph ", g, " component list runs past its end");
            const std::uint64_t here = at;
            at += len;
            return here;
        };
        for (bool more = true; more;) {
            const std::uint16_t flags = f_.u16(take(2)), child = f_.u16(take(2));
            if (!(flags & 2)) f_.bad("glyph ", g, " places a component by matching points (not supported)");
            double m[6] = {1, 0, 0, 1, 0, 0};
            if (flags & 1) {
                m[4] = f_.s16(take(2));
                m[5] = f_.s16(take(2));
            } else {
                m[4] = static_cast<std::int8_t>(f_.u8(take(1)));
                m[5] = static_cast<std::int8_t>(f_.u8(take(1)));
            }
            auto f2dot14 = [&] { return f_.s16(take(2)) / 16384.0; };
            if (flags & 8) {
                m[0] = m[3] = f2dot14();
            } else if (flags & 64) {
                m[0] = f2dot14();
                m[3] = f2dot14();
            } else if (flags & 128) {
                m[0] = f2dot14();
                m[1] = f2dot14();
                m[2] = f2dot14();
                m[3] = f2dot14();
            }
            more = (flags & 32) != 0;
            if (child >= num_glyphs_) continue;  // stb draws nothing for it
            const GlyphBox c = glyph_box(child, depth + 1);
            boxes_[g].points += c.points;
            if (boxes_[g].points > max_points_per_glyph)
                f_.bad("glyph ", g, " expands to more than ", max_points_per_glyph, " points through its components");
            if (c.empty) continue;
            const double sx = std::sqrt(m[0] * m[0] + m[1] * m[1]), sy = std::sqrt(m[2] * m[2] + m[3] * m[3]);
            for (const double x : {double(c.x0), double(c.x1)})
                for (const double y : {double(c.y0), double(c.y1)})
                    add_point(boxes_[g], sx * (m[0] * x + m[2] * y + m[4]), sy * (m[1] * x + m[3] * y + m[5]), g);
        }
    }

    const FontBytes& f_;
    std::uint32_t start_ = 0, num_glyphs_ = 0;
    std::uint64_t glyf_ = 0, decoded_points_ = 0;
    std::vector<std::pair<std::string, FontTable>> tables_;
    std::vector<std::uint64_t> glyph_at_;
    std::vector<GlyphBox> boxes_;
    std::vector<std::uint8_t> state_;  // 0 not seen, 1 being walked, 2 done
};

}  // namespace detail

class TrueTypeFont {
public:
    // Fonts are a few MB (wqy-microhei.ttc: 5 MB); anything much larger is not a font we want.
    static constexpr std::uint64_t max_file_bytes = std::uint64_t(64) << 20;

    // Reads and checks the font file at `path`; errors name it.
    static std::shared_ptr<const TrueTypeFont> load(const std::string& path) {
        return std::make_shared<const TrueTypeFont>(read_regular_file(path, "font", max_file_bytes), path);
    }

    // A font from bytes in memory; `name` is used in error messages.
    TrueTypeFont(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {
        const detail::FontBytes f(bytes_, name_);
        detail::FontValidator v(f);
        boxes_ = v.run();
        if (!stbtt_InitFont(&info_, reinterpret_cast<const unsigned char*>(bytes_.data()), static_cast<int>(v.font_start())))
            f.bad("stb_truetype refused it");
    }
    // stb's font info points into bytes_.
    TrueTypeFont(const TrueTypeFont&) = delete;
    TrueTypeFont& operator=(const TrueTypeFont&) = delete;

    const std::string& name() const { return name_; }

    // The glyph of code point c, or 0 when the font has none.
    int glyph(char32_t c) const {
        if (c > 0x10FFFF) return 0;
        const int g = stbtt_FindGlyphIndex(&info_, static_cast<int>(c));
        return g > 0 && static_cast<std::size_t>(g) < boxes_.size() ? g : 0;
    }

    // Font units to pixels for lines `pixels` high (ascent to descent).
    float scale_for_height(float pixels) const { return stbtt_ScaleForPixelHeight(&info_, pixels); }
    // Rows above the baseline, in font units.
    int ascent() const {
        int ascent = 0, descent = 0, gap = 0;
        stbtt_GetFontVMetrics(&info_, &ascent, &descent, &gap);
        return ascent;
    }
    // Horizontal advance of glyph g, in font units.
    int advance(int g) const {
        int advance = 0, bearing = 0;
        stbtt_GetGlyphHMetrics(&info_, g, &advance, &bearing);
        return std::max(advance, 0);  // stb reads the unsigned field as int16: 0x8000 and up turn negative
    }

    // Glyph g at `scale`, its origin `shift_x` pixels (0 <= shift_x < 1) right of the pen. Glyphs
    // larger than `max_pixels` on a side are not drawn (empty coverage): no label needs them, and a
    // corrupt font cannot make us allocate more.
    GlyphCoverage rasterize(int g, float scale, float shift_x, int max_pixels) const {
        GlyphCoverage out;
        if (g < 0 || static_cast<std::size_t>(g) >= boxes_.size() || boxes_[static_cast<std::size_t>(g)].empty)
            return out;
        const detail::GlyphBox& b = boxes_[static_cast<std::size_t>(g)];
        // One pixel of margin: the box is of the points, the coverage reaches half a pixel beyond.
        out.x0 = static_cast<int>(std::floor(b.x0 * scale + shift_x)) - 1;
        out.y0 = static_cast<int>(std::floor(-b.y1 * scale)) - 1;
        out.w = static_cast<int>(std::ceil(b.x1 * scale + shift_x)) + 1 - out.x0;
        out.h = static_cast<int>(std::ceil(-b.y0 * scale)) + 1 - out.y0;
        if (out.w > max_pixels || out.h > max_pixels) return {};
        stbtt_vertex* vertices = nullptr;
        const int count = stbtt_GetGlyphShape(&info_, g, &vertices);
        out.coverage.assign(static_cast<std::size_t>(out.w) * static_cast<std::size_t>(out.h), 0);
        stbtt__bitmap bitmap{out.w, out.h, out.w, out.coverage.data()};
        if (count > 0) stbtt_Rasterize(&bitmap, 0.35f, vertices, count, scale, scale, shift_x, 0.0f, out.x0, out.y0, 1, nullptr);
        stbtt_FreeShape(&info_, vertices);
        return out;
    }

private:
    std::string bytes_;
    std::string name_;
    std::vector<detail::GlyphBox> boxes_;
    stbtt_fontinfo info_{};
};

}  // namespace ink::util
