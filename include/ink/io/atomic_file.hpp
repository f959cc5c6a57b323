#pragma once
// Atomic file replacement, the one writer behind every file ink saves (safetensors and checkpoints,
// PNG, CSV): a crash, a kill -9 or a failed write never leaves a half-written file where a good one
// was, and readers see either the old file or the new one, whole. POSIX (Linux) only.
//
// A save to `path`:
//   1. Resolves `path`: if it is a symbolic link, the file it points to is replaced and the link stays
//      (as editors do; links are followed up to 40 deep, a relative target from the link's directory).
//   2. Takes the process-wide lock of that file, so that saves to one file from several threads (a
//      training loop and its Ctrl-C path) run one after the other instead of failing.
//   3. Deletes stale temporary files of that file, left by a save that was killed (see below).
//   4. Writes to a new "<file>.tmp.<pid>.<16 hex digits>" in the same directory, created with O_EXCL
//      (so no two saves ever share one) and held under flock(LOCK_EX) while it is written. It gets the
//      mode of the file it replaces (a 0600 checkpoint stays 0600), or 0666 less the umask for a new
//      file. The owner is the writer's.
//   5. fsyncs it, renames it over the file (atomic within a file system), closes it, and fsyncs the
//      directory so that the rename survives a power cut.
// On failure the temporary file is removed, `path` keeps its old contents, and the ink::Error names the
// file and the system's reason; a failed fsync still closes the descriptor.
//
// Stale temporary files are "<file>.tmp.<pid>" (older versions of ink) or "<file>.tmp.<pid>.<hex>". One
// is deleted only when it is a regular file, nobody holds its flock (the kernel releases a writer's lock
// when it dies, kill -9 included) and its pid is this process (whose saves to the file are serialised
// by the lock of step 2, so none is under way) or a process that no longer exists. A temporary file of
// a live process is never touched, even when its name carries a pid that was reused.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "ink/core/error.hpp"

namespace ink::io {

namespace detail {

inline std::string errno_text(int e = errno) { return std::strerror(e); }

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
inline std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// The file a save to `path` replaces: `path`, or the final target of the symbolic links at `path`
// (which need not exist yet: a dangling link gets its target created).
inline std::string resolve_symlinks(const std::string& path) {
    std::string at = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(at.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return at;
        char target[PATH_MAX];
        const ssize_t n = ::readlink(at.c_str(), target, sizeof target);
        INK_CHECK(n > 0 && n < static_cast<ssize_t>(sizeof target), "cannot write '", path,
                  "': cannot read the symbolic link '", at, "': ", n < 0 ? errno_text() : "target too long");
        const std::string next(target, static_cast<std::size_t>(n));
        at = next[0] == '/' ? next : parent_directory(at) + "/" + next;
    }
    ink::detail::fail("cannot write '", path, "': more than 40 levels of symbolic links");
}

// Holds, while alive, the process-wide mutex of one file (named by its directory's real path and its
// name, so "./a" and "a" are one file). Entries live only while a save uses them.
class FileLock {
public:
    explicit FileLock(const std::string& file) {
        char dir[PATH_MAX];
        key_ = ::realpath(parent_directory(file).c_str(), dir) ? std::string(dir) + "/" + base_name(file) : file;
        {
            std::lock_guard<std::mutex> g(registry_mutex());
            entry_ = &registry()[key_];
            ++entry_->users;
        }
        entry_->mutex.lock();
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock() {
        entry_->mutex.unlock();
        std::lock_guard<std::mutex> g(registry_mutex());
        if (--entry_->users == 0) registry().erase(key_);
    }

private:
    struct Entry {
        std::mutex mutex;
        int users = 0;  // FileLocks holding or waiting for `mutex`
    };
    // Never destroyed, so that a save from a static destructor still finds it.
    static std::map<std::string, Entry>& registry() {
        static auto* r = new std::map<std::string, Entry>;
        return *r;
    }
    static std::mutex& registry_mutex() {
        static auto* m = new std::mutex;
        return *m;
    }

    std::string key_;
    Entry* entry_ = nullptr;
};

// The pid in a temporary-file name suffix "<pid>" or "<pid>.<16 hex digits>", or -1 if `suffix` is
// not of that form (then it is not ink's and is left alone).
inline long temporary_file_pid(std::string_view suffix) {
    const auto dot = suffix.find('.');
    const std::string_view pid = suffix.substr(0, dot), tag = dot == std::string_view::npos ? "" : suffix.substr(dot + 1);
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string_view::npos) return -1;
    if (dot != std::string_view::npos && (tag.size() != 16 || tag.find_first_not_of("0123456789abcdef") != std::string_view::npos))
        return -1;
    return std::strtol(std::string(pid).c_str(), nullptr, 10);
}

// Deletes the stale temporary files of `file` (see the header comment). The caller holds its FileLock.
// Best effort: a file that cannot be inspected or removed is left for the next save.
inline void remove_stale_temporary_files(const std::string& file) {
    const std::string dir = parent_directory(file), prefix = base_name(file) + ".tmp.";
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (const dirent* e = ::readdir(d)) {
        const std::string_view name(e->d_name);
        if (name.substr(0, prefix.size()) != prefix) continue;
        const long pid = temporary_file_pid(name.substr(prefix.size()));
        if (pid <= 0) continue;
        const bool writer_gone = pid == ::getpid() || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
        if (!writer_gone) continue;
        const std::string tmp = dir + "/" + std::string(name);
        const int fd = ::open(tmp.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st {};
        const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        // A writer that shares our pid number from another pid namespace would hold the lock.
        if (regular && (::flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)) ::unlink(tmp.c_str());
        ::close(fd);
    }
    ::closedir(d);
}

}  // namespace detail

// An open temporary file that replaces `path` on commit() and is deleted if never committed.
class AtomicFile {
public:
    explicit AtomicFile(std::string path)
        : path_(std::move(path)), file_(detail::resolve_symlinks(path_)), lock_(file_) {
        const std::string name = detail::base_name(file_);
        INK_CHECK(!name.empty() && name != "." && name != "..", "cannot write '", path_, "': expected a file name");
        struct stat st {};
        const bool exists = ::stat(file_.c_str(), &st) == 0;
        INK_CHECK(!exists || !S_ISDIR(st.st_mode), "cannot write '", path_, "': is a directory");
        INK_CHECK(!exists || S_ISREG(st.st_mode), "cannot write '", path_,
                  "': not a regular file (a FIFO, socket or device), not replaced");
        detail::remove_stale_temporary_files(file_);
        static std::atomic<std::uint64_t> counter{0};
        for (int attempt = 0; fd_ < 0; ++attempt) {
            std::uint64_t tag = counter++;  // unique within the process; random below if the kernel gives it
            (void)::getrandom(&tag, sizeof tag, GRND_NONBLOCK);
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(tag));
            tmp_ = file_ + ".tmp." + std::to_string(::getpid()) + "." + hex;
            fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? 0600 : 0666);
            INK_CHECK(fd_ >= 0 || (errno == EEXIST && attempt < 100), "cannot create '", tmp_, "' to write '", path_,
                      "': ", detail::errno_text());
        }
        (void)::flock(fd_, LOCK_EX);  // tells remove_stale_temporary_files in other processes it is in use
        if (exists && ::fchmod(fd_, st.st_mode & 07777) != 0) fail_and_abandon("cannot set the mode of");
    }
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile() { abandon(); }

