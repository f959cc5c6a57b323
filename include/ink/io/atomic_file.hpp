#pragma once
// Atomic file replacement: a crash or a failed write never leaves a half-written file where a good
// one was.
//
// The bytes go to "<path>.tmp.<pid>" in the same directory, are flushed and fsync'ed, and the
// temporary file is then renamed over `path` (rename(2) is atomic within a file system); the
// directory is fsync'ed too so that the rename itself survives a power cut. On any failure the
// temporary file is removed and `path` keeps its old contents. POSIX only.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "ink/core/error.hpp"

namespace ink::io {

namespace detail {

inline std::string errno_text() { return std::strerror(errno); }

// Writes all `n` bytes to fd, retrying short writes and EINTR.
inline bool write_all(int fd, const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

inline std::string parent_directory(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace detail

// An open temporary file that becomes `path` on commit() and is deleted if never committed.
class AtomicFile {
public:
    explicit AtomicFile(std::string path)
        : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
        fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        INK_CHECK(fd_ >= 0, "cannot create '", tmp_, "' to write '", path_, "': ", detail::errno_text());
    }
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile() { abandon(); }

    const std::string& path() const { return path_; }
    const std::string& temporary_path() const { return tmp_; }

    void write(const void* data, std::size_t n) {
        INK_CHECK(fd_ >= 0, "AtomicFile '", path_, "': write after commit");
        if (!detail::write_all(fd_, data, n)) {
            const std::string why = detail::errno_text();
            abandon();
            ink::detail::fail("cannot write '", tmp_, "' (for '", path_, "'): ", why);
        }
    }

    // fsync + close + rename over the target + fsync of the directory.
    void commit() {
        INK_CHECK(fd_ >= 0, "AtomicFile '", path_, "': commit twice");
        if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
            const std::string why = detail::errno_text();
            fd_ = -1;
            abandon();
            ink::detail::fail("cannot flush '", tmp_, "' (for '", path_, "'): ", why);
        }
        fd_ = -1;
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
            const std::string why = detail::errno_text();
            abandon();
            ink::detail::fail("cannot rename '", tmp_, "' to '", path_, "': ", why);
        }
        committed_ = true;
        const int dir = ::open(detail::parent_directory(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {  // best effort: some file systems refuse to fsync a directory
            (void)::fsync(dir);
            ::close(dir);
        }
    }

private:
    void abandon() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!committed_) ::unlink(tmp_.c_str());
    }

    std::string path_, tmp_;
    int fd_ = -1;
    bool committed_ = false;
};

// Replaces `path` atomically by the output of write(AtomicFile&); if write throws, `path` is untouched.
template <class WriteFn>
void write_file_atomically(const std::string& path, WriteFn&& write) {
    AtomicFile file(path);
    write(file);
    file.commit();
}

}  // namespace ink::io
