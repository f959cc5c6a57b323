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
// would score higher with no more repeats), so it enumerates kLine^kLine = 3,125 lines.
// A finite penalty keeps the reduplications poets use (青青, 悠悠) when the model is sure of them.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/rng.hpp"

namespace poem {

using ink::index_t;

inline constexpr index_t kLine = 5;             // characters per line
inline constexpr index_t kLength = 2 * kLine;  // characters per couplet (the comma is dropped)

using Couplet = std::array<std::int32_t, kLength>;

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
    float repeat_penalty = 4.0f; // joint: nats charged per repeated character within a line
};

// Indices of the k largest values of x[0..n), largest first (ties: lower index first). One pass with
// a sorted buffer of k: k is small (5 for joint decoding, a few dozen for top-k sampling).
inline std::vector<std::int32_t> top_k_indices(const float* x, index_t n, index_t k) {
    k = std::min(k, n);
    std::vector<std::int32_t> top;
    top.reserve(static_cast<std::size_t>(k) + 1);
    for (index_t j = 0; j < n; ++j) {
        if (static_cast<index_t>(top.size()) == k && !(x[j] > x[top.back()])) continue;
        auto pos = std::upper_bound(top.begin(), top.end(), x[j], [x](float v, std::int32_t t) { return v > x[t]; });
        top.insert(pos, static_cast<std::int32_t>(j));
        if (static_cast<index_t>(top.size()) > k) top.pop_back();
    }
    return top;
}

namespace detail {

// The best line for the joint objective; logits holds kLine rows of V.
inline void decode_line_joint(const float* logits, index_t V, float penalty, std::int32_t* out) {
    std::array<std::vector<std::int32_t>, kLine> cand;
    for (index_t i = 0; i < kLine; ++i) cand[i] = top_k_indices(logits + i * V, V, kLine);
    const index_t K = static_cast<index_t>(cand[0].size());
    index_t total = 1;
    for (index_t i = 0; i < kLine; ++i) total *= K;
    double best = -std::numeric_limits<double>::infinity();
    std::array<std::int32_t, kLine> line{}, pick{};
    for (index_t code = 0; code < total; ++code) {
        double score = 0;
        index_t c = code;
        for (index_t i = 0; i < kLine; ++i, c /= K) {
            line[i] = cand[i][static_cast<std::size_t>(c % K)];
            score += logits[i * V + line[i]];
            for (index_t j = 0; j < i; ++j)
                if (line[j] == line[i]) {
                    score -= penalty;
                    break;
                }
        }
        if (score > best) best = score, pick = line;
    }
    std::copy(pick.begin(), pick.end(), out);
}

// A character drawn from softmax(logits / temperature) over the top_k most likely (all if 0).
inline std::int32_t sample_position(const float* logits, index_t V, float temperature, index_t top_k,
                                    ink::Rng& rng) {
    std::vector<std::int32_t> cand;
    if (top_k > 0 && top_k < V) {
        cand = top_k_indices(logits, V, top_k);
    } else {
        cand.resize(static_cast<std::size_t>(V));
        std::iota(cand.begin(), cand.end(), 0);
    }
    const float m = *std::max_element(logits, logits + V);
    std::vector<double> w(cand.size());
    double sum = 0;
    for (std::size_t j = 0; j < cand.size(); ++j) sum += w[j] = std::exp((logits[cand[j]] - m) / temperature);
    double u = rng.uniform() * sum;
    for (std::size_t j = 0; j < cand.size(); ++j)
        if ((u -= w[j]) < 0) return cand[j];
    return cand.back();
}

}  // namespace detail

// One couplet from its kLength x V logits.
inline Couplet decode(const float* logits, index_t V, const DecodeOptions& opt, ink::Rng& rng) {
    INK_CHECK(opt.temperature > 0, "--temperature must be positive, got ", opt.temperature);
    Couplet out{};
    switch (opt.method) {
        case Decode::Argmax:
            for (index_t i = 0; i < kLength; ++i) {
                const float* row = logits + i * V;
                out[i] = static_cast<std::int32_t>(std::max_element(row, row + V) - row);
            }
            break;
        case Decode::Sample:
            for (index_t i = 0; i < kLength; ++i)
                out[i] = detail::sample_position(logits + i * V, V, opt.temperature, opt.top_k, rng);
            break;
        case Decode::Joint:
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
