// examples/poem_vae/tones.hpp and the tone-aware joint decoder: the dictionary reader refuses what is
// not a dictionary line, the rules judge couplets as regulated verse does, and the decoder is the
// exact optimum of its objective.
#include <doctest/doctest.h>

#include <vector>

#include "../../examples/poem_vae/decode.hpp"

using namespace poem;

TEST_CASE("poem tones: a syllable's tone class comes from its tone mark") {
    CHECK(tone_of_syllable("yī") == Tone::level);
    CHECK(tone_of_syllable("lái") == Tone::level);
    CHECK(tone_of_syllable("shuǐ") == Tone::oblique);
    CHECK(tone_of_syllable("yuè") == Tone::oblique);
    CHECK(tone_of_syllable("lǘ") == Tone::level);
    CHECK(tone_of_syllable("ń") == Tone::level);
    CHECK(tone_of_syllable("ǹg") == Tone::oblique);
    CHECK(tone_of_syllable("de") == Tone::unknown);  // neutral tone
    CHECK(tone_of_syllable("\xff") == Tone::unknown);
}

TEST_CASE("poem tones: the dictionary reader takes dict-zi.js lines and refuses others") {
    const std::string text = "var dict = [];\n"
                             "dict[0x4e00] = \"yī\"; /* 一 */\n"
                             "dict[0x770b] = \"kàn,kān\"; /* 看 */\n"
                             "dict[0x7684] = \"de,dí,dì\";\n"
                             "module.exports = dict;\n";
    const PinyinDict d = parse_pinyin_dict(text, "test.js");
    REQUIRE(d.size() == 3);
    CHECK(d.at(U'一').first == Tone::level);
    CHECK_FALSE(d.at(U'一').mixed);
    CHECK(d.at(U'看').first == Tone::oblique);  // the most common reading is the one used
    CHECK(d.at(U'看').mixed);
    CHECK(d.at(U'的').first == Tone::unknown);
    for (const char* bad : {"dict[0x4e00] = \"yī\"\n", "dict[4e00] = \"yī\";\n", "dict[0x] = \"yī\";\n",
                            "dict[0x4e00 = \"yī\";\n", "dict[0x4e00] = \"yī;\n", "dict[0x1100000] = \"a\";\n",
                            "dict[0x4e00] = \"yī\";\ndict[0x4e00] = \"yí\";\n", "var dict = [];\n", ""}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_pinyin_dict(bad, "bad.js"), ink::Error);
    }
    CHECK_THROWS_WITH_AS(parse_pinyin_dict("dict[0x4e00] = \"yī\"\n", "bad.js"),
                         doctest::Contains("'bad.js' line 1"), ink::Error);
}

TEST_CASE("poem tones: the table round-trips through its metadata form and refuses a wrong one") {
    const ToneTable t({Tone::level, Tone::oblique, Tone::unknown});
    CHECK(t.to_string() == "PZ?");
    const ToneTable back = ToneTable::from_string("PZ?", 3, "m");
    CHECK(back.to_string() == "PZ?");
    CHECK_THROWS_AS(ToneTable::from_string("PZ", 3, "m"), ink::Error);
    CHECK_THROWS_AS(ToneTable::from_string("PZX", 3, "m"), ink::Error);
}

TEST_CASE("poem tones: judging couplets") {
    // ids 0 level, 1 oblique, 2 unknown
    const ToneTable tones({Tone::level, Tone::oblique, Tone::unknown});
    auto couplet = [](const char* pz) {  // "ZZPPZPPZZP" -> ids
        Couplet c{};
        for (int i = 0; i < kLength; ++i) c[std::size_t(i)] = pz[i] == 'P' ? 0 : pz[i] == 'Z' ? 1 : 2;
        return c;
    };
    for (const char* standard : {"ZZPPZPPZZP", "PPPZZZZZPP", "ZZZPPPPZZP", "PPZZPZZZPP"}) {
        const ToneJudgement j = judge_tones(couplet(standard), tones);
        CHECK(j.pattern);
        CHECK(j.opposition);
        CHECK(j.rhyme_level);
        CHECK_FALSE(j.unknown);
    }
    const ToneJudgement same = judge_tones(couplet("ZZPPZZZPPZ"), tones);  // no opposition, oblique end
    CHECK_FALSE(same.opposition);
    CHECK(same.opposition_known);
    CHECK_FALSE(same.rhyme_level);
    CHECK_FALSE(same.pattern);
    const ToneJudgement unknown = judge_tones(couplet("Z?PPZP?ZZ?"), tones);
    CHECK(unknown.unknown);
    CHECK_FALSE(unknown.opposition_known);
    CHECK_FALSE(unknown.rhyme_known);
}

namespace {

// The tone-aware objective of a couplet, by definition.
double couplet_score(const float* logits, index_t V, const Couplet& c, float repeat, double lambda,
                     const ToneTable& tones) {
    double s = 0;
    for (index_t i = 0; i < kLength; ++i) {
        s += logits[i * V + c[std::size_t(i)]];
        const index_t line = i / kLine * kLine;
        for (index_t j = line; j < i; ++j)
            if (c[std::size_t(j)] == c[std::size_t(i)]) {
                s -= repeat;
                break;
            }
    }
    return s - lambda * (tone_violations_line1(c.data(), tones) + tone_violations_line2(c.data(), c.data() + kLine, tones));
}

}  // namespace

TEST_CASE("poem tones: tone-aware joint decoding equals a brute-force search over every couplet") {
    const index_t V = 4;  // 4^10 = 1,048,576 couplets
    const ToneTable tones({Tone::level, Tone::oblique, Tone::level, Tone::unknown});
    for (std::uint64_t seed = 1; seed <= 3; ++seed)
        for (const float lambda : {0.5f, 3.0f}) {
            std::vector<float> logits(std::size_t(kLength * V));
            ink::Rng(seed).fill_normal(logits.data(), index_t(logits.size()), 0.0f, 2.0f);
            DecodeOptions opt;
            opt.tone_penalty = lambda;
            opt.tones = &tones;
            ink::Rng rng(0);
            const Couplet got = decode(logits.data(), V, opt, rng);
            double best = -1e300;
            Couplet c{};
            for (std::int64_t code = 0; code < (std::int64_t(1) << (2 * kLength)); ++code) {
                for (index_t i = 0; i < kLength; ++i) c[std::size_t(i)] = std::int32_t((code >> (2 * i)) & 3);
                best = std::max(best, couplet_score(logits.data(), V, c, opt.repeat_penalty, lambda, tones));
            }
            CAPTURE(seed);
            CAPTURE(lambda);
            CHECK(couplet_score(logits.data(), V, got, opt.repeat_penalty, lambda, tones) == doctest::Approx(best).epsilon(1e-12));
        }
}

TEST_CASE("poem tones: tone-aware decoding without a tone table is refused") {
    std::vector<float> logits(std::size_t(kLength * 3), 0.0f);
    DecodeOptions opt;
    opt.tone_penalty = 1;
    ink::Rng rng(0);
    CHECK_THROWS_AS(decode(logits.data(), 3, opt, rng), ink::Error);
}
