#pragma once
// The five-character couplets of the Tang poems in the npm package `chinese-poetry` (version 2.0.1):
// files dist/quantangshi/poet.tang.<n>.json, each a JSON array of {"author", "title", "paragraphs",
// ...} in traditional characters, one line of verse per entry of "paragraphs".
//
// The extraction rule (extract_couplets) reproduces the PyTorch reference exactly: 161,503 couplets
// and 7,914 distinct characters in the traditional script. Per line, scanning left to right, every
// non-overlapping run of 5 CJK ideographs, '，', 5 CJK ideographs and one of 。？！； is a couplet;
// the sample is its 10 ideographs (comma and terminator dropped). CJK ideographs are the basic block
// U+4E00..U+9FFF. Duplicates are kept. It is Python's
//     re.findall('[\u4e00-\u9fff]{5}，[\u4e00-\u9fff]{5}[。？！；]', line)
// so a match may start inside a longer clause: the last five characters of a seven-character clause
// followed by a five-character one count too (about 1,400 of the couplets).
//
// By default the samples are converted to the simplified script with OpenCC's t2s (opencc.hpp; each
// couplet is converted with its comma, so that phrases never span the two halves). Script::traditional
// keeps the original characters. The validation hold-out is split.hpp's text rule on the sample:
// FNV-1a-64 of its UTF-8 bytes, mod 100, below 2.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/data/json_file.hpp"
#include "ink/data/opencc.hpp"
#include "ink/data/split.hpp"
#include "ink/data/utf8.hpp"
#include "ink/data/vocab.hpp"

namespace ink::data {

enum class Script { traditional, simplified };

// Where scripts/fetch-data.sh poems unpacks the Tang poems, relative to the repository.
inline const std::filesystem::path kTangPoemsDir = "data/chinese-poetry-2.0.1/dist/quantangshi";

inline constexpr index_t kCoupletLength = 10;  // characters per sample
inline constexpr int kHeldOutPercent = 2;      // the validation share of the poem corpus

inline bool is_cjk_ideograph(char32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; }

// Appends the samples of one line of verse to `out` (the extraction rule above).
inline void extract_couplets(std::string_view line, std::vector<std::string>& out) {
    constexpr std::size_t kMatch = 12;  // 5 + comma + 5 + terminator
    // Decoded code points and the byte offset where each starts (plus the end), reused across calls.
    thread_local std::vector<char32_t> cps;
    thread_local std::vector<std::size_t> offsets;
    cps.clear();
    offsets.clear();
    for (std::size_t pos = 0; pos < line.size();) {
        char32_t cp = 0;
        offsets.push_back(pos);
        if (!utf8::next(line, pos, cp)) {  // not text: cannot be part of a couplet
            cp = 0;
            ++pos;
        }
        cps.push_back(cp);
    }
    offsets.push_back(line.size());

    const auto five_ideographs = [&](std::size_t at) {
        for (std::size_t k = at; k < at + 5; ++k)
            if (!is_cjk_ideograph(cps[k])) return false;
        return true;
    };
    const auto is_terminator = [](char32_t c) { return c == U'。' || c == U'？' || c == U'！' || c == U'；'; };
    for (std::size_t i = 0; i + kMatch <= cps.size();) {
        if (five_ideographs(i) && cps[i + 5] == U'，' && five_ideographs(i + 6) && is_terminator(cps[i + 11])) {
            std::string sample(line.substr(offsets[i], offsets[i + 5] - offsets[i]));
            sample.append(line.substr(offsets[i + 6], offsets[i + 11] - offsets[i + 6]));
            out.push_back(std::move(sample));
            i += kMatch;
        } else {
            ++i;
        }
    }
}

// Appends the samples of a poem file's text (a JSON array of poems with "paragraphs") to `out`;
// `source` names the file in errors.
inline void parse_poem_file(std::string_view text, const std::string& source, std::vector<std::string>& out) {
    const std::string name = "poem file '" + source + "'";
    const json::Json poems = json::parse(text, name);
    INK_CHECK(poems.is_array(), name, ": expected a JSON array of poems, got a ", poems.type_name());
    for (std::size_t p = 0; p < poems.size(); ++p) {
        const json::Json& poem = poems[p];
        INK_CHECK(poem.is_object(), name, ": poem ", p, " is a ", poem.type_name(), ", expected an object");
        const auto lines = poem.find("paragraphs");
        INK_CHECK(lines != poem.end(), name, ": poem ", p, " has no field \"paragraphs\"");
        INK_CHECK(lines->is_array(), name, ": poem ", p, ": field \"paragraphs\" is a ", lines->type_name(),
                  ", expected an array of strings");
        for (std::size_t l = 0; l < lines->size(); ++l) {
            const json::Json& line = (*lines)[l];
            INK_CHECK(line.is_string(), name, ": poem ", p, ": paragraphs[", l, "] is a ", line.type_name(),
                      ", expected a string");
            extract_couplets(line.get_ref<const std::string&>(), out);
        }
    }
}

// The same for the file at `path`; a directory or FIFO is refused.
inline void read_poem_file(const std::filesystem::path& path, std::vector<std::string>& out) {
    parse_poem_file(detail::read_json_text(path, "poem file"), path.string(), out);
}

// The files poet.tang.<n>.json of `dir`, by increasing n.
inline std::vector<std::filesystem::path> tang_poem_files(const std::filesystem::path& dir) {
    INK_CHECK(std::filesystem::is_directory(dir), dir.string(),
              ": not a directory (fetch the Tang poems with scripts/fetch-data.sh poems)");
    std::vector<std::pair<long, std::filesystem::path>> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string file = entry.path().filename().string();
        constexpr std::string_view prefix = "poet.tang.", suffix = ".json";
        if (file.size() <= prefix.size() + suffix.size() || !file.starts_with(prefix) || !file.ends_with(suffix))
            continue;
        const std::string_view number(file.data() + prefix.size(), file.size() - prefix.size() - suffix.size());
        long n = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
        if (ec == std::errc() && end == number.data() + number.size()) files.emplace_back(n, entry.path());
    }
    INK_CHECK(!files.empty(), dir.string(), ": no files poet.tang.<n>.json");
    std::sort(files.begin(), files.end());
    std::vector<std::filesystem::path> paths;
    for (auto& [n, path] : files) paths.push_back(std::move(path));
    return paths;
}

