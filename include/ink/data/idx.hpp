#pragma once
// The IDX file format of MNIST and fashion-MNIST, plain or gzip-compressed.
//
// An IDX file is a 4-byte magic number 00 00 <type> <rank>, then <rank> big-endian 32-bit extents,
// then the elements in row-major order. ink reads type 0x08 (unsigned byte), the only type the image
// data sets use. Compression is detected from the file's first bytes (1f 8b), not from its name.
// Every defect (not a regular file, truncation, a wrong magic number, extents that overflow, trailing
// bytes, corrupt or truncated gzip data, mismatched image and label counts) is an ink::Error that names
// the file. Memory is bounded by what the file can hold, never by what its header claims: a plain file
// must have exactly the header's number of bytes before anything is allocated, and a gzip file is
// decompressed in chunks that grow with the data actually there.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/file.hpp"
#include "ink/core/tensor.hpp"
#include "ink/data/images.hpp"

namespace ink::data {

// Where the Debian package dataset-fashion-mnist installs the data set.
inline const std::filesystem::path kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The largest IDX content ink reads: 16 GiB, far above the image data sets (fashion-MNIST's training
// images are 47 MB).
inline constexpr std::uint64_t kMaxIdxBytes = std::uint64_t(1) << 34;

namespace detail {

// deflate cannot compress better than about 1032 : 1 (RFC 1951: a 258-byte match in at most 2 bits,
// zlib's technical notes), so a gzip file of n bytes holds at most 1032 n bytes of content.
inline constexpr std::uint64_t kMaxDeflateRatio = 1032;

// The content of a regular file, decompressed if it is gzip (one or more concatenated gzip members,
// nothing after the last). Errors name the file.
class IdxSource {
public:
    explicit IdxSource(const std::filesystem::path& path)
        : name_(path.string()), file_size_(regular_file_size(name_, "IDX file")) {
        errno = 0;
        file_.reset(std::fopen(name_.c_str(), "rb"));
        INK_CHECK(file_ != nullptr, name_, ": cannot open: ", std::strerror(errno));
        in_.resize(1 << 16);
        fill_at_least(2);
        gzip_ = available() >= 2 && in_[pos_] == 0x1f && in_[pos_ + 1] == 0x8b;
        // 16 + MAX_WBITS: a gzip wrapper (not zlib's), whose CRC and length inflate checks.
        INK_CHECK(!gzip_ || inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK, name_,
                  ": cannot start gzip decompression: out of memory");
    }
    ~IdxSource() {
        if (gzip_) inflateEnd(&z_);
    }
    IdxSource(const IdxSource&) = delete;
    IdxSource& operator=(const IdxSource&) = delete;

    const std::string& name() const { return name_; }
    bool gzip() const { return gzip_; }
    std::uint64_t file_size() const { return file_size_; }

    // Reads up to n bytes of content and returns how many were read: fewer than n only at its end.
    // Corrupt gzip data and bytes after the last gzip member throw.
    std::size_t read(void* dst, std::size_t n) {
        auto* out = static_cast<unsigned char*>(dst);
        std::size_t done = 0;
        while (done < n) {
            if (available() == 0 && !fill_at_least(1)) break;
            if (!gzip_) {
                const std::size_t k = std::min(n - done, available());
                std::memcpy(out + done, in_.data() + pos_, k);
                pos_ += k;
                done += k;
                continue;
            }
            if (member_ended_) {
                // More input after a complete member: it must be another gzip member.
                INK_CHECK(fill_at_least(2) && in_[pos_] == 0x1f && in_[pos_ + 1] == 0x8b, name_,
                          ": unexpected bytes after the end of the gzip stream (at compressed offset ",
                          consumed_ + pos_, " of ", file_size_, ")");
                inflateReset(&z_);
                member_ended_ = false;
            }
            z_.next_in = in_.data() + pos_;
            z_.avail_in = static_cast<uInt>(available());
            z_.next_out = out + done;
            z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - done, 1u << 30));
            const uInt avail_out = z_.avail_out;
            const int rc = inflate(&z_, Z_NO_FLUSH);
            pos_ = static_cast<std::size_t>(z_.next_in - in_.data());
            done += avail_out - z_.avail_out;
            if (rc == Z_STREAM_END) {
                member_ended_ = true;
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                ::ink::detail::fail(name_, ": corrupt gzip data: ", z_.msg ? z_.msg : zError(rc));
            }
        }
        return done;
    }

    // True if the content has ended (the next read would return nothing); throws if the file ends
    // inside a gzip member (its CRC and length trailer is missing).
    bool finished() {
        char extra;
        if (read(&extra, 1) != 0) return false;
        INK_CHECK(!gzip_ || member_ended_, name_, ": ", how_it_ended(), " after all the content");
        return true;
    }

    // How the content ended when a read came up short, for error messages.
    const char* how_it_ended() const {
        return gzip_ && !member_ended_ ? "the gzip stream ends early (the .gz file is truncated)" : "file ends";
    }

private:
    std::size_t available() const { return end_ - pos_; }
    // Makes at least k unread bytes available in in_ unless the file ends first; false if it does.
    bool fill_at_least(std::size_t k) {
        if (available() >= k) return true;
        std::memmove(in_.data(), in_.data() + pos_, available());
        consumed_ += pos_;
        end_ -= pos_;
        pos_ = 0;
        while (end_ < k) {
            const std::size_t got = std::fread(in_.data() + end_, 1, in_.size() - end_, file_.get());
            INK_CHECK(!std::ferror(file_.get()), name_, ": read error: ", std::strerror(errno));
            if (got == 0) return false;
            end_ += got;
        }
        return true;
    }

    std::string name_;
    std::uint64_t file_size_;
    struct Close {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Close> file_;
    std::vector<unsigned char> in_;      // a window of the file: [pos_, end_) not yet consumed
    std::size_t pos_ = 0, end_ = 0;
    std::uint64_t consumed_ = 0;         // file bytes before in_[0]
    bool gzip_ = false;
    bool member_ended_ = false;          // inflate reached the end of a gzip member
    z_stream z_{};
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

// The extents of the IDX header, as a checked Shape: the product of the non-zero extents must fit in
// int64 (Shape's invariant), and the content must fit in kMaxIdxBytes.
inline Shape read_idx_extents(IdxSource& in, int rank) {
    index_t dims[Shape::kMaxRank];
    for (int d = 0; d < rank; ++d) {
        std::uint8_t be[4];
        const std::size_t got = in.read(be, 4);
        INK_CHECK(got == 4, in.name(), ": the IDX header ends inside extent ", d, " of ", rank, " (",
                  in.how_it_ended(), ")");
        dims[d] = (index_t(be[0]) << 24) | (index_t(be[1]) << 16) | (index_t(be[2]) << 8) | be[3];
    }
    Shape shape;
    try {
        shape = Shape(dims, dims + rank);
    } catch (const Error& e) {
        ::ink::detail::fail(in.name(), ": the IDX header's extents are corrupt: ", e.what());
    }
    INK_CHECK(static_cast<std::uint64_t>(shape.numel()) <= kMaxIdxBytes, in.name(), ": the IDX header's extents ",
              shape.str(), " describe ", shape.numel(), " bytes, more than the limit of ", kMaxIdxBytes);
    return shape;
}

// Reads an IDX file; `what` names its contents in error messages ("pixel data", "label data").
inline Tensor<std::uint8_t> read_idx(const std::filesystem::path& path, const char* what) {
    IdxSource in(path);
    const std::string& name = in.name();

    std::uint8_t magic[4];
    const std::size_t got_magic = in.read(magic, 4);
    INK_CHECK(got_magic == 4, name, ": expected a 4-byte IDX header, ", in.how_it_ended(), " after ", got_magic,
              " bytes");
    INK_CHECK(magic[0] == 0 && magic[1] == 0, name, ": not an IDX file: the magic number starts with bytes ",
              int(magic[0]), " ", int(magic[1]), ", expected 0 0");
    INK_CHECK(magic[2] == 0x08, name, ": IDX data type 0x", std::hex, int(magic[2]), std::dec, " (",
              idx_type_name(magic[2]), ") is not supported; ink reads unsigned bytes (0x08)");
    const int rank = magic[3];
    INK_CHECK(rank >= 1 && rank <= Shape::kMaxRank, name, ": IDX rank ", rank, " is out of range, expected 1 to ",
              Shape::kMaxRank);
    const Shape shape = read_idx_extents(in, rank);
    const auto bytes = static_cast<std::size_t>(shape.numel());
    const auto expected = [&](std::uint64_t got) {
        return ::ink::detail::concat(name, ": expected ", bytes, " bytes of ", what, " (extents ", shape.str(),
                                     "), ", in.how_it_ended(), " after ", got);
    };

    Tensor<std::uint8_t> t;
    if (!in.gzip()) {
        // The file's size says how much data there is: check it before allocating.
        const std::uint64_t header = 4 + 4 * static_cast<std::uint64_t>(rank);
        const std::uint64_t data = in.file_size() > header ? in.file_size() - header : 0;
        if (data < bytes) throw Error(expected(data));
        t = Tensor<std::uint8_t>::empty(shape);
        const std::size_t got = in.read(t.data(), bytes);
        if (got != bytes) throw Error(expected(got));  // the file shrank while we read it
    } else {
        INK_CHECK(bytes <= in.file_size() * kMaxDeflateRatio, name, ": the IDX header's extents ", shape.str(),
                  " describe ", bytes, " bytes of ", what, ", more than a gzip file of ", in.file_size(),
                  " bytes can hold (at most ", kMaxDeflateRatio, " times its size)");
        // Grow with the data actually decompressed, so that a lying header costs at most twice the
        // data that is there.
        std::vector<std::uint8_t> content;
        std::size_t got = 0;
        while (got < bytes) {
            content.resize(std::min(bytes, std::max<std::size_t>(2 * got, 1 << 20)));
            const std::size_t n = in.read(content.data() + got, content.size() - got);
            got += n;
            if (got < content.size()) throw Error(expected(got));
        }
        t = Tensor<std::uint8_t>::empty(shape);
        std::copy(content.begin(), content.end(), t.data());
    }
    INK_CHECK(in.finished(), name, ": unexpected bytes after the ", bytes, " bytes of ", what,
              " (extents ", shape.str(), ")");
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
