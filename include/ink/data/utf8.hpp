#pragma once
// UTF-8 decoding and encoding of single code points, for the character-level text data (the poem
// corpus and Vocab). Strict: overlong forms, surrogates and code points above U+10FFFF are invalid.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ink::data::utf8 {

// Decodes the code point that starts at s[pos] into `cp` and advances `pos` past it. Returns false
// (leaving `pos` unchanged) when the bytes there are not valid UTF-8 or the string ends inside them.
inline bool next(std::string_view s, std::size_t& pos, char32_t& cp) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    if (pos >= s.size()) return false;
    const std::uint8_t b0 = byte(pos);
    if (b0 < 0x80) {
        cp = b0;
        ++pos;
        return true;
    }
    int len;
    char32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = b0 & 0x1Fu;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = b0 & 0x0Fu;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = b0 & 0x07u;
    } else {
        return false;
    }
    if (pos + static_cast<std::size_t>(len) > s.size()) return false;
    for (int i = 1; i < len; ++i) {
        const std::uint8_t b = byte(pos + static_cast<std::size_t>(i));
        if ((b & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    pos += static_cast<std::size_t>(len);
    return true;
}

inline void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

inline std::string encode(char32_t cp) {
    std::string s;
    append(s, cp);
    return s;
}

// "U+98A8", for error messages.
inline std::string code_point_name(char32_t cp) {
    static const char* hex = "0123456789ABCDEF";
    std::string digits;
    for (char32_t v = cp; v != 0 || digits.size() < 4; v >>= 4) digits.insert(digits.begin(), hex[v & 0xF]);
    return "U+" + digits;
}

}  // namespace ink::data::utf8