// The samples converted from traditional to simplified characters with OpenCC's t2s.
inline std::vector<std::string> to_simplified(const std::vector<std::string>& samples) {
    // One conversion of all couplets, one per line ("AAAAA，BBBBB\n"), is far faster than one call each.
    std::string text;
    text.reserve(samples.size() * (kCoupletLength * 3 + 4));
    for (const std::string& s : samples) {
        std::size_t half = 0;  // bytes of the first five characters
        char32_t cp = 0;
        for (int k = 0; k < 5; ++k) utf8::next(s, half, cp);
        text.append(s, 0, half).append("，").append(s, half).append("\n");
    }
    const std::string converted = ScriptConverter("t2s.json").convert(text);

    std::vector<std::string> out;
    out.reserve(samples.size());
    std::size_t start = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const std::size_t end = converted.find('\n', start);
        INK_CHECK(end != std::string::npos, "to_simplified: OpenCC returned fewer lines than the ", samples.size(),
                  " couplets it was given");
        const std::string_view line(converted.data() + start, end - start);
        const std::size_t comma = line.find("，");
        INK_CHECK(comma != std::string_view::npos, "to_simplified: OpenCC lost the comma of couplet ", i, " (\"",
                  samples[i], "\" became \"", line, "\")");
        std::string sample(line.substr(0, comma));
        sample.append(line.substr(comma + std::string_view("，").size()));
        out.push_back(std::move(sample));
        start = end + 1;
    }
    return out;
}

// Every sample of every poet.tang.<n>.json in `dir`, in file order, in the requested script.
inline std::vector<std::string> load_tang_couplets(const std::filesystem::path& dir = kTangPoemsDir,
                                                  Script script = Script::simplified) {
    std::vector<std::string> samples;
    for (const auto& path : tang_poem_files(dir)) read_poem_file(path, samples);
    return script == Script::simplified ? to_simplified(samples) : samples;
}

// The poem data set: the vocabulary of all samples and the samples as ids, split by the text rule.
struct PoemCorpus {
    Vocab vocab;
    Tensor<std::int32_t> train;  // (N, 10) character ids, in sample order
    Tensor<std::int32_t> valid;  // (M, 10)
};

inline PoemCorpus make_poem_corpus(const std::vector<std::string>& samples, int held_out_percent = kHeldOutPercent) {
    PoemCorpus corpus;
    corpus.vocab = Vocab::from_texts(samples);
    index_t valid = 0;
    for (const std::string& s : samples) valid += is_held_out(s, held_out_percent);
    const auto n = static_cast<index_t>(samples.size());
    corpus.train = Tensor<std::int32_t>::empty(Shape{n - valid, kCoupletLength});
    corpus.valid = Tensor<std::int32_t>::empty(Shape{valid, kCoupletLength});
    index_t row[2] = {0, 0};
    for (const std::string& s : samples) {
        const bool held = is_held_out(s, held_out_percent);
        Tensor<std::int32_t>& dst = held ? corpus.valid : corpus.train;
        const std::span<std::int32_t> ids(dst.data() + row[held]++ * kCoupletLength, kCoupletLength);
        INK_CHECK(corpus.vocab.encode_to(s, ids) == kCoupletLength, "make_poem_corpus: sample \"", s,
                  "\" has fewer than ", kCoupletLength, " characters");
    }
    return corpus;
}

inline PoemCorpus load_tang_corpus(const std::filesystem::path& dir = kTangPoemsDir,
                                   Script script = Script::simplified) {
    return make_poem_corpus(load_tang_couplets(dir, script));
}

}  // namespace ink::data
