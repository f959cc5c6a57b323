// Fuzz target idx: ink/data/idx.hpp (read_idx, load_idx_dataset) on plain and gzip IDX files.
//
// The input is written to a per-process scratch file (the reader takes paths). Beyond "no crash, no
// leak, no undefined behaviour, no allocation beyond libFuzzer's limit", a file that loads must
//   - hold exactly the header's number of elements after the header, with the tensor's bytes: checked
//     on the content as zlib's gzread sees it (an independent decoder, which passes plain files through);
//   - load to the same shape and bytes when the tensor is re-encoded as plain and as gzip IDX;
//   - if it has rank 3, load as a data set (with a label file of as many zeros) of pixels / 255.
// ink::Error is the only exception a hostile file may cause; any other escapes and aborts.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz/support.hpp"
#include "ink/data/idx.hpp"

namespace {

using ink::index_t;
using ink::Tensor;

// The whole content of the file as zlib's gzread sees it (decompressed if it is gzip).
std::string gzread_all(const std::filesystem::path& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    INK_FUZZ_EXPECT(f != nullptr);
    std::string content;
    char buffer[1 << 16];
    int got = 0;
    while ((got = gzread(f, buffer, sizeof buffer)) > 0) content.append(buffer, static_cast<std::size_t>(got));
    INK_FUZZ_EXPECT(got == 0);
    gzclose(f);
    return content;
}

void write_gzip(const std::filesystem::path& path, std::string_view bytes) {
    gzFile f = gzopen(path.c_str(), "wb1");
    INK_FUZZ_EXPECT(f != nullptr);
    INK_FUZZ_EXPECT(bytes.empty() || gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                                         static_cast<int>(bytes.size()));
    INK_FUZZ_EXPECT(gzclose(f) == Z_OK);
}

// The plain IDX encoding of t: magic 00 00 08 <rank>, big-endian extents, the bytes.
std::string encode_idx(const Tensor<std::uint8_t>& t) {
    std::string out{'\0', '\0', '\x08', static_cast<char>(t.rank())};
    for (const index_t extent : t.shape())
        for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((extent >> shift) & 0xFF);
    out.append(reinterpret_cast<const char*>(t.data()), static_cast<std::size_t>(t.numel()));
    return out;
}

bool same(const Tensor<std::uint8_t>& a, const Tensor<std::uint8_t>& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel())) == 0;
}

// The loaded tensor against the header and data of the decoded content.
void check_against_header(const std::string& content, const Tensor<std::uint8_t>& t) {
    INK_FUZZ_EXPECT(content.size() >= 4 && content[0] == 0 && content[1] == 0 && content[2] == 0x08);
    const int rank = static_cast<unsigned char>(content[3]);
    const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
    INK_FUZZ_EXPECT(t.rank() == rank && content.size() >= header);
    unsigned __int128 elements = 1;
    for (int d = 0; d < rank; ++d) {
        std::uint32_t extent = 0;
        for (int k = 0; k < 4; ++k) extent = extent << 8 | static_cast<unsigned char>(content[4 + 4 * d + k]);
        INK_FUZZ_EXPECT(t.dim(d) == index_t(extent));
        elements *= extent;
    }
    INK_FUZZ_EXPECT(elements == static_cast<unsigned __int128>(t.numel()));
    INK_FUZZ_EXPECT(content.size() - header == static_cast<std::size_t>(t.numel()));
    INK_FUZZ_EXPECT(std::memcmp(content.data() + header, t.data(), static_cast<std::size_t>(t.numel())) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ink::fuzz::ScratchFile input("idx"), copy("idx-copy"), labels("idx-labels");
    Tensor<std::uint8_t> t;
    try {
        t = ink::data::read_idx(input.write({reinterpret_cast<const char*>(data), size}));
    } catch (const ink::Error&) {
        return 0;
    }
    check_against_header(gzread_all(input.path()), t);

    const std::string plain = encode_idx(t);
    INK_FUZZ_EXPECT(same(ink::data::read_idx(copy.write(plain)), t));
    write_gzip(copy.path(), plain);
    INK_FUZZ_EXPECT(same(ink::data::read_idx(copy.path()), t));

    // (An image file of [2^28, 0, 0] holds no bytes but would need 2^28 labels: skip such counts.)
    if (t.rank() == 3 && t.dim(0) <= (1 << 16)) {
        labels.write(encode_idx(Tensor<std::uint8_t>::zeros(ink::Shape{t.dim(0)})));
        const ink::data::LabeledImages d = ink::data::load_idx_dataset(input.path(), labels.path());
        INK_FUZZ_EXPECT(d.images.shape() == (ink::Shape{t.dim(0), t.dim(1) * t.dim(2)}));
        INK_FUZZ_EXPECT(d.height == t.dim(1) && d.width == t.dim(2) && d.labels.numel() == t.dim(0));
        for (index_t i = 0; i < t.numel(); ++i)
            INK_FUZZ_EXPECT(d.images.data()[i] == static_cast<float>(t.data()[i]) * (1.0f / 255.0f));
    }
    return 0;
}
