// ink-conv-bench's --shapes file (bench/conv_shapes.hpp): outside input, so every malformed line must
// fail with the file, the line and what was expected, and well-formed lines must give the parameters.
#include <doctest/doctest.h>

#include "conv_shapes.hpp"

using ink::Error;
using ink::bench::parse_conv_shapes;

TEST_CASE("conv shapes: well-formed lines, comments, defaults and explicit padding") {
    const auto shapes = parse_conv_shapes(
        "# design shapes\n\nbatch=64 length=256 cin=128 cout=256 kernel=3\r\n"
        "  batch=1\tlength=7 cin=1 cout=7 kernel=2 stride=2 dilation=3 padding=explicit pad-left=1 pad-right=0\n"
        "batch=2 length=9 cin=3 cout=4 kernel=5 padding=valid",
        "s.txt");
    REQUIRE(shapes.size() == 3);
    CHECK(shapes[0].batch == 64);
    CHECK(shapes[0].length == 256);
    CHECK(shapes[0].channels_in == 128);
    CHECK(shapes[0].channels_out == 256);
    CHECK(shapes[0].kernel == 3);
    CHECK(shapes[0].stride == 1);
    CHECK(shapes[0].pad_left == 1);  // same: Lout = L
    CHECK(shapes[0].length_out() == 256);
    CHECK(shapes[1].stride == 2);
    CHECK(shapes[1].dilation == 3);
    CHECK(shapes[1].pad_left == 1);
    CHECK(shapes[1].pad_right == 0);
    CHECK(shapes[1].length_out() == 3);  // (7 + 1 - 4) / 2 + 1
    CHECK(shapes[2].pad_left + shapes[2].pad_right == 0);
    CHECK(shapes[2].length_out() == 5);
}

TEST_CASE("conv shapes: malformed input names the line and what was expected") {
    auto fails_with = [](const char* text, const char* message) {
        CHECK_THROWS_WITH_AS(parse_conv_shapes(text, "s.txt"), doctest::Contains(message), Error);
    };
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1\nbatch=x length=8 cin=1 cout=1 kernel=1", "s.txt:2: batch");
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1 kernel=2", "s.txt:1: kernel given twice");
    fails_with("batch=1 length=8 cin=1 cout=1", "s.txt:1: missing kernel");
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1 width=3", "unknown key \"width\"");
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1 stride", "expected key=value");
    fails_with("batch=0 length=8 cin=1 cout=1 kernel=1", "batch must be in [1,");
    fails_with("batch=-1 length=8 cin=1 cout=1 kernel=1", "batch must be in [1,");
    fails_with("batch=+1 length=8 cin=1 cout=1 kernel=1", "is not an integer");
    fails_with("batch=99999999999999999999 length=8 cin=1 cout=1 kernel=1", "out of the range");
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1 padding=full", "padding must be same, valid or explicit");
    fails_with("batch=1 length=8 cin=1 cout=1 kernel=1 pad-left=2", "need padding=explicit");
    fails_with("batch=1 length=2 cin=1 cout=1 kernel=5 padding=valid", "exceeds the padded length");
    fails_with("batch=4096 length=4096 cin=512 cout=512 kernel=9", "more than the limit");
    fails_with("# only a comment\n\n", "no shapes");
    std::string many;
    for (int i = 0; i <= 1000; ++i) many += "batch=1 length=1 cin=1 cout=1 kernel=1\n";
    CHECK_THROWS_WITH_AS(parse_conv_shapes(many, "s.txt"), doctest::Contains("s.txt:1001: more than 1000 shapes"), Error);
}

TEST_CASE("conv shapes: the file itself is checked before it is read") {
    CHECK_THROWS_WITH_AS(ink::bench::read_conv_shapes("/"), doctest::Contains("is a directory"), Error);
    CHECK_THROWS_WITH_AS(ink::bench::read_conv_shapes("/nonexistent/shapes.txt"), doctest::Contains("cannot open"),
                         Error);
}
