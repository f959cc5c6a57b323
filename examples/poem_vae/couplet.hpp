#pragma once
// A five-character couplet "AAAAA，BBBBB" as the model sees it: ten vocabulary ids, the comma dropped.
#include <array>
#include <cstdint>

#include "ink/core/shape.hpp"

namespace poem {

using ink::index_t;

inline constexpr index_t kLine = 5;             // characters per line
inline constexpr index_t kLength = 2 * kLine;  // characters per couplet (the comma is dropped)

using Couplet = std::array<std::int32_t, kLength>;

}  // namespace poem
