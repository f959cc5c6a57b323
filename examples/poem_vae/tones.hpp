#pragma once
// The tones (平仄) of regulated verse, for judging couplets and for the tone-aware decoder.
//
// Each character is level (平) or oblique (仄). The tones come from the pinyin dictionary of the npm
// package `pinyin` (data/dict-zi.js: `dict[0x4E00] = "yī";`, readings comma-separated, the most
// common first), fetched by scripts/fetch-data.sh pinyin. Modern tones 1 and 2 count as level, 3 and
// 4 as oblique. That is the modern approximation: characters of Middle Chinese's entering tone (入声,
// e.g. 白 国 十 竹 独) are oblique in Tang verse but many became tones 1-2 in Mandarin, so they are
// misjudged as level; the dictionary cannot tell which (docs/poem.md). A character missing from the
// dictionary, or with only a neutral-tone reading, is `unknown`: the metrics count it separately.
//
// The table is computed once per vocabulary and stored in the model's metadata ("poem.tones": one
// letter per vocabulary id, P level, Z oblique, ? unknown), so that decoding needs no dictionary.
//
// The rules, positions counted 1..5 within a line of a couplet "AAAAA，BBBBB":
//   opposition: the second line's tones at positions 2 and 4 are the opposite of the first line's;
//   rhyme:      the second line ends on a level tone;
//   pattern:    the couplet is one of the four standard five-character forms exactly:
//               仄仄平平仄，平平仄仄平   平平平仄仄，仄仄仄平平   (first line not rhyming)
//               仄仄仄平平，平平仄仄平   平平仄仄平，仄仄仄平平   (first line rhyming)
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/file.hpp"
#include "ink/data/utf8.hpp"
#include "ink/data/vocab.hpp"

#include "couplet.hpp"

