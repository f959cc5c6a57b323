// core/half.hpp: float / double <-> F16 and BF16 bit patterns, against hand-computed values and a
// naive nearest-value reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ink/core/half.hpp"
#include "ink/core/rng.hpp"

using namespace ink;

namespace {

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }
float from_bits(std::uint32_t b) { return std::bit_cast<float>(b); }

// The nearest F16 to a finite float by search over all finite F16 values, ties to the even bit
// pattern, beyond 65504 + half an ulp (65520) infinity: the definition, independent of half.hpp's
// bit manipulation except for widening (checked exactly below).
std::uint16_t nearest_f16(float x) {
    static const std::vector<std::pair<float, std::uint16_t>> positives = [] {
        std::vector<std::pair<float, std::uint16_t>> v;
        for (std::uint32_t h = 0; h < 0x7C00; ++h) v.emplace_back(float_from_f16(static_cast<std::uint16_t>(h)), h);
        return v;  // increasing with h
    }();
    const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
    const double a = std::fabs(static_cast<double>(x));
    if (a >= 65520.0) return sign | 0x7C00;
    auto hi = std::lower_bound(positives.begin(), positives.end(), a,
                               [](const auto& p, double v) { return static_cast<double>(p.first) < v; });
    if (hi == positives.end()) return sign | 0x7BFF;
    if (hi->first == a || hi == positives.begin()) return sign | hi->second;
    const auto lo = hi - 1;
    const double up = static_cast<double>(hi->first) - a, down = a - static_cast<double>(lo->first);
    if (up < down) return sign | hi->second;
    if (down < up) return sign | lo->second;
    return sign | ((lo->second & 1) == 0 ? lo->second : hi->second);
}

}  // namespace

