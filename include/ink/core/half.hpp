#pragma once
// Scalar conversions between float / double and the two 16-bit floating-point formats of
// safetensors files and bf16 kernels, as bit patterns (std::uint16_t):
//   F16  (IEEE 754 binary16): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits
//   BF16 (bfloat16):          1 sign bit, 8 exponent bits (bias 127), 7 mantissa bits
// Narrowing rounds to nearest, ties to even, in one step (a double is never rounded to float first,
// which could round twice); values beyond the largest finite half round to infinity; results below
// the smallest normal become denormals or signed zero. NaNs stay NaNs of the same sign, quiet (the
// quiet bit is set, as an IEEE 754 conversion does) with the top payload bits kept. Widening is exact.
// Plain inline functions without tables, usable from kernels.
#include <bit>
#include <cstdint>

namespace ink {

namespace half_detail {

// std::bit_cast, which the libc++ of Debian's emscripten (3.1.6) lacks; GCC and Clang both have the
// builtin, constexpr.
template <class To, class From>
constexpr To bit_cast(const From& x) {
    static_assert(sizeof(To) == sizeof(From));
    return __builtin_bit_cast(To, x);
}

// The bits of the value of `sign`, `biased_exponent` (IEEE, of a format with `kSrcBias` and
// `kSrcMantissa` mantissa bits) and `mantissa`, rounded to a binary format with kExponent exponent
// bits and kMantissa mantissa bits.
template <int kExponent, int kMantissa, int kSrcBias, int kSrcMantissa>
constexpr std::uint16_t narrow(std::uint64_t sign, std::uint64_t biased_exponent, std::uint64_t mantissa,
                               bool inf_or_nan) {
    constexpr std::uint64_t kInf = ((std::uint64_t(1) << kExponent) - 1) << kMantissa;
    constexpr int kBias = (1 << (kExponent - 1)) - 1;
    const auto out_sign = static_cast<std::uint16_t>(sign << (kExponent + kMantissa));
    if (inf_or_nan) {
        if (mantissa == 0) return static_cast<std::uint16_t>(out_sign | kInf);
        constexpr std::uint64_t kQuiet = std::uint64_t(1) << (kMantissa - 1);
        return static_cast<std::uint16_t>(out_sign | kInf | kQuiet | (mantissa >> (kSrcMantissa - kMantissa)));
    }
    if (biased_exponent == 0) return out_sign;  // zero, or a source denormal: far below any half denormal
    // value = significand * 2^(exponent - kSrcBias - kSrcMantissa), with the implicit leading 1.
    const std::uint64_t significand = mantissa | (std::uint64_t(1) << kSrcMantissa);
    const std::int64_t exponent = static_cast<std::int64_t>(biased_exponent) - kSrcBias + kBias;  // target's
    // Drop `shift` bits: to kMantissa bits for a normal result, more for a denormal (exponent < 1).
    const std::int64_t shift = kSrcMantissa - kMantissa + (exponent < 1 ? 1 - exponent : 0);
    if (shift > kSrcMantissa + 1) return out_sign;  // below half the smallest denormal: rounds to zero
    const std::uint64_t kept = significand >> shift;
    const std::uint64_t rest = significand & ((std::uint64_t(1) << shift) - 1);
    const std::uint64_t halfway = std::uint64_t(1) << (shift - 1);
    const std::uint64_t rounded = kept + (rest > halfway || (rest == halfway && (kept & 1)));
    // For a normal result `rounded` holds the implicit bit, which adds 1 to exponent - 1; a carry out of
    // the mantissa moves to the next binade, and from the largest one to infinity.
    const std::uint64_t bits = exponent < 1 ? rounded : (static_cast<std::uint64_t>(exponent - 1) << kMantissa) + rounded;
    return static_cast<std::uint16_t>(out_sign | (bits >= kInf ? kInf : bits));
}

template <int kExponent, int kMantissa>
constexpr std::uint16_t narrow_double(double x) {
    const auto b = bit_cast<std::uint64_t>(x);
    const std::uint64_t exponent = (b >> 52) & 0x7FF;
    return narrow<kExponent, kMantissa, 1023, 52>(b >> 63, exponent, b & ((std::uint64_t(1) << 52) - 1),
                                                   exponent == 0x7FF);
}
template <int kExponent, int kMantissa>
constexpr std::uint16_t narrow_float(float x) {
    const auto b = bit_cast<std::uint32_t>(x);
    const std::uint32_t exponent = (b >> 23) & 0xFF;
    return narrow<kExponent, kMantissa, 127, 23>(b >> 31, exponent, b & 0x7FFFFFu, exponent == 0xFF);
}

// The float with the bits of a binary format with kExponent (<= 8) exponent and kMantissa (<= 23)
// mantissa bits: exact.
template <int kExponent, int kMantissa>
constexpr float widen(std::uint16_t h) {
    constexpr std::uint32_t kMaxExponent = (1u << kExponent) - 1;
    constexpr int kBias = (1 << (kExponent - 1)) - 1;
    const std::uint32_t sign = static_cast<std::uint32_t>(h >> (kExponent + kMantissa)) << 31;
    std::uint32_t exponent = (h >> kMantissa) & kMaxExponent;
    std::uint32_t mantissa = h & ((1u << kMantissa) - 1);
    if (exponent == kMaxExponent) {  // infinity, or a NaN made quiet
        const std::uint32_t quiet = mantissa != 0 ? 0x400000u : 0;
        return bit_cast<float>(sign | 0x7F800000u | quiet | (mantissa << (23 - kMantissa)));
    }
    if (exponent == 0) {
        if (mantissa == 0) return bit_cast<float>(sign);
        if constexpr (kExponent < 8) {  // a denormal half is a normal float: normalise it
            const int lead = std::countl_zero(mantissa) - (32 - kMantissa);  // zeros above the top 1
            mantissa = (mantissa << (lead + 1)) & ((1u << kMantissa) - 1);
            return bit_cast<float>(sign | static_cast<std::uint32_t>(127 - kBias - lead) << 23 |
                                        (mantissa << (23 - kMantissa)));
        }
    } else {
        exponent = exponent - kBias + 127;
    }
    return bit_cast<float>(sign | exponent << 23 | (mantissa << (23 - kMantissa)));
}

}  // namespace half_detail

// float -> BF16, round to nearest even. The common bit trick: adding 0x7FFF plus the lowest kept bit
// rounds the 16 dropped bits half-to-even, and a carry runs into the exponent (up to infinity).
constexpr std::uint16_t bf16_from_float(float x) {
    const auto b = half_detail::bit_cast<std::uint32_t>(x);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((b >> 16) | 0x0040u);  // quiet NaN
    return static_cast<std::uint16_t>((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}
constexpr std::uint16_t bf16_from_double(double x) { return half_detail::narrow_double<8, 7>(x); }
constexpr std::uint16_t f16_from_float(float x) { return half_detail::narrow_float<5, 10>(x); }
constexpr std::uint16_t f16_from_double(double x) { return half_detail::narrow_double<5, 10>(x); }

constexpr float float_from_bf16(std::uint16_t h) { return half_detail::widen<8, 7>(h); }
constexpr float float_from_f16(std::uint16_t h) { return half_detail::widen<5, 10>(h); }

}  // namespace ink
