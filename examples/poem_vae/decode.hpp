#pragma once
// Turning the decoder's per-position logits into characters.
//
// The decoder is conditionally independent across positions: given z it outputs ten separate
// distributions, and the original picks the argmax of each. Where a position is uncertain its argmax
// falls back on the most frequent characters (风, 春, 人), and nothing stops two positions of a line
// from choosing the same one: 风影动风风. `joint` decodes each line as a whole instead: it finds the
// exact maximum over the line of
//     sum_i log p_i(x_i)  -  repeat_penalty * (number of positions repeating an earlier character)
// Log-probabilities differ from logits by one constant per position, so the logits serve as they are.
// The search is exact and cheap: in an optimal line each position's character is among that
// position's kLine best (if it were not, one of those kLine is used nowhere else in the line and
// would score higher with no more repeats), so it searches kLine^kLine = 3,125 lines at most, with
// branch and bound.
// A finite penalty keeps the reduplications poets use (青青, 悠悠) when the model is sure of them.
//
// With a tone table and tone_penalty > 0, `joint` maximises over the whole couplet
//     sum_i log p_i(x_i) - repeat_penalty * repeats - tone_penalty * (tonal rules broken)
// with the four rules of tones.hpp (二四异 in the first line, opposition at positions 2 and 4, the
// level ending). Still exact: the rules couple the lines only through the tone classes of the first
// line's positions 2 and 4, so for each of the (at most 9) pairs of classes there it decodes the
// best first line with those classes and the best second line given them, and keeps the best sum.
// Within a class every character is charged alike, so the same argument as above needs only the
// kLine best of each class per position.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/rng.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"

#include "couplet.hpp"
#include "tones.hpp"

