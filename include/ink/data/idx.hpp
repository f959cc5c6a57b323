#pragma once
// The IDX file format of MNIST and fashion-MNIST, plain or gzip-compressed.
//
// An IDX file is a 4-byte magic number 00 00 <type> <rank>, then <rank> big-endian 32-bit extents,
// then the elements in row-major order. ink reads type 0x08 (unsigned byte), the only type the image
// data sets use. zlib's gzread reads gzip and plain files alike, so compression is detected from the
// file's magic bytes, not from its name. Every defect (truncation, a wrong magic number, trailing
// bytes, mismatched image and label counts) is an ink::Error that names the file.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/data/images.hpp"

namespace ink::data {

// Where the Debian package dataset-fashion-mnist installs the data set.
inline const std::filesystem::path kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

namespace detail {

// A gzFile that closes itself.
class GzReader {
public:
    explicit GzReader(const std::filesystem::path& path) : name_(path.string()) {
        errno = 0;
        file_ = gzopen(name_.c_str(), "rb");
        INK_CHECK(file_ != nullptr, name_, ": cannot open: ", errno ? std::strerror(errno) : "out of memory");
        gzbuffer(file_, 1 << 18);
    }
    ~GzReader() { gzclose(file_); }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    const std::string& name() const { return name_; }

    // Reads up to n bytes and returns how many were read: fewer than n only at the end of the data
    // (including a truncated gzip stream). Corrupt compressed data throws.
    std::size_t read(void* dst, std::size_t n) {
        std::size_t done = 0;
        while (done < n) {
            const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
            const int got = gzread(file_, static_cast<char*>(dst) + done, chunk);
            if (got < 0) {
                int code = Z_OK;
                const char* message = gzerror(file_, &code);
                if (code == Z_BUF_ERROR) break;  // the gzip stream ends early: a truncated file
                ::ink::detail::fail(name_, ": corrupt or unreadable file: ", message);
            }
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }

private:
    std::string name_;
    gzFile file_ = nullptr;
};

inline const char* idx_type_name(std::uint8_t type) {
    switch (type) {
        case 0x08: return "unsigned byte";
        case 0x09: return "signed byte";
        case 0x0B: return "short";
        case 0x0C: return "int";
        case 0x0D: return "float";
        case 0x0E: return "double";
        default: return "unknown";
    }
}

// Reads an IDX file; `what` names its contents in error messages ("pixel data", "label data").
inline Tensor<std::uint8_t> read_idx(const std::filesystem::path& path, const char* what) {
    GzReader in(path);
    const std::string& name = in.name();

    std::uint8_t magic[4];
    const std::size_t got_magic = in.read(magic, 4);
    INK_CHECK(got_magic == 4, name, ": expected a 4-byte IDX header, file ends after ", got_magic, " bytes");
    INK_CHECK(magic[0] == 0 && magic[1] == 0, name, ": not an IDX file: the magic number starts with bytes ",
              int(magic[0]), " ", int(magic[1]), ", expected 0 0");
    INK_CHECK(magic[2] == 0x08, name, ": IDX data type 0x", std::hex, int(magic[2]), std::dec, " (",
              idx_type_name(magic[2]), ") is not supported; ink reads unsigned bytes (0x08)");
    const int rank = magic[3];
    INK_CHECK(rank >= 1 && rank <= Shape::kMaxRank, name, ": IDX rank ", rank, " is out of range, expected 1 to ",
              Shape::kMaxRank);

    std::vector<index_t> dims(static_cast<std::size_t>(rank));
    // A header cannot make us allocate absurd amounts: IDX data sets are far below 16 GiB.
    constexpr index_t kMaxBytes = index_t(1) << 34;
    index_t bytes = 1;
    for (int d = 0; d < rank; ++d) {
        std::uint8_t be[4];
        const std::size_t got = in.read(be, 4);
        INK_CHECK(got == 4, name, ": the IDX header ends inside extent ", d, " of ", rank);
        const index_t extent = (index_t(be[0]) << 24) | (index_t(be[1]) << 16) | (index_t(be[2]) << 8) | be[3];
        dims[static_cast<std::size_t>(d)] = extent;
        bytes = extent == 0 ? 0 : bytes * extent;
        INK_CHECK(bytes <= kMaxBytes, name, ": the IDX header's extents describe more than ", kMaxBytes,
                  " bytes; the header is corrupt");
    }

    Tensor<std::uint8_t> t = Tensor<std::uint8_t>::empty(Shape(dims));
    const std::size_t got = in.read(t.data(), static_cast<std::size_t>(bytes));
    INK_CHECK(got == static_cast<std::size_t>(bytes), name, ": expected ", bytes, " bytes of ", what, " (extents ",
              t.shape().str(), "), file ends after ", got);
    char extra;
    INK_CHECK(in.read(&extra, 1) == 0, name, ": unexpected bytes after the ", bytes, " bytes of ", what,
              " (extents ", t.shape().str(), ")");
    return t;
}

}  // namespace detail

// The contents of an IDX file of unsigned bytes, with the file's extents as its shape.
inline Tensor<std::uint8_t> read_idx(const std::filesystem::path& path) { return detail::read_idx(path, "data"); }

// An image file (rank 3: count, height, width) and its label file (rank 1: count). Pixels are scaled
// from 0..255 to [0, 1].
inline LabeledImages load_idx_dataset(const std::filesystem::path& images_path,
                                      const std::filesystem::path& labels_path) {
    const Tensor<std::uint8_t> pixels = detail::read_idx(images_path, "pixel data");
    INK_CHECK(pixels.rank() == 3, images_path.string(), ": expected images of rank 3 (count, height, width), got extents ",
              pixels.shape().str());
    const Tensor<std::uint8_t> labels = detail::read_idx(labels_path, "label data");
    INK_CHECK(labels.rank() == 1, labels_path.string(), ": expected labels of rank 1 (count), got extents ",
              labels.shape().str());
    INK_CHECK(pixels.dim(0) == labels.dim(0), images_path.string(), " has ", pixels.dim(0), " images but ",
              labels_path.string(), " has ", labels.dim(0), " labels");

    LabeledImages out;
    out.height = pixels.dim(1);
    out.width = pixels.dim(2);
    out.images = Tensor<float>::empty(Shape{pixels.dim(0), out.height * out.width});
    const std::uint8_t* src = pixels.data();
    float* dst = out.images.data();
    for (index_t i = 0, n = pixels.numel(); i < n; ++i) dst[i] = static_cast<float>(src[i]) * (1.0f / 255.0f);
    out.labels = labels.cast<std::int32_t>();
    return out;
}

// fashion-MNIST's train (60,000) or test (10,000) split from `dir`, which holds the files
// {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz as the Debian package installs them.
inline LabeledImages load_fashion_mnist(const std::filesystem::path& dir, Split split) {
    const std::string prefix = split == Split::train ? "train" : "t10k";
    return load_idx_dataset(dir / (prefix + "-images-idx3-ubyte.gz"), dir / (prefix + "-labels-idx1-ubyte.gz"));
}
inline LabeledImages load_fashion_mnist(Split split) { return load_fashion_mnist(kFashionMnistDir, split); }

}  // namespace ink::data