namespace poem {

// Where scripts/fetch-data.sh pinyin puts the dictionary.
inline constexpr const char* kPinyinDict = "data/pinyin-2.11.2/data/dict-zi.js";

enum class Tone : std::uint8_t { unknown, level, oblique };

// The tone class of one pinyin syllable written with tone marks ("yī", "xiàng", "ń"); unknown for a
// syllable without a mark (the neutral tone) or with an unrecognised one.
inline Tone tone_of_syllable(std::string_view syllable) {
    // Marked vowels (and the syllabic ḿ ń ň ǹ) with their tone numbers.
    static const std::unordered_map<char32_t, int> marks = {
        {U'ā', 1}, {U'ē', 1}, {U'ī', 1}, {U'ō', 1}, {U'ū', 1}, {U'ǖ', 1},
        {U'á', 2}, {U'é', 2}, {U'í', 2}, {U'ó', 2}, {U'ú', 2}, {U'ǘ', 2}, {U'ḿ', 2}, {U'ń', 2},
        {U'ǎ', 3}, {U'ě', 3}, {U'ǐ', 3}, {U'ǒ', 3}, {U'ǔ', 3}, {U'ǚ', 3}, {U'ň', 3},
        {U'à', 4}, {U'è', 4}, {U'ì', 4}, {U'ò', 4}, {U'ù', 4}, {U'ǜ', 4}, {U'ǹ', 4}};
    std::size_t pos = 0;
    char32_t cp = 0;
    while (pos < syllable.size()) {
        if (!ink::data::utf8::next(syllable, pos, cp)) return Tone::unknown;
        if (const auto it = marks.find(cp); it != marks.end()) return it->second <= 2 ? Tone::level : Tone::oblique;
    }
    return Tone::unknown;
}

// A character's readings as the dictionary gives them, most common first.
struct Readings {
    Tone first = Tone::unknown;  // the tone of the most common reading: the one used
    bool mixed = false;          // some reading is level and another oblique (e.g. 看 kàn, kān)
};

using PinyinDict = std::unordered_map<char32_t, Readings>;

// Parses dict-zi.js. Every line that starts with "dict[" must be `dict[0xHEX] = "readings";`
// (anything may follow: a comment); other lines (the `var dict` header, the export) are skipped.
// `name` names the file in errors. Bounded: a line is at most 4 KB, a code point at most U+10FFFF.
inline PinyinDict parse_pinyin_dict(std::string_view text, const std::string& name) {
    PinyinDict dict;
    std::size_t line_no = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        if (line.substr(0, 5) != "dict[") continue;
        auto bad = [&](const char* expected) {
            ink::detail::fail("pinyin dictionary '", name, "' line ", line_no, ": expected ", expected,
                              " (a line `dict[0x4E00] = \"yī\";`)");
        };
        if (line.size() > 4096) bad("a line of at most 4096 bytes");
        std::size_t p = 5;
        if (line.substr(p, 2) != "0x") bad("a hexadecimal code point after 'dict['");
        p += 2;
        char32_t cp = 0;
        std::size_t digits = 0;
        for (; p < line.size() && std::isxdigit(static_cast<unsigned char>(line[p])); ++p, ++digits) {
            if (digits == 6) bad("a code point of at most 6 hexadecimal digits");
            const char c = line[p];
            cp = cp * 16 + char32_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        if (digits == 0 || cp > 0x10FFFF) bad("a code point up to 0x10FFFF");
        if (line.substr(p, 5) != "] = \"") bad("'] = \"' after the code point");
        p += 4;  // at the opening quote
        const std::size_t close = line.find('"', p + 1);
        if (close == std::string_view::npos) bad("a closing '\"' after the readings");
        const std::string_view readings = line.substr(p + 1, close - p - 1);
        if (line.substr(close + 1, 1) != ";") bad("';' after the readings");
        Readings r;
        bool any_level = false, any_oblique = false;
        for (std::size_t a = 0; a <= readings.size();) {
            std::size_t b = readings.find(',', a);
            if (b == std::string_view::npos) b = readings.size();
            const Tone t = tone_of_syllable(readings.substr(a, b - a));
            if (a == 0) r.first = t;
            any_level |= t == Tone::level, any_oblique |= t == Tone::oblique;
            a = b + 1;
        }
        r.mixed = any_level && any_oblique;
        if (!dict.emplace(cp, r).second) bad("each code point once (this one appears twice)");
    }
    INK_CHECK(!dict.empty(), "pinyin dictionary '", name, "': no `dict[0x...] = \"...\";` line found");
    return dict;
}

inline PinyinDict load_pinyin_dict(const std::string& path) {
    return parse_pinyin_dict(ink::read_regular_file(path, "pinyin dictionary", 64 << 20), path);
}

// The tone class of every vocabulary id.
class ToneTable {
public:
    ToneTable() = default;
    explicit ToneTable(std::vector<Tone> tones) : tones_(std::move(tones)) {}

    // From the dictionary: the tone of each character's most common reading.
    static ToneTable from_dict(const ink::data::Vocab& vocab, const PinyinDict& dict) {
        std::vector<Tone> tones(static_cast<std::size_t>(vocab.size()), Tone::unknown);
        for (std::int32_t id = 0; id < vocab.size(); ++id) {
            std::size_t pos = 0;
            char32_t cp = 0;
            const std::string token = vocab.token(id);
            if (!ink::data::utf8::next(token, pos, cp)) continue;
            if (const auto it = dict.find(cp); it != dict.end()) tones[std::size_t(id)] = it->second.first;
        }
        return ToneTable(std::move(tones));
    }

