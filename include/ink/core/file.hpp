#pragma once
// Opening files that come from outside: every reader of ink (safetensors, checkpoints, IDX, JSON data)
// goes through these, so that a directory, a FIFO or a device given as a data file fails at once with
// a message naming the file, instead of blocking forever or dying in std::bad_alloc.
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "ink/core/error.hpp"

namespace ink {

// The size of the regular file at `path` (symlinks followed); throws naming `what` and `path` if it is
// missing, a directory or anything but a regular file.
inline std::uint64_t regular_file_size(const std::string& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        detail::fail(what, " '", path, "': cannot open: ", std::strerror(errno));
    if (S_ISDIR(st.st_mode)) detail::fail(what, " '", path, "': is a directory, expected a file");
    if (!S_ISREG(st.st_mode)) detail::fail(what, " '", path, "': not a regular file (a FIFO, socket or device)");
    return static_cast<std::uint64_t>(st.st_size);
}

// The whole content of the regular file at `path`, refusing files larger than `max_bytes` before any
// allocation. Errors name `what` and `path`.
inline std::string read_regular_file(const std::string& path, const char* what,
                                     std::uint64_t max_bytes = std::uint64_t(1) << 40) {
    const std::uint64_t size = regular_file_size(path, what);
    if (size > max_bytes)
        detail::fail(what, " '", path, "': ", size, " bytes, more than the limit of ", max_bytes);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) detail::fail(what, " '", path, "': cannot open: ", std::strerror(errno));
    std::string bytes(static_cast<std::size_t>(size), '\0');
    const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), f);
    const bool more = got == bytes.size() && std::fgetc(f) != EOF;  // the file grew while we read it
    const bool error = std::ferror(f) != 0;
    std::fclose(f);
    if (error) detail::fail(what, " '", path, "': read error");
    if (got != bytes.size() || more)
        detail::fail(what, " '", path, "': changed size while being read (", size, " bytes expected)");
    return bytes;
}

}  // namespace ink