namespace poem {

enum class Decode { Argmax, Sample, Joint };

inline Decode parse_decode(const std::string& name) {
    if (name == "argmax") return Decode::Argmax;
    if (name == "sample") return Decode::Sample;
    if (name == "joint") return Decode::Joint;
    ink::detail::fail("unknown decoding method '", name, "': expected argmax, sample or joint");
}

struct DecodeOptions {
    Decode method = Decode::Joint;
    float temperature = 1.0f;    // sample: logits are divided by it
    index_t top_k = 0;           // sample: keep the k most likely characters (0: all)
    float repeat_penalty = 1.0f; // joint: nats charged per repeated character within a line
    float tone_penalty = 0.0f;   // joint: nats charged per broken tonal rule; 0 ignores tones
    const ToneTable* tones = nullptr;  // the model's tone table; required when tone_penalty > 0
};

// Indices of the k largest values of x[0..n), largest first (ties: lower index first). One pass with
// a sorted buffer of k; blocks whose (vectorised) maximum does not beat the k-th best so far, which
// is nearly all of them, are skipped.
inline std::vector<std::int32_t> top_k_indices(const float* x, index_t n, index_t k) {
    k = std::min(k, n);
    constexpr index_t kBlock = 64;
    std::vector<std::int32_t> top;
    top.reserve(static_cast<std::size_t>(k) + 1);
    for (index_t b = 0; b < n; b += kBlock) {
        const index_t end = std::min(n, b + kBlock);
        if (static_cast<index_t>(top.size()) == k && !(ink::kernels::max(end - b, x + b) > x[top.back()])) continue;
        for (index_t j = b; j < end; ++j) {
            if (static_cast<index_t>(top.size()) == k && !(x[j] > x[top.back()])) continue;
            const auto pos =
                std::upper_bound(top.begin(), top.end(), x[j], [x](float v, std::int32_t t) { return v > x[t]; });
            top.insert(pos, static_cast<std::int32_t>(j));
            if (static_cast<index_t>(top.size()) > k) top.pop_back();
        }
    }
    return top;
}

namespace detail {

// A character that may stand at a position, and what choosing it adds to the objective.
struct Candidate {
    std::int32_t id;
    double value;
};

// The best line over the given candidates (per position, best value first): the maximum of
//     sum_i value_i(x_i) - penalty * (positions repeating an earlier character),
// written to out[0..kLine); returns it. Depth-first over positions, cutting a branch when even the
// best remaining values (without penalties) cannot beat the best line found.
inline double best_line(const std::array<std::vector<Candidate>, kLine>& cand, float penalty, std::int32_t* out) {
    std::array<double, kLine + 1> rest{};  // rest[i]: sum of the best values of positions i..
    for (index_t i = kLine - 1; i >= 0; --i) rest[i] = rest[i + 1] + cand[i].front().value;
    double best = -std::numeric_limits<double>::infinity();
    std::array<std::int32_t, kLine> line{};
    auto search = [&](auto&& self, index_t i, double score) -> void {
        if (i == kLine) {
            if (score > best) best = score, std::copy(line.begin(), line.end(), out);
            return;
        }
        for (const Candidate& c : cand[i]) {
            double s = score + c.value;
            if (s + rest[i + 1] <= best) break;  // candidates are sorted: the next ones are worse
            for (index_t j = 0; j < i; ++j)
                if (line[j] == c.id) {
                    s -= penalty;
                    break;
                }
            if (s + rest[i + 1] <= best) continue;
            line[i] = c.id;
            self(self, i + 1, s);
        }
    };
    search(search, 0, 0.0);
    return best;
}

// The best line for the joint objective; logits holds kLine rows of V.
inline void decode_line_joint(const float* logits, index_t V, float penalty, std::int32_t* out) {
    std::array<std::vector<Candidate>, kLine> cand;
    for (index_t i = 0; i < kLine; ++i)
        for (const std::int32_t c : top_k_indices(logits + i * V, V, kLine)) cand[i].push_back({c, logits[i * V + c]});
    best_line(cand, penalty, out);
}

// The k most likely characters of each tone class in one row of V logits (best first).
inline std::array<std::vector<std::int32_t>, 3> top_k_by_tone(const float* x, index_t V, const ToneTable& tones,
                                                              index_t k) {
    std::array<std::vector<std::int32_t>, 3> top;
    for (std::int32_t j = 0; j < V; ++j) {
        auto& t = top[static_cast<std::size_t>(tones[j])];
        if (index_t(t.size()) == k && !(x[j] > x[t.back()])) continue;
        t.insert(std::upper_bound(t.begin(), t.end(), x[j], [x](float v, std::int32_t c) { return v > x[c]; }), j);
        if (index_t(t.size()) > k) t.pop_back();
    }
    return top;
}

// The best couplet for the tone-aware joint objective (see the top of this file); logits: kLength x V.
inline void decode_couplet_tonal(const float* logits, index_t V, const DecodeOptions& opt, std::int32_t* out) {
    INK_CHECK(opt.tones != nullptr && opt.tones->size() == std::size_t(V),
              "tone-aware decoding needs the model's tone table (one tone per vocabulary character)");
    const ToneTable& tones = *opt.tones;
    const double lambda = opt.tone_penalty;
    std::array<std::array<std::vector<std::int32_t>, 3>, kLength> by_tone;
    for (index_t i = 0; i < kLength; ++i) by_tone[i] = top_k_by_tone(logits + i * V, V, tones, kLine);
    // Candidates of position i from the given classes, each charged `charge(class)` nats.
    auto candidates = [&](index_t i, std::span<const Tone> classes, auto charge) {
        std::vector<Candidate> c;
        for (const Tone t : classes)
            for (const std::int32_t id : by_tone[i][static_cast<std::size_t>(t)])
                c.push_back({id, double(logits[i * V + id]) - lambda * charge(t)});
        std::stable_sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) { return a.value > b.value; });
        return c;
    };
    const auto none = [](Tone) { return 0.0; };
    static constexpr std::array<Tone, 3> kAll = {Tone::unknown, Tone::level, Tone::oblique};
    double best = -std::numeric_limits<double>::infinity();
    std::array<std::int32_t, kLength> line{};
    for (const Tone a : kAll)
        for (const Tone b : kAll) {  // the classes of the first line's positions 2 and 4
            std::array<std::vector<Candidate>, kLine> first, second;
            for (index_t i = 0; i < kLine; ++i) {
                first[i] = i == 1 ? candidates(i, std::span(&a, 1), none)
                         : i == 3 ? candidates(i, std::span(&b, 1), none) : candidates(i, kAll, none);
                const auto charge = [&](Tone t) {
                    return i == 1 ? double(!opposite(a, t)) : i == 3 ? double(!opposite(b, t))
                         : i == kLine - 1 ? double(t != Tone::level) : 0.0;
                };
                second[i] = candidates(kLine + i, kAll, charge);
            }
            if (first[1].empty() || first[3].empty()) continue;
            const double s = best_line(first, opt.repeat_penalty, line.data()) - lambda * !opposite(a, b) +
                             best_line(second, opt.repeat_penalty, line.data() + kLine);
            if (s > best) best = s, std::copy(line.begin(), line.end(), out);
        }
}

