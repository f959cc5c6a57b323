// libFuzzer target: the chinese-poetry reader (ink::data::parse_poem_file) and Vocab::from_json on
// arbitrary bytes (each input is given to both).
// Oracle, beyond "no crash": an ink::Error is a clean refusal; any other exception is a finding.
//   poems: every sample is ten CJK ideographs; written back as a poem file, one couplet per line,
//          the samples come back the same; their vocabulary survives to_json -> from_json and
//          encodes and decodes every sample unchanged.
//   Vocab: a vocabulary that loads survives to_json -> from_json, and decodes its ids to its tokens.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "ink/data/poetry.hpp"
#include "ink/data/vocab.hpp"

namespace {

using ink::data::Vocab;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_poetry: oracle failed: %s\n", what);
        std::abort();
    }
}

void check_vocab(const Vocab& v) {
    const Vocab back = Vocab::from_json(v.to_json());
    require(back == v, "Vocab to_json -> from_json differs");
    std::vector<std::int32_t> ids(static_cast<std::size_t>(v.size()));
    std::iota(ids.begin(), ids.end(), 0);
    std::string all;
    for (const std::int32_t id : ids) all += v.token(id);
    require(v.decode(ids) == all, "decode differs from the tokens");
    require(v.encode(all) == ids, "encode of the tokens differs from their ids");
}

void check_poems(const std::vector<std::string>& samples) {
    std::string file = "[{\"paragraphs\": [";
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const std::string& s = samples[i];
        std::size_t pos = 0, half = 0;
        int chars = 0;
        char32_t cp = 0;
        while (pos < s.size()) {
            require(ink::data::utf8::next(s, pos, cp) && ink::data::is_cjk_ideograph(cp),
                    "a sample holds something other than CJK ideographs");
            if (++chars == 5) half = pos;
        }
        require(chars == ink::data::kCoupletLength, "a sample is not ten characters");
        file += (i > 0 ? ",\"" : "\"") + s.substr(0, half) + "，" + s.substr(half) + "。\"";
    }
    file += "]}]";
    std::vector<std::string> again;
    ink::data::parse_poem_file(file, "written", again);
    require(again == samples, "samples written as a poem file and re-read differ");

    const Vocab v = Vocab::from_texts(samples);
    check_vocab(v);
    for (const std::string& s : samples) require(v.decode(v.encode(s)) == s, "encode -> decode changed a sample");
}

template <class F>
void run(const char* what, F&& f) {
    try {
        f();
    } catch (const ink::Error&) {
        // refused with a message: fine
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_poetry: %s: not an ink::Error: %s\n", what, e.what());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    run("poems", [&] {
        std::vector<std::string> samples;
        ink::data::parse_poem_file(text, "fuzz.json", samples);
        try {
            check_poems(samples);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fuzz_poetry: poem round trip threw: %s\n", e.what());
            std::abort();
        }
    });
    run("vocab", [&] {
        const Vocab v = Vocab::from_json(text);
        try {
            check_vocab(v);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fuzz_poetry: vocab round trip threw: %s\n", e.what());
            std::abort();
        }
    });
    return 0;
}
