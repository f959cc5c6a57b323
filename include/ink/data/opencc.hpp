#pragma once
// Chinese script conversion with OpenCC, an optional dependency: link the CMake target ink::opencc
// (which defines INK_HAVE_OPENCC) to enable it. Without it, constructing a ScriptConverter throws an
// ink::Error that says so, and everything else in ink works.
//
// OpenCC finds its configuration files ("t2s.json": traditional to simplified, phrase-aware) in its
// data directory (Debian: package libopencc-data, /usr/share/opencc/), so a bare name suffices.
#include <string>
#include <string_view>

#include "ink/core/error.hpp"

#if defined(INK_HAVE_OPENCC)
#include <opencc/opencc.h>
#endif

namespace ink::data {

#if defined(INK_HAVE_OPENCC)
inline constexpr bool kHaveOpenCC = true;
#else
inline constexpr bool kHaveOpenCC = false;
#endif

class ScriptConverter {
public:
    // `config` is an OpenCC configuration: "t2s.json" (traditional -> simplified), "s2t.json", ...
    explicit ScriptConverter(const std::string& config = "t2s.json") : config_(config) {
#if defined(INK_HAVE_OPENCC)
        handle_ = opencc_open(config.c_str());
        INK_CHECK(handle_ != reinterpret_cast<opencc_t>(-1), "OpenCC: cannot open configuration ", config, ": ",
                  opencc_error());
#else
        ::ink::detail::fail("OpenCC: cannot convert with ", config,
                            ": ink was built without OpenCC (install libopencc-dev and link the CMake target "
                            "ink::opencc), or keep the traditional script");
#endif
    }
    ~ScriptConverter() {
#if defined(INK_HAVE_OPENCC)
        opencc_close(handle_);
#endif
    }
    ScriptConverter(const ScriptConverter&) = delete;
    ScriptConverter& operator=(const ScriptConverter&) = delete;

    // Converts UTF-8 text. Converting one large text is much faster than many small ones.
    std::string convert(std::string_view text) const {
#if defined(INK_HAVE_OPENCC)
        char* out = opencc_convert_utf8(handle_, text.data(), text.size());
        INK_CHECK(out != nullptr, "OpenCC (", config_, "): conversion failed: ", opencc_error());
        std::string result(out);
        opencc_convert_utf8_free(out);
        return result;
#else
        return std::string(text);  // unreachable: the constructor throws
#endif
    }

private:
    std::string config_;
#if defined(INK_HAVE_OPENCC)
    opencc_t handle_;
#endif
};

}  // namespace ink::data
