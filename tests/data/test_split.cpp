// data/split.hpp: the hash rules behind every fixed split are pinned to known values, so that a
// change of a split (which would silently change every reported validation figure) fails here.
#include <doctest/doctest.h>

#include <algorithm>

#include "ink/data/split.hpp"

using namespace ink;
using namespace ink::data;

TEST_CASE("split: FNV-1a-64 of UTF-8 bytes") {
    CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a64("秦川雄帝宅函谷壯皇居") == 0xbb434917bf465046ull);
    CHECK(fnv1a64("秦川雄帝宅函谷壮皇居") == 0x68dedbd62425572dull);
}

TEST_CASE("split: the 2% text hold-out") {
    // Held out in the real corpus (FNV-1a mod 100 < 2) ...
    for (const char* s : {"梯山咸入款駕海亦來思", "霜峰直臨道冰河曲繞城", "寒心覩肉林飛魄看沈湎"}) {
        CAPTURE(s);
        CHECK(fnv1a64(s) % 100 < 2);
        CHECK(is_held_out(s));
    }
    // ... and not (mod 100 = 66, 89, 71).
    for (const char* s : {"秦川雄帝宅函谷壯皇居", "秦川雄帝宅函谷壮皇居", "床前明月光疑是地上霜"}) {
        CAPTURE(s);
        CHECK_FALSE(is_held_out(s));
    }
    CHECK(is_held_out("秦川雄帝宅函谷壯皇居", 67));
    CHECK_FALSE(is_held_out("秦川雄帝宅函谷壯皇居", 66));
    CHECK_THROWS_AS(is_held_out("x", 101), Error);
}

TEST_CASE("split: splitmix64 and the indexed hold-out") {
    CHECK(splitmix64(0) == 0xe220a8397b1dcdafull);
    CHECK(splitmix64(1) == 0x910a2dec89025cc1ull);
    const std::vector<bool> held = held_out_indices(19, 3);
    CHECK(held == std::vector<bool>{false, false, false, true,  false, false, false, false, false, false,
                                    true,  false, false, false, false, false, false, false, true});
    CHECK(std::count(held.begin(), held.end(), true) == 3);
    const std::vector<bool> none = held_out_indices(10, 0);
    CHECK(std::count(none.begin(), none.end(), true) == 0);
    const std::vector<bool> all = held_out_indices(5, 5);
    CHECK(std::count(all.begin(), all.end(), true) == 5);
    CHECK_THROWS_AS(held_out_indices(5, 6), Error);
}
