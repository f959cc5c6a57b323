// data/idx.hpp: IDX files, plain and gzip-compressed, and every kind of damage.
#include <doctest/doctest.h>

#include <zlib.h>

#include <sys/stat.h>

#include <string>

#include "data/temp_files.hpp"
#include "ink/data/idx.hpp"

using namespace ink;
using namespace ink::data;
using ink::test::kDataFixtures;
using ink::test::read_file_bytes;
using ink::test::TempDir;
using ink::test::write_file;

namespace {

const std::filesystem::path kImages = kDataFixtures / "tiny-images-idx3-ubyte";
const std::filesystem::path kLabels = kDataFixtures / "tiny-labels-idx1-ubyte";

void write_gz(const std::filesystem::path& path, std::string_view bytes) {
    gzFile f = gzopen(path.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

// An IDX header of unsigned bytes with the given extents (big-endian 32-bit).
std::string idx_header(std::initializer_list<std::uint32_t> extents) {
    std::string h{'\0', '\0', '\x08', static_cast<char>(extents.size())};
    for (const std::uint32_t e : extents)
        for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((e >> shift) & 0xFF);
    return h;
}

// The fixture's 3 images of 2 x 3 pixels and labels 7, 0, 9.
void check_tiny_dataset(const LabeledImages& d) {
    REQUIRE(d.size() == 3);
    CHECK(d.height == 2);
    CHECK(d.width == 3);
    REQUIRE(d.images.shape() == Shape{3, 6});
    CHECK(d.images(0, 0) == 0.0f);
    CHECK(d.images(0, 1) == 1.0f);
    CHECK(d.images(0, 2) == doctest::Approx(0.2f));
    CHECK(d.images(1, 5) == doctest::Approx(6.0f / 255.0f));
    CHECK(d.images(2, 4) == doctest::Approx(128.0f / 255.0f));
    CHECK(d.labels.to_vector() == std::vector<std::int32_t>{7, 0, 9});
}

}  // namespace

TEST_CASE("IDX: a plain file keeps its extents and bytes") {
    const Tensor<std::uint8_t> t = read_idx(kImages);
    CHECK(t.shape() == Shape{3, 2, 3});
    CHECK(t(0, 0, 1) == 255);
    CHECK(t(2, 1, 2) == 64);
    CHECK(read_idx(kLabels).to_vector() == std::vector<std::uint8_t>{7, 0, 9});
}

TEST_CASE("IDX: images scaled to [0, 1] with labels, plain and gzip-compressed alike") {
    check_tiny_dataset(load_idx_dataset(kImages, kLabels));

    TempDir dir;
    write_gz(dir / "train-images-idx3-ubyte.gz", read_file_bytes(kImages));
    write_gz(dir / "train-labels-idx1-ubyte.gz", read_file_bytes(kLabels));
    check_tiny_dataset(load_fashion_mnist(dir.path(), Split::train));
    // Compression is detected from the content, not the name.
    write_gz(dir / "images-without-suffix", read_file_bytes(kImages));
    check_tiny_dataset(load_idx_dataset(dir / "images-without-suffix", kLabels));
}

TEST_CASE("IDX: damaged files name the file and the defect") {
    TempDir dir;
    const std::string images = read_file_bytes(kImages);
    const std::string labels = read_file_bytes(kLabels);
    const auto expect_error = [&](const std::string& file, std::string_view bytes, const char* message,
                                  bool gzip = false) {
        CAPTURE(file);
        const auto path = dir / file;
        gzip ? write_gz(path, bytes) : write_file(path, bytes);
        CHECK_THROWS_WITH_AS(load_idx_dataset(path, kLabels), doctest::Contains(message), Error);
        CHECK_THROWS_WITH_AS(load_idx_dataset(path, kLabels), doctest::Contains(file.c_str()), Error);
    };

    expect_error("truncated-pixels", images.substr(0, 16 + 10),
                 "expected 18 bytes of pixel data (extents [3, 2, 3]), file ends after 10");
    expect_error("truncated-pixels.gz", images.substr(0, 16 + 10), "file ends after 10", true);
    expect_error("short-header", images.substr(0, 2), "expected a 4-byte IDX header, file ends after 2 bytes");
    expect_error("cut-extents", images.substr(0, 10), "the IDX header ends inside extent 1 of 3");
    expect_error("wrong-magic", "\x01\x02" + images.substr(2), "not an IDX file");
    expect_error("float-type", images.substr(0, 2) + "\x0D" + images.substr(3),
                 "IDX data type 0xd (float) is not supported");
    expect_error("rank-zero", images.substr(0, 3) + '\0' + images.substr(4), "IDX rank 0 is out of range");
    expect_error("trailing-garbage", images + "xyz", "unexpected bytes after the 18 bytes of pixel data");
    expect_error("trailing-garbage.gz", images + "xyz", "unexpected bytes after the 18 bytes", true);
    expect_error("labels-as-images", labels, "expected images of rank 3 (count, height, width), got extents [3]");
    expect_error("huge-extents", std::string("\0\0\x08\x03\x7f\xff\xff\xff\x7f\xff\xff\xff\0\0\0\x01", 16),
                 "bytes, more than the limit of 17179869184");

    // A gzip stream cut in the middle, and one whose compressed bytes are damaged.
    write_gz(dir / "whole.gz", images);
    const std::string gz = read_file_bytes(dir / "whole.gz");
    write_file(dir / "cut.gz", gz.substr(0, gz.size() / 2));
    CHECK_THROWS_WITH_AS(read_idx(dir / "cut.gz"), doctest::Contains("cut.gz: expected"), Error);
    std::string damaged = gz;
    for (std::size_t i = 12; i < damaged.size() - 8; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5A);
    write_file(dir / "damaged.gz", damaged);
    CHECK_THROWS_WITH_AS(read_idx(dir / "damaged.gz"), doctest::Contains("damaged.gz: "), Error);

    // Image and label counts disagree.
    write_file(dir / "two-labels", labels.substr(0, 7) + '\x02' + labels.substr(8, 2));
    CHECK_THROWS_WITH_AS(load_idx_dataset(kImages, dir / "two-labels"),
                         doctest::Contains("has 3 images but"), Error);
    CHECK_THROWS_WITH_AS(load_idx_dataset(kImages, dir / "two-labels"),
                         doctest::Contains("two-labels has 2 labels"), Error);

    CHECK_THROWS_WITH_AS(read_idx(dir / "missing"), doctest::Contains("missing': cannot open"), Error);
    CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path(), Split::test),
                         doctest::Contains("t10k-images-idx3-ubyte.gz': cannot open"), Error);
}