    // The metadata form: one letter per id, P level, Z oblique, ? unknown.
    std::string to_string() const {
        std::string s(tones_.size(), '?');
        for (std::size_t i = 0; i < tones_.size(); ++i) s[i] = tones_[i] == Tone::level ? 'P' : tones_[i] == Tone::oblique ? 'Z' : '?';
        return s;
    }
    static ToneTable from_string(std::string_view s, std::int32_t vocab_size, const std::string& name) {
        INK_CHECK(s.size() == std::size_t(vocab_size), name, ": the tone table has ", s.size(),
                  " entries, expected one per vocabulary character (", vocab_size, ")");
        std::vector<Tone> tones(s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
            INK_CHECK(s[i] == 'P' || s[i] == 'Z' || s[i] == '?', name, ": tone table entry ", i, " is '", s[i],
                      "', expected P (level), Z (oblique) or ? (unknown)");
            tones[i] = s[i] == 'P' ? Tone::level : s[i] == 'Z' ? Tone::oblique : Tone::unknown;
        }
        return ToneTable(std::move(tones));
    }

    bool empty() const { return tones_.empty(); }
    std::size_t size() const { return tones_.size(); }
    Tone operator[](std::int32_t id) const { return tones_[static_cast<std::size_t>(id)]; }

private:
    std::vector<Tone> tones_;
};

// ---- the rules ---------------------------------------------------------------------------------------
// Positions are 0-based here: position 2 of the text is index 1, position 4 index 3, the last index 4.

inline constexpr std::array<std::array<Tone, kLength>, 4> kStandardPatterns = [] {
    constexpr Tone P = Tone::level, Z = Tone::oblique;
    return std::array<std::array<Tone, kLength>, 4>{{
        {Z, Z, P, P, Z, P, P, Z, Z, P},
        {P, P, P, Z, Z, Z, Z, Z, P, P},
        {Z, Z, Z, P, P, P, P, Z, Z, P},
        {P, P, Z, Z, P, Z, Z, Z, P, P},
    }};
}();

inline bool opposite(Tone a, Tone b) {
    return (a == Tone::level && b == Tone::oblique) || (a == Tone::oblique && b == Tone::level);
}

// How a couplet fares under the rules; a rule whose characters have an unknown tone is `unknown`.
struct ToneJudgement {
    bool unknown = false;         // some character of the couplet has no known tone
    bool opposition = false;      // positions 2 and 4 of the lines have opposite tones
    bool opposition_known = false;
    bool rhyme_level = false;     // the second line ends on a level tone
    bool rhyme_known = false;
    bool pattern = false;         // one of the four standard forms exactly (needs every tone)
};

inline ToneJudgement judge_tones(const Couplet& c, const ToneTable& tones) {
    ToneJudgement j;
    std::array<Tone, kLength> t{};
    for (index_t i = 0; i < kLength; ++i) {
        t[std::size_t(i)] = tones[c[std::size_t(i)]];
        j.unknown |= t[std::size_t(i)] == Tone::unknown;
    }
    const auto known = [&](index_t i) { return t[std::size_t(i)] != Tone::unknown; };
    j.opposition_known = known(1) && known(3) && known(kLine + 1) && known(kLine + 3);
    j.opposition = opposite(t[1], t[kLine + 1]) && opposite(t[3], t[kLine + 3]);
    j.rhyme_known = known(kLength - 1);
    j.rhyme_level = t[kLength - 1] == Tone::level;
    for (const auto& pattern : kStandardPatterns) j.pattern |= t == pattern;
    return j;
}

// The number of rules a couplet breaks, for the tone-aware decoder: within the first line positions
// 2 and 4 differ (二四异, which with opposition makes the second line alternate too), opposition at 2
// and at 4, and the level ending. An unknown tone counts as broken: the decoder prefers what it can
// check.
inline int tone_violations_line1(const std::int32_t* line, const ToneTable& tones) {
    return !opposite(tones[line[1]], tones[line[3]]);
}
inline int tone_violations_line2(const std::int32_t* line1, const std::int32_t* line2, const ToneTable& tones) {
    return !opposite(tones[line1[1]], tones[line2[1]]) + !opposite(tones[line1[3]], tones[line2[3]]) +
           (tones[line2[kLine - 1]] != Tone::level);
}

}  // namespace poem
