// CSV writer (util/csv.hpp).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/util/csv.hpp"

using namespace ink;
using namespace ink::util;

TEST_CASE("CsvWriter: header, rows, number formats and quoting") {
    CsvWriter csv({"epoch", "train_loss", "note"});
    csv.add_row({1, 0.1f, "first"});
    csv.add_row({2, 71.25, "a, b"});
    csv.add_row({std::int64_t{3}, std::nan(""), "say \"hi\""});
    CHECK(csv.rows() == 3);
    CHECK(csv.str() ==
          "epoch,train_loss,note\n"
          "1,0.1,first\n"
          "2,71.25,\"a, b\"\n"
          "3,nan,\"say \"\"hi\"\"\"\n");
    CHECK_THROWS_WITH_AS(csv.add_row({1, 2}), doctest::Contains("2 fields in a table of 3 columns"), Error);
    CHECK_THROWS_AS(CsvWriter({}), Error);
}

TEST_CASE("CsvWriter: save replaces the file atomically; a missing directory names the path") {
    const auto dir = std::filesystem::temp_directory_path() / ("ink-test-csv-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "loss.csv").string();
    CsvWriter csv({"step", "loss"});
    csv.add_row({1, 2.5});
    csv.save(path);
    csv.add_row({2, 1.5});
    csv.save(path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == "step,loss\n1,2.5\n2,1.5\n");

    const std::string missing = (dir / "nope" / "loss.csv").string();
    CHECK_THROWS_WITH_AS(csv.save(missing), doctest::Contains(missing.c_str()), Error);
    std::filesystem::remove_all(dir);
}