    // The path as given, and the file it replaces (different when the path is a symbolic link).
    const std::string& path() const { return path_; }
    const std::string& target() const { return file_; }
    const std::string& temporary_path() const { return tmp_; }

    void write(const void* data, std::size_t n) {
        INK_CHECK(fd_ >= 0, "AtomicFile '", path_, "': write after commit");
        if (!detail::write_all(fd_, data, n)) fail_and_abandon("cannot write");
    }

    // fsync, rename over the target, close, fsync the directory.
    void commit() {
        INK_CHECK(fd_ >= 0, "AtomicFile '", path_, "': commit twice");
        if (::fsync(fd_) != 0) fail_and_abandon("cannot flush");
        if (std::rename(tmp_.c_str(), file_.c_str()) != 0) fail_and_abandon("cannot replace");
        committed_ = true;
        const int close_result = ::close(fd_);
        fd_ = -1;
        INK_CHECK(close_result == 0, "'", path_, "' was replaced, but closing it failed: ", detail::errno_text());
        const int dir = ::open(detail::parent_directory(file_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return;  // a directory we may write but not read: the rename is done, durable or not
        const int sync_result = ::fsync(dir), sync_errno = errno;
        ::close(dir);
        // EINVAL: a file system that cannot fsync a directory (the rename is then as durable as it gets).
        INK_CHECK(sync_result == 0 || sync_errno == EINVAL, "'", path_,
                  "' was replaced, but flushing its directory failed (the rename may not survive a power cut): ",
                  detail::errno_text(sync_errno));
    }

private:
    // Closes and removes the temporary file, then throws "<what> '<path>' (temporary file '<tmp>'): <why>".
    [[noreturn]] void fail_and_abandon(const char* what) {
        const std::string why = detail::errno_text();
        abandon();
        ink::detail::fail(what, " '", path_, "' (temporary file '", tmp_, "'): ", why);
    }
    void abandon() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
    }

    std::string path_, file_;
    detail::FileLock lock_;
    std::string tmp_;
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
