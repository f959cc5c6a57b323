// data/idx.hpp: IDX files, plain and gzip-compressed, and every kind of damage.
#include <doctest/doctest.h>

#include <zlib.h>

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
                 "describe more than");

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

    CHECK_THROWS_WITH_AS(read_idx(dir / "missing"), doctest::Contains("missing: cannot open"), Error);
    CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path(), Split::test),
                         doctest::Contains("t10k-images-idx3-ubyte.gz: cannot open"), Error);
}
