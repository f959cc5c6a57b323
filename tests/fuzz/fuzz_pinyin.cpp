// libFuzzer target: the pinyin dictionary reader of ink-poem (examples/poem_vae/tones.hpp).
// Oracle beyond "no crash": a dictionary that parses has at least one entry, every code point is a
// Unicode scalar range value, and parsing is a function of the bytes (a second parse agrees).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../../examples/poem_vae/tones.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    poem::PinyinDict dict;
    try {
        dict = poem::parse_pinyin_dict(text, "fuzz.js");
    } catch (const ink::Error&) {
        return 0;
    }
    if (dict.empty()) std::abort();
    for (const auto& [cp, readings] : dict)
        if (cp > 0x10FFFF) std::abort();
    const poem::PinyinDict again = poem::parse_pinyin_dict(text, "fuzz.js");
    if (again.size() != dict.size()) std::abort();
    for (const auto& [cp, r] : dict) {
        const auto it = again.find(cp);
        if (it == again.end() || it->second.first != r.first || it->second.mixed != r.mixed) std::abort();
    }
    return 0;
}
