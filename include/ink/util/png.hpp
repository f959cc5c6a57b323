#pragma once
// PNG files from an Image, through stb_image_write (Debian: libstb-dev).
//
// stb is compiled into every translation unit that includes this header as a private static copy
// (STB_IMAGE_WRITE_STATIC), so a header-only ink needs no library to link and no "implementation
// in exactly one file" rule; the linker drops the copies a program does not call. util/truetype.hpp
// is the only other ink header that includes stb. Files are written atomically (io/atomic_file.hpp):
// a crash never leaves a half-written picture where a good one was.
#include <cstdint>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/io/atomic_file.hpp"
#include "ink/util/image.hpp"

#if !defined(STB_IMAGE_WRITE_STATIC)
#define STB_IMAGE_WRITE_STATIC
#endif
#if !defined(STB_IMAGE_WRITE_IMPLEMENTATION)
#define STB_IMAGE_WRITE_IMPLEMENTATION
#endif
#include "ink/util/detail/stb_begin.inc"
#include <stb/stb_image_write.h>
#include "ink/util/detail/stb_end.inc"

namespace ink::util {

// The PNG file's bytes for `img` (8-bit RGB).
inline std::vector<std::uint8_t> encode_png(const Image& img) {
    INK_CHECK(!img.empty(), "encode_png: the image is empty");
    std::vector<std::uint8_t> bytes;
    auto append = [](void* context, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(context);
        const auto* p = static_cast<const std::uint8_t*>(data);
        out->insert(out->end(), p, p + size);
    };
    const int ok = stbi_write_png_to_func(append, &bytes, img.width(), img.height(), 3, img.data(), img.width() * 3);
    INK_CHECK(ok != 0, "encode_png: stb could not encode a ", img.width(), " x ", img.height(), " image");
    return bytes;
}

// Writes `img` to `path` as a PNG, atomically; throws ink::Error naming the path on failure (for
// instance when its directory does not exist).
inline void write_png(const Image& img, const std::string& path) {
    const std::vector<std::uint8_t> bytes = encode_png(img);
    io::write_file_atomically(path, [&](io::AtomicFile& file) { file.write(bytes.data(), bytes.size()); });
}

}  // namespace ink::util
