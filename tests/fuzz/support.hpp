#pragma once
// Helpers shared by the libFuzzer targets of tests/fuzz: a per-process scratch file for readers that
// take a path, and the check that reports a failed oracle as a crash (so that libFuzzer keeps the
// input as a crash file).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ink::fuzz {

// The oracle failed: say which check, then abort so that libFuzzer saves the input.
[[noreturn]] inline void oracle_failed(const char* check, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n", file, line, check);
    std::abort();
}

// A file in the temporary directory, private to this process (its name has the pid, so parallel
// fuzzing jobs do not share it), removed when the process exits normally.
class ScratchFile {
public:
    explicit ScratchFile(const std::string& tag)
        : path_(std::filesystem::temp_directory_path() / ("ink-fuzz-" + tag + "-" + std::to_string(::getpid()))) {}
    ~ScratchFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    // Replaces the file's content with `bytes`; returns its path.
    const std::filesystem::path& write(std::string_view bytes) {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) oracle_failed("cannot write the scratch file", __FILE__, __LINE__);
        return path_;
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace ink::fuzz

// INK_FUZZ_EXPECT(cond): an oracle check; a false cond aborts with the condition's text.
#define INK_FUZZ_EXPECT(cond)                                                    \
    do {                                                                         \
        if (!(cond)) ::ink::fuzz::oracle_failed(#cond, __FILE__, __LINE__);      \
    } while (0)
