#pragma once
// Strict parsing of numbers that come from outside (checkpoint metadata, command lines, HTTP
// parameters): the whole text must be the number, with no sign the type cannot hold, no leading or
// trailing space and no '+', and the value must fit the type. std::stoi and friends accept " -5",
// "+5" and "7 apples" and wrap "18446744073709551615" to -1; these never do.
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "ink/core/charconv.hpp"
#include "ink/core/error.hpp"

namespace ink {

// `text` as a T (an integer or floating-point type). `what` names the field in the error message.
// Floating-point values must be finite ("inf" and "nan" are refused), and one that underflows
// ("1e-400") is refused too: silently becoming 0 would be a wrong answer, not a parse.
template <class T>
T parse_number(std::string_view text, std::string_view what) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    T value{};
    const char* first = text.data();
    const char* last = text.data() + text.size();
    std::from_chars_result r{};
    if constexpr (std::is_floating_point_v<T>)
        r = detail::parse_decimal(first, last, value);
    else
        r = std::from_chars(first, last, value);
    const auto shown = text.size() > 64 ? std::string(text.substr(0, 64)) + "..." : std::string(text);
    if (r.ec == std::errc::result_out_of_range)
        detail::fail(what, ": \"", shown, "\" is out of the range of the expected ",
                     std::is_floating_point_v<T> ? "floating-point" : (std::is_signed_v<T> ? "signed" : "unsigned"),
                     " ", sizeof(T) * 8, "-bit number");
    if (text.empty() || r.ec != std::errc() || r.ptr != last)
        detail::fail(what, ": \"", shown, "\" is not ",
                     std::is_floating_point_v<T> ? "a number" : (std::is_signed_v<T> ? "an integer" : "a non-negative integer"));
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value)) detail::fail(what, ": \"", shown, "\" is not a finite number");
    return value;
}

}  // namespace ink
