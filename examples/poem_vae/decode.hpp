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
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"

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
    float repeat_penalty = 1.0f; // joint: nats charged per repeated character within a line
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

// The best line for the joint objective; logits holds kLine rows of V. Depth-first over positions,
// each position's candidates best first, cutting a branch when even the best remaining characters
// (without penalties) cannot beat the best line found.
inline void decode_line_joint(const float* logits, index_t V, float penalty, std::int32_t* out) {
    std::array<std::vector<std::int32_t>, kLine> cand;
    std::array<double, kLine + 1> rest{};  // rest[i]: sum of the top logits of positions i..
    for (index_t i = kLine - 1; i >= 0; --i) {
        cand[i] = top_k_indices(logits + i * V, V, kLine);
        rest[i] = rest[i + 1] + logits[i * V + cand[i][0]];
    }
    double best = -std::numeric_limits<double>::infinity();
    std::array<std::int32_t, kLine> line{};
    auto search = [&](auto&& self, index_t i, double score) -> void {
        if (i == kLine) {
            if (score > best) best = score, std::copy(line.begin(), line.end(), out);
            return;
        }
        for (const std::int32_t c : cand[i]) {
            double s = score + logits[i * V + c];
            if (s + rest[i + 1] <= best) break;  // candidates are sorted: the next ones are worse
            for (index_t j = 0; j < i; ++j)
                if (line[j] == c) {
                    s -= penalty;
                    break;
                }
            if (s + rest[i + 1] <= best) continue;
            line[i] = c;
            self(self, i + 1, s);
        }
    };
    search(search, 0, 0.0);
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