TEST_CASE("issue14.1 IDX: extents whose product wraps int64 are refused") {
    TempDir dir;
    const std::string data(64, '\x2a');
    // 641 x 6700417 x 4294967295 = 2^64 - 1, which wraps to -1; 2^31 x 4 x 2^31 = 2^64 wraps to 0.
    write_file(dir / "wraps-to-minus-one", idx_header({641, 6700417, 4294967295u}) + data);
    CHECK_THROWS_WITH_AS(read_idx(dir / "wraps-to-minus-one"),
                         doctest::Contains("wraps-to-minus-one: the IDX header's extents are corrupt"), Error);
    CHECK_THROWS_WITH_AS(read_idx(dir / "wraps-to-minus-one"),
                         doctest::Contains("[641, 6700417, 4294967295] describe more than 2^63 - 1 elements"), Error);
    write_file(dir / "wraps-to-zero", idx_header({2147483648u, 4, 2147483648u}) + data);
    CHECK_THROWS_WITH_AS(read_idx(dir / "wraps-to-zero"),
                         doctest::Contains("wraps-to-zero: the IDX header's extents are corrupt"), Error);
    write_gz(dir / "wraps.gz", idx_header({641, 6700417, 4294967295u}) + data);
    CHECK_THROWS_WITH_AS(read_idx(dir / "wraps.gz"), doctest::Contains("wraps.gz: the IDX header's extents are corrupt"),
                         Error);
}

