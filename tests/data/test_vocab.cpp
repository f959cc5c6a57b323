// data/vocab.hpp and data/utf8.hpp: character ids, encoding errors, JSON round trip.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "ink/data/vocab.hpp"

using namespace ink;
using namespace ink::data;

TEST_CASE("utf8: strict decoding") {
    std::size_t pos = 0;
    char32_t cp = 0;
    const std::string s = "a風𠀀";
    REQUIRE(utf8::next(s, pos, cp));
    CHECK(cp == U'a');
    REQUIRE(utf8::next(s, pos, cp));
    CHECK(cp == U'風');
    REQUIRE(utf8::next(s, pos, cp));
    CHECK(cp == U'𠀀');
    CHECK(pos == s.size());
    CHECK_FALSE(utf8::next(s, pos, cp));
    for (const char* bad : {"\xC0\xAF", "\xE9\xA2", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
        pos = 0;
        CHECK_FALSE(utf8::next(bad, pos, cp));
        CHECK(pos == 0);
    }
    CHECK(utf8::encode(U'風') == "風");
    CHECK(utf8::encode(U'𠀀') == "𠀀");
    CHECK(utf8::code_point_name(U'風') == "U+98A8");
    CHECK(utf8::code_point_name(U'a') == "U+0061");
}

TEST_CASE("Vocab: ids by decreasing frequency, ties by code point") {
    const Vocab v = Vocab::from_texts({"山水山", "水月山", "人"});
    REQUIRE(v.size() == 4);
    // 山 x3, 水 x2, then 人 (U+4EBA) before 月 (U+6708).
    CHECK(v.decode(std::vector<std::int32_t>{0, 1, 2, 3}) == "山水人月");
    CHECK(v.encode("水月山") == std::vector<std::int32_t>{1, 3, 0});
    CHECK(v.token(2) == "人");
    CHECK(v.contains(U'月'));
    CHECK_FALSE(v.contains(U'風'));
    // The order of the texts does not matter.
    CHECK(Vocab::from_texts({"人", "水月山", "山水山"}) == v);
}

TEST_CASE("Vocab: errors name the character and its position") {
    const Vocab v = Vocab::from_texts({"山水月人"});
    CHECK_THROWS_WITH_AS(v.encode("山水風月"),
                         "Vocab::encode: character '風' (U+98A8) at position 2 of \"山水風月\" is not in the vocabulary",
                         Error);
    CHECK_THROWS_WITH_AS(v.encode("山\xFF"), doctest::Contains("invalid UTF-8 at byte 3"), Error);
    CHECK_THROWS_WITH_AS(v.decode(std::vector<std::int32_t>{0, 4}), doctest::Contains("id 4 is out of range [0, 4)"),
                         Error);
    CHECK_THROWS_AS(v.token(-1), Error);
    std::int32_t two[2];
    CHECK(v.encode_to("山水", two) == 2);
    CHECK(two[1] == 3);  // all characters are equally frequent: 人 山 月 水 by code point
    CHECK_THROWS_WITH_AS(v.encode_to("山水月", two), doctest::Contains("has more than 2 characters"), Error);
    CHECK_THROWS_WITH_AS(Vocab(std::vector<std::string>{"山", "水", "山"}), doctest::Contains("'山' (U+5C71) appears twice"),
                         Error);
    CHECK_THROWS_WITH_AS(Vocab(std::vector<std::string>{"山水"}), doctest::Contains("not exactly one UTF-8 character"),
                         Error);
}

TEST_CASE("Vocab: JSON round trip") {
    const Vocab v = Vocab::from_texts({"風\"山\\月", "a"});
    const std::string json = v.to_json();
    CHECK(json.front() == '[');
    const Vocab back = Vocab::from_json(json);
    CHECK(back == v);
    CHECK(back.encode("月a") == v.encode("月a"));
    CHECK(Vocab::from_json("[\"山\",\"水\"]").encode("水山") == std::vector<std::int32_t>{1, 0});
    CHECK_THROWS_WITH_AS(Vocab::from_json("[\"山\","), doctest::Contains("Vocab::from_json: invalid JSON"), Error);
    CHECK_THROWS_WITH_AS(Vocab::from_json("{\"a\": 1}"), doctest::Contains("expected a JSON array"), Error);
    CHECK_THROWS_WITH_AS(Vocab::from_json("[\"山\", 3]"), doctest::Contains("entry 1 is a number"), Error);
    CHECK(Vocab::from_json("[]").size() == 0);
}

TEST_CASE("issue14.4 Vocab::from_json: an array nested 100000 deep is refused") {
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(Vocab::from_json(std::string(100000, '[') + std::string(100000, ']')),
                         "Vocab::from_json: JSON nested deeper than 32 levels", Error);
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    CHECK_THROWS_WITH_AS(Vocab::from_json("[\"山\", " + objects),
                         "Vocab::from_json: JSON nested deeper than 32 levels", Error);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    // Error messages quote at most a few dozen bytes of a megabyte token.
    try {
        Vocab::from_json("[\"" + std::string(1'000'000, 'a'));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() < 300);
        CHECK(std::string(e.what()).find("Vocab::from_json: invalid JSON at byte") == 0);
    }
}
