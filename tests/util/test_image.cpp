// Image drawing and PNG files (util/image.hpp, util/png.hpp).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "ink/util/image.hpp"
#include "ink/util/png.hpp"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

using namespace ink;
using namespace ink::util;

namespace {
bool is_white(Rgb c) { return c == colors::white; }

std::filesystem::path scratch_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("ink-test-util-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir;
}
}  // namespace

TEST_CASE("Image: size, pixels, clipping and blending") {
    Image img(4, 3, Rgb{10, 20, 30});
    CHECK(img.width() == 4);
    CHECK(img.height() == 3);
    CHECK(img.pixel(3, 2) == Rgb{10, 20, 30});
    img.set(1, 2, colors::black);
    CHECK(img.pixel(1, 2) == colors::black);
    img.set(-1, 0, colors::black);  // outside: ignored
    img.set(4, 0, colors::black);
    CHECK(img.pixel(0, 0) == Rgb{10, 20, 30});
    img.fill(colors::white);
    img.blend(0, 0, colors::black, 0.5f);
    CHECK(img.pixel(0, 0) == Rgb{128, 128, 128});
    img.blend(1, 0, Rgb{255, 0, 0}, 0.0f);
    CHECK(img.pixel(1, 0) == colors::white);
    CHECK_THROWS_WITH_AS(img.pixel(4, 0), doctest::Contains("outside the 4 x 3 image"), Error);
    CHECK_THROWS_AS(Image(0, 5), Error);

    img.fill_rect(-2, -2, 4, 4, colors::black);  // clipped to [0, 2) x [0, 2)
    CHECK(img.pixel(1, 1) == colors::black);
    CHECK(is_white(img.pixel(2, 2)));
    Image frame(6, 5);
    frame.draw_rect(0, 0, 6, 5, colors::black);
    CHECK(frame.pixel(0, 4) == colors::black);
    CHECK(frame.pixel(5, 2) == colors::black);
    CHECK(is_white(frame.pixel(2, 2)));

    Image big(10, 10);
    big.paste(frame, 7, -1);  // partly outside
    CHECK(big.pixel(7, 0) == colors::black);
    CHECK(is_white(big.pixel(8, 1)));
}

TEST_CASE("Image: anti-aliased lines and discs") {
    Image img(40, 40);
    img.draw_line(2, 10.5, 30, 10.5, colors::black, 1.0);  // along the centres of row 10
    CHECK(img.pixel(15, 10) == colors::black);
    CHECK(is_white(img.pixel(15, 8)));
    CHECK(is_white(img.pixel(15, 12)));
    CHECK(is_white(img.pixel(35, 10)));

    // A shallow diagonal: every column it crosses is inked, and some pixels only partly (grey).
    img.fill(colors::white);
    img.draw_line(0, 20, 39, 30, colors::black, 1.5);
    bool partial = false;
    for (int x = 1; x < 39; ++x) {
        int inked = 0;
        for (int y = 0; y < 40; ++y) {
            const Rgb p = img.pixel(x, y);
            inked += p.r < 128;
            partial = partial || (p.r > 20 && p.r < 235);
        }
        CHECK(inked >= 1);
        CHECK(inked <= 3);
    }
    CHECK(partial);

    // A disc covers about pi r^2 pixels.
    img.fill(colors::white);
    img.fill_circle(20, 20, 6, colors::black);
    double ink_area = 0;
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x) ink_area += (255 - img.pixel(x, y).r) / 255.0;
    CHECK(ink_area == doctest::Approx(3.14159 * 36).epsilon(0.03));
    CHECK(img.pixel(20, 20) == colors::black);
    CHECK(is_white(img.pixel(20, 28)));

    // Half-transparent over white gives the midpoint colour.
    img.fill(colors::white);
    img.fill_circle(10.5, 10.5, 3, colors::black, 0.5f);
    CHECK(img.pixel(10, 10) == Rgb{128, 128, 128});

    // Degenerate input draws nothing or a dot, never crashes.
    img.draw_line(5, 5, 5, 5, colors::black, 2.0);
    img.draw_line(0, 0, std::nan(""), 3, colors::black);
    img.fill_circle(-100, -100, 3, colors::black);
}

TEST_CASE("png: a written file reads back with the same size and pixels") {
    Image img(7, 5, Rgb{1, 2, 3});
    img.set(0, 0, Rgb{255, 0, 0});
    img.set(6, 4, Rgb{0, 255, 0});
    img.set(3, 2, Rgb{17, 99, 200});
    const auto dir = scratch_dir();
    const std::string path = (dir / "round_trip.png").string();
    write_png(img, path);
    write_png(img, path);  // replacing an existing file works too

    int w = 0, h = 0, channels = 0;
    unsigned char* data = stbi_load(path.c_str(), &w, &h, &channels, 3);
    REQUIRE(data != nullptr);
    CHECK(w == 7);
    CHECK(h == 5);
    CHECK(channels == 3);
    CHECK(std::equal(data, data + 7 * 5 * 3, img.data()));
    stbi_image_free(data);

    // No temporary file is left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
    CHECK(files == 1);
    std::filesystem::remove_all(dir);
}

TEST_CASE("png: writing into a directory that does not exist names the path") {
    const std::string path = (scratch_dir() / "no-such-dir" / "picture.png").string();
    CHECK_THROWS_WITH_AS(write_png(Image(2, 2), path), doctest::Contains(path.c_str()), Error);
    std::filesystem::remove_all(scratch_dir());
    CHECK_THROWS_AS(encode_png(Image()), Error);
}