// A character drawn from softmax(logits / temperature) over the top_k most likely (all if 0).
inline std::int32_t sample_position(const float* logits, index_t V, float temperature, index_t top_k,
                                    ink::Rng& rng) {
    const bool all = top_k <= 0 || top_k >= V;
    std::vector<std::int32_t> cand;
    std::vector<float> w(static_cast<std::size_t>(all ? V : top_k));
    if (all) {
        ink::kernels::add_scalar(V, logits, -ink::kernels::max(V, logits), w.data());
    } else {
        cand = top_k_indices(logits, V, top_k);
        for (std::size_t j = 0; j < cand.size(); ++j) w[j] = logits[cand[j]] - logits[cand[0]];
    }
    const index_t n = static_cast<index_t>(w.size());
    ink::kernels::scale(n, 1.0f / temperature, w.data(), w.data());
    ink::kernels::exp(n, w.data(), w.data());
    double u = rng.uniform() * double(ink::kernels::sum(n, w.data()));
    index_t j = 0;
    while (j + 1 < n && (u -= w[static_cast<std::size_t>(j)]) >= 0) ++j;
    return all ? static_cast<std::int32_t>(j) : cand[static_cast<std::size_t>(j)];
}

}  // namespace detail

// One couplet from its kLength x V logits.
inline Couplet decode(const float* logits, index_t V, const DecodeOptions& opt, ink::Rng& rng) {
    INK_CHECK(opt.temperature > 0, "--temperature must be positive, got ", opt.temperature);
    Couplet out{};
    switch (opt.method) {
        case Decode::Argmax:
            for (index_t i = 0; i < kLength; ++i) out[i] = top_k_indices(logits + i * V, V, 1)[0];
            break;
        case Decode::Sample:
            for (index_t i = 0; i < kLength; ++i)
                out[i] = detail::sample_position(logits + i * V, V, opt.temperature, opt.top_k, rng);
            break;
        case Decode::Joint:
            if (opt.tone_penalty > 0) {
                detail::decode_couplet_tonal(logits, V, opt, out.data());
                break;
            }
            for (index_t line = 0; line < 2; ++line)
                detail::decode_line_joint(logits + line * kLine * V, V, opt.repeat_penalty, out.data() + line * kLine);
            break;
    }
    return out;
}

// Sum over positions of log p_i(x_i): how likely the decoder finds a couplet (logits: kLength x V).
inline double log_likelihood(const float* logits, index_t V, const Couplet& c) {
    double total = 0;
    for (index_t i = 0; i < kLength; ++i) {
        const float* row = logits + i * V;
        const float m = *std::max_element(row, row + V);
        double s = 0;
        for (index_t j = 0; j < V; ++j) s += std::exp(double(row[j] - m));
        total += row[c[i]] - m - std::log(s);
    }
    return total;
}

}  // namespace poem
