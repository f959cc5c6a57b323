#pragma once
// Floating-point <-> text through std::to_chars / std::from_chars, with a fallback for a standard
// library that lacks their floating-point overloads (the libc++ of Debian's emscripten 3.1.6, used by
// the wasm build, docs/wasm.md). Both forms give the same answers on the texts ink writes and reads;
// the fallback is compiled everywhere so that tests/core/test_charconv.cpp checks it against the
// standard library on the native build.
#include <cerrno>
#include <cmath>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <type_traits>

namespace ink::detail {

// The fallback of shortest_decimal: the fewest significant digits, up to max_digits10 (which always
// parse back), that give x again.
template <class F>
char* shortest_decimal_fallback(char* first, char* last, F x) {
    static_assert(std::is_floating_point_v<F>);
    constexpr int kMaxDigits = std::is_same_v<F, float> ? 9 : 17;
    for (int digits = 1;; ++digits) {
        const int n = std::snprintf(first, std::size_t(last - first), "%.*g", digits, double(x));
        if (digits == kMaxDigits || F(std::strtod(first, nullptr)) == x) return first + n;
    }
}

// The fallback of parse_decimal: from_chars's grammar without inf/nan (ink refuses them anyway),
// [-] digits [. digits] [e [+-] digits], checked here because strtod also takes spaces, '+', hex and
// the locale's decimal point.
template <class F>
std::from_chars_result parse_decimal_fallback(const char* first, const char* last, F& value) {
    static_assert(std::is_floating_point_v<F>);
    const char* p = first;
    if (p < last && *p == '-') ++p;
    const char* digits = p;
    while (p < last && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                        ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E'))))
        ++p;
    if (p == digits || (!(*digits >= '0' && *digits <= '9') && *digits != '.')) return {first, std::errc::invalid_argument};
    char buf[128];
    if (p - first >= std::ptrdiff_t(sizeof buf)) return {first, std::errc::result_out_of_range};
    std::memcpy(buf, first, std::size_t(p - first));
    buf[p - first] = '\0';
    char* end = nullptr;
    errno = 0;
    const F v = std::is_same_v<F, float> ? F(std::strtof(buf, &end)) : F(std::strtod(buf, &end));
    if (end == buf) return {first, std::errc::invalid_argument};
    // strtod says ERANGE for subnormal results too, which from_chars reads as numbers: only an
    // overflow (infinity) or an underflow to zero is out of range.
    if (errno == ERANGE && (std::isinf(v) || v == F(0))) return {first + (end - buf), std::errc::result_out_of_range};
    value = v;
    return {first + (end - buf), std::errc()};
}

// Writes the shortest text that parses back to exactly x into [first, last) (at least 32 chars);
// returns its end.
template <class F>
char* shortest_decimal(char* first, char* last, F x) {
#if defined(__cpp_lib_to_chars)
    return std::to_chars(first, last, x).ptr;
#else
    return shortest_decimal_fallback(first, last, x);
#endif
}

// std::from_chars(first, last, value, general) for floating-point value.
template <class F>
std::from_chars_result parse_decimal(const char* first, const char* last, F& value) {
#if defined(__cpp_lib_to_chars)
    return std::from_chars(first, last, value, std::chars_format::general);
#else
    return parse_decimal_fallback(first, last, value);
#endif
}

}  // namespace ink::detail