TEST_CASE("issue10.1 half: hand-computed F16 and BF16 bit patterns") {
    CHECK(bf16_from_float(1.0f) == 0x3F80);
    CHECK(f16_from_float(1.0f) == 0x3C00);
    CHECK(bf16_from_float(-2.0f) == 0xC000);
    CHECK(f16_from_float(-2.0f) == 0xC000);
    CHECK(f16_from_float(1.0f / 3) == 0x3555);   // 0.333251953125
    CHECK(bf16_from_float(1.0f / 3) == 0x3EAB);  // 0x3EAAAAAB: the dropped 0xAAAB is above half
    CHECK(bf16_from_float(0.1f) == 0x3DCD);      // 0x3DCCCCCD
    CHECK(f16_from_float(0.0f) == 0x0000);
    CHECK(f16_from_float(-0.0f) == 0x8000);
    CHECK(bf16_from_float(-0.0f) == 0x8000);

    // F16 overflow: 65504 is the largest finite; 65520 lies half way to 65536 and rounds (to even) up.
    CHECK(f16_from_float(65504.0f) == 0x7BFF);
    CHECK(f16_from_float(65519.0f) == 0x7BFF);
    CHECK(f16_from_float(65520.0f) == 0x7C00);
    CHECK(f16_from_float(-65520.0f) == 0xFC00);
    CHECK(f16_from_float(1e10f) == 0x7C00);
    CHECK(f16_from_double(1e300) == 0x7C00);
    CHECK(bf16_from_float(std::numeric_limits<float>::max()) == 0x7F80);  // rounds past 0x7F7F to infinity
    CHECK(bf16_from_float(from_bits(0x7F7F7FFF)) == 0x7F7F);              // just below the half way point
    CHECK(f16_from_float(std::numeric_limits<float>::infinity()) == 0x7C00);
    CHECK(bf16_from_float(-std::numeric_limits<float>::infinity()) == 0xFF80);

    // F16 denormals: the smallest is 2^-24; 2^-25 is half of it and rounds to even (zero).
    CHECK(f16_from_float(std::ldexp(1.0f, -24)) == 0x0001);
    CHECK(f16_from_float(std::ldexp(1.0f, -25)) == 0x0000);
    CHECK(f16_from_float(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
    CHECK(f16_from_float(std::ldexp(3.0f, -25)) == 0x0002);  // 1.5 ulp: tie, to even
    CHECK(f16_from_float(std::ldexp(1023.0f, -24)) == 0x03FF);
    CHECK(f16_from_float(std::ldexp(1.0f, -14)) == 0x0400);  // the smallest normal
    CHECK(f16_from_float(std::ldexp(2047.0f, -25)) == 0x0400);  // rounds up out of the denormals
    CHECK(f16_from_float(-std::ldexp(1.0f, -24)) == 0x8001);
    CHECK(f16_from_float(std::numeric_limits<float>::denorm_min()) == 0x0000);
    // BF16 denormals: the smallest is 2^-133.
    CHECK(bf16_from_float(std::ldexp(1.0f, -133)) == 0x0001);
    CHECK(bf16_from_float(std::numeric_limits<float>::denorm_min()) == 0x0000);

    // Ties to even in the normal range: at 1.0 an F16 ulp is 2^-10, a BF16 ulp 2^-7.
    CHECK(f16_from_float(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
    CHECK(f16_from_float(1.0f + std::ldexp(3.0f, -11)) == 0x3C02);
    CHECK(f16_from_float(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3C01);
    CHECK(bf16_from_float(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);
    CHECK(bf16_from_float(1.0f + std::ldexp(3.0f, -8)) == 0x3F82);
    CHECK(bf16_from_float(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)) == 0x3F81);

    // From double in one rounding: 1 + 2^-11 + 2^-30 is just above an F16 tie, but as a float it is
    // the tie itself (rounding twice would give 0x3C00).
    CHECK(f16_from_double(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30)) == 0x3C01);
    CHECK(bf16_from_double(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)) == 0x3F81);
    CHECK(f16_from_double(std::ldexp(1.0, -24)) == 0x0001);
    CHECK(f16_from_double(std::numeric_limits<double>::denorm_min()) == 0x0000);
    CHECK(bf16_from_double(std::ldexp(1.0, -133)) == 0x0001);

    // NaN: sign kept, made quiet, top payload bits kept.
    CHECK(bf16_from_float(from_bits(0x7FC00000)) == 0x7FC0);
    CHECK(f16_from_float(from_bits(0x7FC00000)) == 0x7E00);
    CHECK(bf16_from_float(from_bits(0xFFC00000)) == 0xFFC0);
    CHECK(f16_from_float(from_bits(0xFFC00000)) == 0xFE00);
    CHECK(bf16_from_float(from_bits(0x7F800001)) == 0x7FC0);  // a signalling NaN whose payload is dropped
    CHECK(f16_from_float(from_bits(0x7F800001)) == 0x7E00);
    CHECK(bf16_from_float(from_bits(0x7FA12345)) == 0x7FE1);  // payload 0x21.. kept, quiet bit 0x40 set
    CHECK(f16_from_float(from_bits(0x7FA12345)) == 0x7F09);   // 0x212345 >> 13 = 0x109, quiet bit 0x200
    CHECK(f16_from_double(std::numeric_limits<double>::quiet_NaN()) == 0x7E00);
}

TEST_CASE("issue10.1 half: widening is exact and inverts narrowing") {
    CHECK(float_from_f16(0x3C00) == 1.0f);
    CHECK(float_from_bf16(0x3F80) == 1.0f);
    CHECK(float_from_f16(0x7BFF) == 65504.0f);
    CHECK(float_from_f16(0x0001) == std::ldexp(1.0f, -24));
    CHECK(float_from_f16(0x03FF) == std::ldexp(1023.0f, -24));
    CHECK(float_from_f16(0x0400) == std::ldexp(1.0f, -14));
    CHECK(float_from_f16(0x3555) == 0.333251953125f);
    CHECK(bits(float_from_f16(0x8000)) == 0x80000000u);
    CHECK(float_from_f16(0xFC00) == -std::numeric_limits<float>::infinity());
    CHECK(bits(float_from_bf16(0x0001)) == 0x00010000u);  // a BF16 denormal is a float denormal
    CHECK(bits(float_from_bf16(0xFF80)) == 0xFF800000u);
    CHECK(bits(float_from_f16(0x7E00)) == 0x7FC00000u);
    CHECK(bits(float_from_f16(0x7C01)) == 0x7FC02000u);  // signalling NaN: payload kept, made quiet
    CHECK(bits(float_from_bf16(0x7F81)) == 0x7FC10000u);
    CHECK(bits(float_from_f16(0xFF09)) == 0xFFE12000u);

    // Every one of the 65,536 patterns: widening then narrowing (from float and from double) gives
    // the pattern back, NaNs aside, which come back quiet with the same payload.
    for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
        const auto p = static_cast<std::uint16_t>(h);
        const bool f16_nan = (p & 0x7C00) == 0x7C00 && (p & 0x03FF) != 0;
        const bool bf16_nan = (p & 0x7F80) == 0x7F80 && (p & 0x007F) != 0;
        const std::uint16_t f16_back = f16_nan ? static_cast<std::uint16_t>(p | 0x0200) : p;
        const std::uint16_t bf16_back = bf16_nan ? static_cast<std::uint16_t>(p | 0x0040) : p;
        if (f16_from_float(float_from_f16(p)) != f16_back || f16_from_double(float_from_f16(p)) != f16_back ||
            bf16_from_float(float_from_bf16(p)) != bf16_back || bf16_from_double(float_from_bf16(p)) != bf16_back) {
            CAPTURE(h);
            FAIL("round trip");
        }
    }
}

TEST_CASE("issue10.1 half: narrowing matches a nearest-value search, and bf16's bit trick the general path") {
    Rng rng(2024);
    std::vector<float> xs;
    for (int i = 0; i < 200000; ++i) xs.push_back(from_bits(static_cast<std::uint32_t>(rng.next_u64())));
    // Floats near F16's range, its denormals and ties, where the cases are.
    for (int i = 0; i < 200000; ++i)
        xs.push_back(std::ldexp(static_cast<float>(rng.uniform()), static_cast<int>(rng.next_u64() % 48) - 30));
    for (float tie = std::ldexp(1.0f, -25); tie < 70000.0f; tie *= 1.37f) xs.push_back(tie);
    int checked = 0;
    for (const float x : xs) {
        if (std::isnan(x)) continue;
        ++checked;
        const std::uint16_t f16 = f16_from_float(x), want = nearest_f16(x);
        const std::uint16_t bf16 = bf16_from_float(x), general = bf16_from_double(static_cast<double>(x));
        if (f16 != want || f16_from_double(static_cast<double>(x)) != want || bf16 != general) {
            CAPTURE(bits(x));
            CAPTURE(f16);
            CAPTURE(want);
            CAPTURE(bf16);
            CAPTURE(general);
            FAIL("mismatch");
        }
    }
    CHECK(checked > 390000);
}
