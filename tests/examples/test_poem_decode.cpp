// examples/poem_vae/decode.hpp: the joint decoder is the exact optimum of its objective, and the
// other methods do what they say.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "../../examples/poem_vae/decode.hpp"

using namespace poem;

namespace {

// Random logits (10, V) from a fixed seed, with ties impossible.
std::vector<float> random_logits(index_t V, std::uint64_t seed) {
    std::vector<float> l(std::size_t(kLength * V));
    ink::Rng(seed).fill_normal(l.data(), index_t(l.size()), 0.0f, 2.0f);
    return l;
}

// The joint objective of one line, by definition.
double line_score(const float* logits, index_t V, const std::int32_t* line, float penalty) {
    double s = 0;
    for (index_t i = 0; i < kLine; ++i) {
        s += logits[i * V + line[i]];
        for (index_t j = 0; j < i; ++j)
            if (line[j] == line[i]) {
                s -= penalty;
                break;
            }
    }
    return s;
}

}  // namespace

TEST_CASE("poem decode: joint equals a brute-force search over every line") {
    const index_t V = 7;  // 7^5 = 16,807 lines
    for (std::uint64_t seed = 1; seed <= 5; ++seed)
        for (const float penalty : {0.0f, 0.7f, 3.0f, 1e9f}) {
            // Logits with a favourite character shared by all positions, so that repeats tempt.
            std::vector<float> logits = random_logits(V, seed);
            for (index_t i = 0; i < kLength; ++i) logits[std::size_t(i * V + 2)] += 3.0f;
            ink::Rng rng(0);
            const Couplet got = decode(logits.data(), V, {Decode::Joint, 1.0f, 0, penalty}, rng);
            for (index_t line = 0; line < 2; ++line) {
                const float* l = logits.data() + line * kLine * V;
                double best = -1e300;
                std::int32_t x[kLine];
                for (index_t code = 0; code < 16807; ++code) {
                    index_t c = code;
                    for (index_t i = 0; i < kLine; ++i, c /= V) x[i] = std::int32_t(c % V);
                    best = std::max(best, line_score(l, V, x, penalty));
                }
                CHECK(line_score(l, V, got.data() + line * kLine, penalty) == doctest::Approx(best));
            }
        }
}

TEST_CASE("poem decode: an infinite penalty leaves no repeat; zero penalty is argmax") {
    const index_t V = 50;
    std::vector<float> logits = random_logits(V, 9);
    for (index_t i = 0; i < kLength; ++i) logits[std::size_t(i * V + 4)] += 10.0f;  // 4 wins everywhere
    ink::Rng rng(0);
    const Couplet argmax = decode(logits.data(), V, {Decode::Argmax}, rng);
    for (const auto id : argmax) CHECK(id == 4);
    const Couplet zero = decode(logits.data(), V, {Decode::Joint, 1.0f, 0, 0.0f}, rng);
    CHECK(zero == argmax);
    const Couplet distinct = decode(logits.data(), V, {Decode::Joint, 1.0f, 0, 1e9f}, rng);
    for (index_t line = 0; line < 2; ++line) {
        const std::set<std::int32_t> chars(distinct.begin() + line * kLine, distinct.begin() + (line + 1) * kLine);
        CHECK(chars.size() == std::size_t(kLine));
        CHECK(chars.count(4) == 1);
    }
}

TEST_CASE("poem decode: top-1 sampling is argmax; sampling follows the temperature") {
    const index_t V = 30;
    const std::vector<float> logits = random_logits(V, 4);
    ink::Rng rng(5);
    const Couplet argmax = decode(logits.data(), V, {Decode::Argmax}, rng);
    CHECK(decode(logits.data(), V, {Decode::Sample, 1.0f, 1}, rng) == argmax);
    CHECK(decode(logits.data(), V, {Decode::Sample, 1e-3f, 0}, rng) == argmax);  // near-zero temperature
    int differ = 0;
    for (int i = 0; i < 20; ++i) differ += decode(logits.data(), V, {Decode::Sample, 5.0f, 0}, rng) != argmax;
    CHECK(differ > 15);
    CHECK_THROWS_AS(parse_decode("beam"), ink::Error);
}
