#pragma once
// Rng: a counter-based random number generator (Philox4x32-10, Salmon et al., SC'11).
//
// Each call to the Philox function maps (counter, key) to four independent 32-bit words. The state
// is just (seed, counter), so it can be saved in a checkpoint, and element i of a fill is a pure
// function of (seed, counter + i / per_block): the numbers never depend on how many threads fill.
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>
#include <utility>

#include "ink/core/shape.hpp"

namespace ink {

class Rng {
public:
    struct State {
        std::uint64_t seed = 0;
        std::uint64_t counter = 0;  // the number of 128-bit blocks consumed so far
    };

    explicit Rng(std::uint64_t seed = 0) : state_{seed, 0} {}

    State state() const { return state_; }
    void set_state(State s) { state_ = s; }
    std::uint64_t seed() const { return state_.seed; }

    // An independent stream, e.g. one per data loader, derived from this generator's seed.
    Rng fork(std::uint64_t stream) const { return Rng(mix(state_.seed ^ mix(stream + 0x9E3779B97F4A7C15ull))); }

    std::uint64_t next_u64() {
        const auto r = block(state_.counter++);
        return (std::uint64_t(r[0]) << 32) | r[1];
    }
    // Uniform integer in [0, n), unbiased (rejection).
    std::uint64_t uniform_int(std::uint64_t n) {
        INK_CHECK(n > 0, "Rng::uniform_int: expected n > 0");
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        std::uint64_t x;
        do x = next_u64();
        while (x >= limit);
        return x % n;
    }
    // Uniform double in [0, 1).
    double uniform() { return to_unit<double>(next_u64()); }
    double normal() {
        double z[2];
        normal_pair(block(state_.counter++), z);
        return z[0];
    }

    // out[i] ~ U[lo, hi), i in [0, n).
    template <class T>
    void fill_uniform(T* out, index_t n, T lo, T hi) {
        static_assert(std::is_floating_point_v<T>);
        constexpr index_t per = kPerBlock<T>;
        const index_t blocks = (n + per - 1) / per;
        for (index_t b = 0; b < blocks; ++b) {
            T u[per];
            uniforms<T>(block(state_.counter + static_cast<std::uint64_t>(b)), u);
            for (index_t j = 0; j < per && b * per + j < n; ++j) out[b * per + j] = lo + (hi - lo) * u[j];
        }
        state_.counter += static_cast<std::uint64_t>(blocks);
    }
    // out[i] ~ N(mean, stddev^2) by the Box-Muller transform.
    template <class T>
    void fill_normal(T* out, index_t n, T mean, T stddev) {
        static_assert(std::is_floating_point_v<T>);
        constexpr index_t per = kPerBlock<T>;
        const index_t blocks = (n + per - 1) / per;
        for (index_t b = 0; b < blocks; ++b) {
            T z[per];
            const auto r = block(state_.counter + static_cast<std::uint64_t>(b));
            if constexpr (per == 4) {
                normal_pair(std::array<std::uint32_t, 4>{r[0], r[1], 0, 0}, z, true);
                normal_pair(std::array<std::uint32_t, 4>{r[2], r[3], 0, 0}, z + 2, true);
            } else {
                normal_pair(r, z);
            }
            for (index_t j = 0; j < per && b * per + j < n; ++j) out[b * per + j] = mean + stddev * z[j];
        }
        state_.counter += static_cast<std::uint64_t>(blocks);
    }
    // Fisher-Yates shuffle of a random-access range.
    template <class It>
    void shuffle(It first, It last) {
        const auto n = static_cast<std::uint64_t>(last - first);
        for (std::uint64_t i = n; i > 1; --i) {
            const auto j = uniform_int(i);
            using std::swap;
            swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
        }
    }

    // The raw Philox4x32-10 block for a counter under this generator's seed.
    std::array<std::uint32_t, 4> block(std::uint64_t counter) const {
        std::array<std::uint32_t, 4> c{std::uint32_t(counter), std::uint32_t(counter >> 32), 0, 0};
        std::uint32_t k0 = std::uint32_t(state_.seed), k1 = std::uint32_t(state_.seed >> 32);
        for (int round = 0; round < 10; ++round) {
            const std::uint64_t p0 = std::uint64_t(0xD2511F53u) * c[0];
            const std::uint64_t p1 = std::uint64_t(0xCD9E8D57u) * c[2];
            c = {std::uint32_t(p1 >> 32) ^ c[1] ^ k0, std::uint32_t(p1), std::uint32_t(p0 >> 32) ^ c[3] ^ k1,
                 std::uint32_t(p0)};
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        return c;
    }

private:
    // float draws take 32 bits (4 per block); double draws take 64 bits (2 per block).
    template <class T>
    static constexpr index_t kPerBlock = sizeof(T) == 4 ? 4 : 2;

    template <class T>
    static T to_unit(std::uint64_t bits) {
        if constexpr (sizeof(T) == 4)
            return static_cast<T>(static_cast<std::uint32_t>(bits) >> 8) * T(1.0 / 16777216.0);
        else
            return static_cast<T>(bits >> 11) * T(1.0 / 9007199254740992.0);
    }
    template <class T>
    static void uniforms(const std::array<std::uint32_t, 4>& r, T* u) {
        if constexpr (sizeof(T) == 4) {
            for (int j = 0; j < 4; ++j) u[j] = to_unit<T>(r[static_cast<std::size_t>(j)]);
        } else {
            u[0] = to_unit<T>((std::uint64_t(r[0]) << 32) | r[1]);
            u[1] = to_unit<T>((std::uint64_t(r[2]) << 32) | r[3]);
        }
    }
    // Two standard normals from the block's bits; with `use32`, from its first two words only.
    template <class T>
    static void normal_pair(const std::array<std::uint32_t, 4>& r, T* z, bool use32 = false) {
        double u1, u2;
        if (use32) {
            u1 = (static_cast<double>(r[0]) + 1.0) * (1.0 / 4294967297.0);  // (0, 1): log stays finite
            u2 = static_cast<double>(r[1]) * (1.0 / 4294967296.0);
        } else {
            u1 = (static_cast<double>(((std::uint64_t(r[0]) << 32) | r[1]) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
            u2 = static_cast<double>(((std::uint64_t(r[2]) << 32) | r[3]) >> 11) * (1.0 / 9007199254740992.0);
        }
        const double radius = std::sqrt(-2.0 * std::log(u1));
        const double angle = 2.0 * std::numbers::pi * u2;
        z[0] = static_cast<T>(radius * std::cos(angle));
        z[1] = static_cast<T>(radius * std::sin(angle));
    }
    static std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    }

    State state_;
};

}  // namespace ink
