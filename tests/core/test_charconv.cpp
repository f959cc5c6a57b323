// core/charconv.hpp: the fallback used where the standard library lacks floating-point to_chars /
// from_chars (the wasm build) checked against the standard library's own, so that a checkpoint's
// metadata or a CSV reads and writes the same numbers on both builds.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ink/core/charconv.hpp"
#include "ink/core/rng.hpp"

using namespace ink;

namespace {

// The number of significant digits of a decimal text ("-1.250e-3" -> 3).
int significant_digits(const std::string& text) {
    std::string mantissa = text.substr(0, text.find_first_of("eE"));
    std::string digits;
    for (const char c : mantissa)
        if (c >= '0' && c <= '9') digits += c;
    const auto first = digits.find_first_not_of('0');
    if (first == std::string::npos) return 1;
    const auto last = digits.find_last_not_of('0');
    return int(last - first + 1);
}

// Values with every kind of edge: zero and its sign, subnormals, the extremes, powers of ten, values
// whose shortest text needs the maximum digits, and random bit patterns.
template <class F>
std::vector<F> interesting_values() {
    using L = std::numeric_limits<F>;
    std::vector<F> v = {F(0),          -F(0),          F(1),         F(-1),        F(0.1),        F(1) / F(3),
                        L::min(),      L::denorm_min(), L::max(),    -L::max(),    L::epsilon(),  F(1e10),
                        F(123456789),  F(1e-7),         F(2.5e-5),   F(16777217),  F(0.30000001), F(100)};
    Rng rng(7);
    while (v.size() < 2000) {
        std::uint64_t bits = rng.next_u64();
        F x;
        if constexpr (sizeof(F) == 4) {
            const auto b = std::uint32_t(bits);
            std::memcpy(&x, &b, 4);
        } else {
            std::memcpy(&x, &bits, 8);
        }
        if (std::isfinite(x)) v.push_back(x);
    }
    return v;
}

template <class F>
void check_shortest_decimal() {
    for (const F x : interesting_values<F>()) {
        char ours[64], theirs[64];
        const std::string text(ours, detail::shortest_decimal_fallback(ours, ours + sizeof ours, x));
        const std::string standard(theirs, std::to_chars(theirs, theirs + sizeof theirs, x).ptr);
        INFO("x = ", standard, ", fallback wrote ", text);
        F back = F(-42);
        const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
        REQUIRE(r.ec == std::errc());
        CHECK(r.ptr == text.data() + text.size());
        CHECK(back == x);
        CHECK(std::signbit(back) == std::signbit(x));
        // Shortest: no more significant digits than the standard library's shortest form.
        CHECK(significant_digits(text) <= significant_digits(standard));
    }
}

template <class F>
void check_parse_decimal(const std::string& text) {
    F ours = F(-42), theirs = F(-42);
    const char* first = text.data();
    const char* last = first + text.size();
    const auto a = detail::parse_decimal_fallback(first, last, ours);
    const auto b = std::from_chars(first, last, theirs, std::chars_format::general);
    INFO("text '", text, "'");
    CHECK(a.ec == b.ec);
    if (b.ec == std::errc()) {
        CHECK(a.ptr == b.ptr);
        CHECK(ours == theirs);
        CHECK(std::signbit(ours) == std::signbit(theirs));
    } else {
        CHECK(ours == F(-42));  // a refused text leaves the value alone, as from_chars does
    }
}

}  // namespace

TEST_CASE("charconv fallback: shortest_decimal round-trips with no more digits than to_chars") {
    check_shortest_decimal<float>();
    check_shortest_decimal<double>();
}

TEST_CASE("charconv fallback: parse_decimal reads what from_chars reads, and refuses what it refuses") {
    const std::vector<std::string> texts = {
        "0", "-0", "1", "-1", "1.5", ".5", "-.5", "5.", "1e3", "1E3", "1e+3", "1e-3", "-2.5e-3", "123456789",
        "0.30000001192092896", "3.4028234663852886e38", "1e", "1e+", "1.5e-", "1.2.3", "1e3e4", "12abc", "0x1p3",
        "", "-", ".", "-.", "e5", "+1", " 1", "abc", "1,5", "00012", "1e-30", "7e22",
        // subnormal: strtod flags them ERANGE, from_chars reads them
        "1e-40", "1e-310", "4.9406564584124654e-324", "1.401298464324817e-45"};
    for (const std::string& t : texts) {
        check_parse_decimal<float>(t);
        check_parse_decimal<double>(t);
    }
    // Every text the fallback's shortest_decimal writes reads back the same way.
    for (const double x : interesting_values<double>()) {
        char buf[64];
        check_parse_decimal<double>(std::string(buf, detail::shortest_decimal_fallback(buf, buf + sizeof buf, x)));
    }
}

TEST_CASE("charconv fallback: out-of-range texts are refused, never silently clamped") {
    float f = -42.0f;
    const std::string huge = "1e39", tiny = "1e-60";
    CHECK(detail::parse_decimal_fallback(huge.data(), huge.data() + huge.size(), f).ec == std::errc::result_out_of_range);
    CHECK(detail::parse_decimal_fallback(tiny.data(), tiny.data() + tiny.size(), f).ec == std::errc::result_out_of_range);
    CHECK(f == -42.0f);
    // The fallback copies the number into a 128-byte buffer: a longer text is refused, not cut short.
    const std::string long_text(200, '1');
    double d = -42.0;
    CHECK(detail::parse_decimal_fallback(long_text.data(), long_text.data() + long_text.size(), d).ec ==
          std::errc::result_out_of_range);
    CHECK(d == -42.0);
}
