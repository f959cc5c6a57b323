#pragma once
// Opening files that come from outside: every reader of ink (safetensors, checkpoints, IDX, JSON data)
// goes through these, so that a directory, a FIFO or a device given as a data file fails at once with
// a message naming the file, instead of blocking forever or dying in std::bad_alloc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
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
// allocation. Errors name `what` and `path`. The size is taken from the opened descriptor, not the
// path: an atomic writer may rename a new file over the path at any moment, and the descriptor keeps
// reading the one file it opened.
inline std::string read_regular_file(const std::string& path, const char* what,
                                     std::uint64_t max_bytes = std::uint64_t(1) << 40) {
    regular_file_size(path, what);  // refuses a FIFO by name, before open() could wait for a writer
    // O_NONBLOCK: if a FIFO is swapped in between the two calls, open() still returns at once.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) detail::fail(what, " '", path, "': cannot open: ", std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) detail::fail(what, " '", path, "': cannot open: ", std::strerror(errno));
    if (!S_ISREG(st.st_mode)) detail::fail(what, " '", path, "': not a regular file (a FIFO, socket or device)");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes)
        detail::fail(what, " '", path, "': ", size, " bytes, more than the limit of ", max_bytes);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ::ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) detail::fail(what, " '", path, "': read error: ", std::strerror(errno));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    char extra;
    const bool more = got == bytes.size() && ::read(fd, &extra, 1) > 0;  // the file grew while we read it
    if (got != bytes.size() || more)
        detail::fail(what, " '", path, "': changed size while being read (", size, " bytes expected)");
    return bytes;
}

}  // namespace ink
