// data/poetry.hpp and data/opencc.hpp: the couplet extraction rule, the corpus files, the script
// conversion, the corpus split and bad files.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "data/temp_files.hpp"
#include "ink/data/poetry.hpp"

using namespace ink;
using namespace ink::data;
using ink::test::copy_dir;
using ink::test::kDataFixtures;
using ink::test::TempDir;
using ink::test::write_file;

namespace {

const std::filesystem::path kPoems = kDataFixtures / "poems";

// The samples of the fixture files, in file order poet.tang.0, .2, .1000.
const std::vector<std::string> kFixtureSamples{
    "秦川雄帝宅函谷壯皇居", "綺殿千尋起離宮百雉餘", "不覺曉處處聞啼鳥夜來", "何當共剪燭卻話巴山雨",
    "風急天高處猿嘯哀鳴聲", "床前明月光疑是地上霜", "舉頭望明月低頭思故鄉", "秦川雄帝宅函谷壯皇居",
    "欲窮千里目更上一層樓", "長風破浪會直掛雲帆濟"};

std::vector<std::string> extract(std::string_view line) {
    std::vector<std::string> out;
    extract_couplets(line, out);
    return out;
}

}  // namespace

TEST_CASE("poetry: the couplet extraction rule") {
    using V = std::vector<std::string>;
    CHECK(extract("秦川雄帝宅，函谷壯皇居。") == V{"秦川雄帝宅函谷壯皇居"});
    for (const char* end : {"？", "！", "；"}) CHECK(extract(std::string("何當共剪燭，卻話巴山雨") + end).size() == 1);
    CHECK(extract("床前明月光，疑是地上霜；舉頭望明月，低頭思故鄉。") == V{"床前明月光疑是地上霜", "舉頭望明月低頭思故鄉"});
    // Seven-character lines give nothing ...
    CHECK(extract("故人西辭黃鶴樓，煙花三月下揚州。").empty());
    // ... but the rule is a search, not a whole-clause match: five characters at the end of a longer
    // clause followed by a five-character one count (as in the reference's regular expression).
    CHECK(extract("春眠不覺曉處處，聞啼鳥夜來；") == V{"不覺曉處處聞啼鳥夜來"});
    CHECK(extract("白日依山Ａ，黃河入海流。").empty());       // a full-width Latin letter
    CHECK(extract("㐀日依山盡，黃河入海流。").empty());       // U+3400 is outside U+4E00..U+9FFF
    CHECK(extract("白日依山盡，黃河入海流").empty());         // no terminator
    CHECK(extract("白日依山盡,黃河入海流。").empty());        // ASCII comma
    CHECK(extract("白日依山盡，黃河入海流，").empty());       // a comma is no terminator
    CHECK(extract("白日依山盡，黃河入海流。\xFF").size() == 1);  // stray bytes do not stop the search
    CHECK(extract("").empty());
}

TEST_CASE("poetry: files in numeric order, traditional script") {
    const auto files = tang_poem_files(kPoems);
    REQUIRE(files.size() == 3);  // authors.tang.json is not a poem file
    CHECK(files[0].filename() == "poet.tang.0.json");
    CHECK(files[1].filename() == "poet.tang.2.json");
    CHECK(files[2].filename() == "poet.tang.1000.json");
    CHECK(load_tang_couplets(kPoems, Script::traditional) == kFixtureSamples);
}

TEST_CASE("poetry: corpus, vocabulary and the text split") {
    const PoemCorpus corpus = make_poem_corpus(kFixtureSamples);
    CHECK(corpus.vocab.size() == 82);
    CHECK(corpus.vocab.token(0) == "處");  // three times; then the characters seen twice by code point
    CHECK(corpus.vocab.token(1) == "上");
    CHECK(corpus.train.shape() == Shape{10, 10});  // no fixture sample is in the 2% hold-out
    CHECK(corpus.valid.shape() == Shape{0, 10});
    CHECK(corpus.vocab.decode(std::vector<std::int32_t>(corpus.train.data() + 20, corpus.train.data() + 30)) ==
          "不覺曉處處聞啼鳥夜來");

    // With a 20% hold-out, the samples whose FNV-1a mod 100 is below 20 (19 and 18) are held out.
    const PoemCorpus split = make_poem_corpus(kFixtureSamples, 20);
    REQUIRE(split.valid.dim(0) == 2);
    CHECK(split.train.dim(0) == 8);
    const auto row = [&](const Tensor<std::int32_t>& t, index_t r) {
        return split.vocab.decode(std::vector<std::int32_t>(t.data() + r * 10, t.data() + r * 10 + 10));
    };
    CHECK(row(split.valid, 0) == "綺殿千尋起離宮百雉餘");
    CHECK(row(split.valid, 1) == "長風破浪會直掛雲帆濟");
    CHECK(row(split.train, 7) == "欲窮千里目更上一層樓");
}