TEST_CASE("issue14.2 IDX: a tiny file cannot make the reader allocate what its header claims") {
    TempDir dir;
    // 22 bytes whose header claims 3 x 1024 x 1024 x 5000 bytes (15.7 GB, under the 16 GiB limit).
    const std::string file = idx_header({3, 1024, 1024, 5000}) + "ab";
    REQUIRE(file.size() == 22);
    write_file(dir / "tiny", file);
    const MemoryStats before = memory_stats();
    CHECK_THROWS_WITH_AS(read_idx(dir / "tiny"),
                         doctest::Contains("tiny: expected 15728640000 bytes of data (extents [3, 1024, 1024, 5000]), "
                                           "file ends after 2"),
                         Error);
    const MemoryStats after = memory_stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits == before.cache_hits);

    // Compressed, the claim is compared with what deflate can expand the file to.
    write_gz(dir / "tiny.gz", file);
    CHECK_THROWS_WITH_AS(read_idx(dir / "tiny.gz"), doctest::Contains("more than a gzip file of"), Error);
    CHECK(memory_stats().system_allocations == before.system_allocations);

    // A claim that a gzip file could hold but this one does not (3 MiB of incompressible bytes): the
    // reader allocates as the data comes and stops where it ends.
    std::string noise(3 << 20, '\0');
    std::uint32_t state = 1;
    for (char& c : noise) c = static_cast<char>((state = state * 1664525u + 1013904223u) >> 24);
    write_gz(dir / "short.gz", idx_header({1000, 1000, 1000}) + noise);
    CHECK_THROWS_WITH_AS(read_idx(dir / "short.gz"),
                         doctest::Contains("expected 1000000000 bytes of data (extents [1000, 1000, 1000]), "
                                           "file ends after 3145728"),
                         Error);
    CHECK(memory_stats().system_allocations == before.system_allocations);
}

TEST_CASE("issue14.3 IDX: a zero extent followed by huge ones is refused") {
    TempDir dir;
    write_file(dir / "zero-then-huge", idx_header({0, 4294967295u, 4294967295u, 4294967295u}));
    CHECK_THROWS_WITH_AS(read_idx(dir / "zero-then-huge"),
                         doctest::Contains("zero-then-huge: the IDX header's extents are corrupt"), Error);
    // A zero extent with a representable row size is an empty data set, not an error.
    write_file(dir / "empty", idx_header({0, 28, 28}));
    CHECK(read_idx(dir / "empty").shape() == Shape{0, 28, 28});
}

TEST_CASE("issue14.6 IDX .gz: trailing garbage is refused and truncation says the gzip stream ended early") {
    TempDir dir;
    const std::string images = read_file_bytes(kImages);
    write_gz(dir / "whole.gz", images);
    const std::string gz = read_file_bytes(dir / "whole.gz");

    write_file(dir / "garbage.gz", gz + "garbage");
    CHECK_THROWS_WITH_AS(read_idx(dir / "garbage.gz"),
                         doctest::Contains("garbage.gz: unexpected bytes after the end of the gzip stream"), Error);
    write_file(dir / "one-byte.gz", gz + '\0');
    CHECK_THROWS_WITH_AS(read_idx(dir / "one-byte.gz"), doctest::Contains("after the end of the gzip stream"), Error);
    // Concatenated gzip members are one gzip stream (as gunzip reads them).
    write_gz(dir / "head.gz", images.substr(0, 20));
    write_gz(dir / "tail.gz", images.substr(20));
    write_file(dir / "members.gz", read_file_bytes(dir / "head.gz") + read_file_bytes(dir / "tail.gz"));
    CHECK(read_idx(dir / "members.gz").to_vector() == read_idx(kImages).to_vector());

    // Cut inside the header, inside the data, and inside the 8-byte CRC and length trailer.
    for (const std::size_t keep : {std::size_t(12), gz.size() - 12, gz.size() - 4}) {
        CAPTURE(keep);
        write_file(dir / "cut.gz", gz.substr(0, keep));
        CHECK_THROWS_WITH_AS(read_idx(dir / "cut.gz"),
                             doctest::Contains("the gzip stream ends early (the .gz file is truncated)"), Error);
    }
}

TEST_CASE("issue14.7 IDX: a directory or a FIFO is refused by name, without blocking") {
    TempDir dir;
    CHECK_THROWS_WITH_AS(read_idx(dir.path()), doctest::Contains("is a directory"), Error);
    CHECK_THROWS_WITH_AS(load_idx_dataset(kImages, dir.path()), doctest::Contains(dir.path().string().c_str()), Error);
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(read_idx(dir / "fifo"), doctest::Contains("not a regular file"), Error);
    CHECK_THROWS_WITH_AS(read_idx(dir / "fifo"), doctest::Contains((dir / "fifo").string().c_str()), Error);
}
