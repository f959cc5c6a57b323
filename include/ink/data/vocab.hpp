#pragma once
// Vocab: a character-level vocabulary, one id per Unicode character (code point) of UTF-8 text.
//
// Vocab::from_texts numbers the characters by decreasing frequency, ties by increasing code point, so
// the ids depend only on the multiset of characters (not on file or sample order) and id 0 is the
// most frequent character. There is no padding or unknown token: encoding a character outside the
// vocabulary is an error. to_json() / from_json() store the vocabulary as a JSON array of the
// characters in id order, e.g. ["不","人","山"], for checkpoint metadata.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/json.hpp"
#include "ink/data/utf8.hpp"

namespace ink::data {

class Vocab {
public:
    Vocab() = default;

    // A vocabulary with the given characters as ids 0, 1, ...; each must be one UTF-8 character,
    // without repetitions.
    explicit Vocab(const std::vector<std::string>& chars) {
        code_points_.reserve(chars.size());
        for (std::size_t i = 0; i < chars.size(); ++i) {
            std::size_t pos = 0;
            char32_t cp = 0;
            INK_CHECK(utf8::next(chars[i], pos, cp) && pos == chars[i].size(), "Vocab: entry ", i, " (\"",
                      chars[i], "\") is not exactly one UTF-8 character");
            add(cp);
        }
    }

    // All characters of `texts`, by decreasing frequency, ties by increasing code point.
    static Vocab from_texts(const std::vector<std::string>& texts) {
        std::unordered_map<char32_t, std::int64_t> counts;
        for (std::size_t t = 0; t < texts.size(); ++t)
            for_each_char(texts[t], "Vocab::from_texts: text " + std::to_string(t),
                          [&](char32_t cp, std::size_t) { ++counts[cp]; });
        std::vector<std::pair<char32_t, std::int64_t>> sorted(counts.begin(), counts.end());
        std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        Vocab v;
        v.code_points_.reserve(sorted.size());
        for (const auto& [cp, count] : sorted) v.add(cp);
        return v;
    }

    std::int32_t size() const { return static_cast<std::int32_t>(code_points_.size()); }
    bool contains(char32_t cp) const { return ids_.count(cp) != 0; }

    // The character with id `id`, as UTF-8.
    std::string token(std::int32_t id) const {
        INK_CHECK(id >= 0 && id < size(), "Vocab: id ", id, " is out of range [0, ", size(), ")");
        return utf8::encode(code_points_[static_cast<std::size_t>(id)]);
    }

    // Writes the id of each character of `text` to out[0 .. n), where n is the number of characters.
    // Throws if `out` has room for fewer, if `text` is not valid UTF-8 or if a character is unknown.
    std::size_t encode_to(std::string_view text, std::span<std::int32_t> out) const {
        std::size_t n = 0;
        for_each_char(text, "Vocab::encode", [&](char32_t cp, std::size_t index) {
            const auto it = ids_.find(cp);
            INK_CHECK(it != ids_.end(), "Vocab::encode: character '", utf8::encode(cp), "' (",
                      utf8::code_point_name(cp), ") at position ", index, " of \"", text,
                      "\" is not in the vocabulary");
            INK_CHECK(n < out.size(), "Vocab::encode: \"", text, "\" has more than ", out.size(), " characters");
            out[n++] = it->second;
        });
        return n;
    }
    std::vector<std::int32_t> encode(std::string_view text) const {
        std::vector<std::int32_t> ids(text.size());  // at least as many bytes as characters
        ids.resize(encode_to(text, ids));
        return ids;
    }

    std::string decode(std::span<const std::int32_t> ids) const {
        std::string s;
        s.reserve(ids.size() * 3);
        for (const std::int32_t id : ids) {
            INK_CHECK(id >= 0 && id < size(), "Vocab::decode: id ", id, " is out of range [0, ", size(), ")");
            utf8::append(s, code_points_[static_cast<std::size_t>(id)]);
        }
        return s;
    }

    std::string to_json() const {
        json::Json chars = json::Json::array();
        for (const char32_t cp : code_points_) chars.push_back(utf8::encode(cp));
        return chars.dump();
    }
    static Vocab from_json(std::string_view text) {
        const json::Json chars = json::parse(text, "Vocab::from_json");
        INK_CHECK(chars.is_array(), "Vocab::from_json: expected a JSON array of characters, got a ",
                  chars.type_name());
        std::vector<std::string> list;
        list.reserve(chars.size());
        for (std::size_t i = 0; i < chars.size(); ++i) {
            INK_CHECK(chars[i].is_string(), "Vocab::from_json: entry ", i, " is a ", chars[i].type_name(),
                      ", expected a string");
            list.push_back(chars[i].get<std::string>());
        }
        return Vocab(list);
    }

    friend bool operator==(const Vocab& a, const Vocab& b) { return a.code_points_ == b.code_points_; }

private:
    void add(char32_t cp) {
        const bool inserted = ids_.emplace(cp, size()).second;
        INK_CHECK(inserted, "Vocab: character '", utf8::encode(cp), "' (", utf8::code_point_name(cp),
                  ") appears twice");
        code_points_.push_back(cp);
    }
    // Calls f(code point, character index) for each character; `what` prefixes the error for bad UTF-8.
    template <class F>
    static void for_each_char(std::string_view text, std::string_view what, F&& f) {
        std::size_t pos = 0, index = 0;
        char32_t cp = 0;
        while (pos < text.size()) {
            INK_CHECK(utf8::next(text, pos, cp), what, ": invalid UTF-8 at byte ", pos);
            f(cp, index++);
        }
    }

    std::vector<char32_t> code_points_;
    std::unordered_map<char32_t, std::int32_t> ids_;
};

}  // namespace ink::data