TEST_CASE("poetry: simplified script with OpenCC t2s") {
    if constexpr (kHaveOpenCC) {
        CHECK(ScriptConverter("t2s.json").convert("風") == "风");
        const std::vector<std::string> simplified = load_tang_couplets(kPoems, Script::simplified);
        REQUIRE(simplified.size() == kFixtureSamples.size());
        CHECK(simplified[0] == "秦川雄帝宅函谷壮皇居");
        CHECK(simplified[4] == "风急天高处猿啸哀鸣声");
        CHECK(simplified[8] == "欲穷千里目更上一层楼");
        CHECK(to_simplified({}).empty());
        CHECK_THROWS_WITH_AS(ScriptConverter("no-such-config.json"),
                             doctest::Contains("OpenCC: cannot open configuration no-such-config.json"), Error);
    } else {
        CHECK_THROWS_WITH_AS(load_tang_couplets(kPoems, Script::simplified),
                             doctest::Contains("ink was built without OpenCC"), Error);
    }
}

TEST_CASE("poetry: bad files name the file and the field") {
    const auto expect_error = [](const std::string& content, const char* message) {
        CAPTURE(content);
        TempDir dir;
        copy_dir(kPoems, dir.path());
        write_file(dir / "poet.tang.2.json", content);
        CHECK_THROWS_WITH_AS(load_tang_couplets(dir.path(), Script::traditional), doctest::Contains(message), Error);
        CHECK_THROWS_WITH_AS(load_tang_couplets(dir.path(), Script::traditional),
                             doctest::Contains("poet.tang.2.json': "), Error);
        CHECK_THROWS_WITH_AS(load_tang_couplets(dir.path(), Script::traditional),
                             doctest::Contains("poem file '"), Error);
    };
    expect_error("[{\"paragraphs\": [\"秦川雄帝宅，函谷壯皇居。\"]", "invalid JSON");
    expect_error("{\"paragraphs\": []}", "expected a JSON array of poems, got a object");
    expect_error("[{\"paragraphs\": []}, \"poem\"]", "poem 1 is a string, expected an object");
    expect_error("[{\"title\": \"無題\"}]", "poem 0 has no field \"paragraphs\"");
    expect_error("[{\"paragraphs\": \"秦川雄帝宅\"}]", "poem 0: field \"paragraphs\" is a string");
    expect_error("[{\"paragraphs\": [\"秦川雄帝宅，函谷壯皇居。\", 5]}]", "poem 0: paragraphs[1] is a number");

    TempDir empty;
    CHECK_THROWS_WITH_AS(load_tang_couplets(empty.path()), doctest::Contains("no files poet.tang.<n>.json"), Error);
    CHECK_THROWS_WITH_AS(load_tang_couplets(empty / "absent"), doctest::Contains("absent: not a directory"), Error);
}

TEST_CASE("poetry: parse_poem_file reads a poem file's text") {
    std::vector<std::string> out;
    parse_poem_file(R"([{"paragraphs": ["秦川雄帝宅，函谷壯皇居。"]}, {"paragraphs": []}])", "mem.json", out);
    CHECK(out == std::vector<std::string>{"秦川雄帝宅函谷壯皇居"});
    CHECK_THROWS_WITH_AS(parse_poem_file("[5]", "mem.json", out),
                         "poem file 'mem.json': poem 0 is a number, expected an object", Error);
}

TEST_CASE("issue14.4 poetry: an array nested 100000 deep is refused") {
    std::vector<std::string> out;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& text : {std::string(100000, '[') + std::string(100000, ']'),
                                    "[{\"paragraphs\": [], \"tags\": " + std::string(100000, '[') + "}]"})
        CHECK_THROWS_WITH_AS(parse_poem_file(text, "deep.json", out),
                             "poem file 'deep.json': JSON nested deeper than 32 levels", Error);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    // An invalid token megabytes long is quoted in 48 bytes.
    try {
        parse_poem_file("[{\"paragraphs\": [\"" + std::string(1'000'000, 'a') + "\x01\"]}]", "long.json", out);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() < 300);
    }
}

TEST_CASE("issue14.4 poetry: a poem with a key twice is refused") {
    std::vector<std::string> out;
    CHECK_THROWS_WITH_AS(
        parse_poem_file(R"([{"paragraphs": ["秦川雄帝宅，函谷壯皇居。"], "paragraphs": []}])", "dup.json", out),
        "poem file 'dup.json': duplicate key \"paragraphs\" in a nested object", Error);
}

TEST_CASE("issue14.7 poetry: a directory or FIFO given as a poem file is refused by name") {
    TempDir dir;
    copy_dir(kPoems, dir.path());
    std::filesystem::create_directory(dir / "poet.tang.5.json");
    CHECK_THROWS_WITH_AS(load_tang_couplets(dir.path(), Script::traditional),
                         doctest::Contains("poet.tang.5.json': is a directory, expected a file"), Error);
    std::filesystem::remove(dir / "poet.tang.5.json");
    REQUIRE(::mkfifo((dir / "poet.tang.5.json").c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(load_tang_couplets(dir.path(), Script::traditional),
                         doctest::Contains("poet.tang.5.json': not a regular file"), Error);
}
