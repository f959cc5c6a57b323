#pragma once
// ink::Error and the checks that raise it.
//
// Every user-facing failure (wrong shape, corrupt file, unknown character) is an ink::Error whose
// message says what was expected and what was given. Raw kernels do not throw: they assert in debug
// builds (INK_ASSERT), because their callers have already validated the sizes.
#include <cassert>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ink {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
// Joins any streamable values into one string; used to build error messages.
template <class... Args>
std::string concat(Args&&... args) {
    std::ostringstream os;
    (os << ... << std::forward<Args>(args));
    return os.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
    throw Error(concat(std::forward<Args>(args)...));
}
}  // namespace detail

}  // namespace ink

// INK_CHECK(cond, parts...): throw ink::Error(concat(parts...)) when cond is false. Always on.
#define INK_CHECK(cond, ...)                                 \
    do {                                                     \
        if (!(cond)) [[unlikely]] ::ink::detail::fail(__VA_ARGS__); \
    } while (0)

// INK_ASSERT(cond): internal invariant, checked only in debug builds (or with INK_DEBUG defined).
#if !defined(NDEBUG) || defined(INK_DEBUG)
#define INK_DEBUG_CHECKS 1
#define INK_ASSERT(cond) assert(cond)
#else
#define INK_DEBUG_CHECKS 0
#define INK_ASSERT(cond) ((void)0)
#endif
