// safetensors: round trips, the byte layout against the format spec, and every kind of bad file.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include "ink/io/safetensors.hpp"

using namespace ink;
using namespace ink::io;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed at the end of each test case.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("ink-test-io-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file made of a hand-written JSON header (padded as the format asks) and `data` bytes.
std::string make_file(std::string header, const std::string& data) {
    header.append((8 - header.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
    return out + header + data;
}

}  // namespace

TEST_CASE("safetensors: the bytes of a tiny file match the format spec") {
    TensorDict d;
    d.set("a", Tensor<float>(Shape{2}, {1.0f, -2.0f}));
    d.set("b", Tensor<std::int32_t>::scalar(7));
    d.metadata["k"] = "v";

    const std::string header =
        R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
        R"("b":{"data_offsets":[8,12],"dtype":"I32","shape":[]}})"
        "    ";  // 132 bytes of JSON + 4 spaces = 136, a multiple of 8
    std::string expected("\x88\0\0\0\0\0\0\0", 8);  // 136, little-endian u64
    expected += header;
    expected += std::string("\x00\x00\x80\x3F", 4);  // 1.0f  = 0x3F800000
    expected += std::string("\x00\x00\x00\xC0", 4);  // -2.0f = 0xC0000000
    expected += std::string("\x07\x00\x00\x00", 4);  // 7
    CHECK(to_safetensors_bytes(d) == expected);

    const TensorDict back = parse_safetensors(expected);
    CHECK(back.get<float>("a").to_vector() == std::vector<float>{1.0f, -2.0f});
    CHECK(back.get<std::int32_t>("b").shape() == Shape{});
    CHECK(back.get<std::int32_t>("b").item() == 7);
    CHECK(back.meta("k") == "v");
}

TEST_CASE("safetensors: round trip of float, double and integer tensors through a file") {
    TempDir dir;
    TensorDict d;
    Tensor<float> f(Shape{2, 3}, {1, 2, 3, 4, 5, 6.5f});
    Tensor<double> g(Shape{3}, {1e-300, -0.0, 3.141592653589793});
    Tensor<std::int32_t> i(Shape{2, 1, 2}, {-1, 2, -3, 2147483647});
    Tensor<std::int64_t> l(Shape{1}, {-9000000000000000000LL});
    Tensor<std::uint8_t> u(Shape{3}, {0, 128, 255});
    Tensor<float> empty(Shape{0, 4});
    d.set("layer.weight", f);
    d.set("double", g);
    d.set("ids", i);
    d.set("step", l);
    d.set("bytes", u);
    d.set("empty", empty);
    d.metadata["vocab"] = "风花雪月";
    d.metadata["hparams"] = R"({"lr": 0.001})";
    const std::string path = dir.file("round.safetensors");
    save_safetensors(path, d);
    CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));

    const TensorDict r = load_safetensors(path);
    CHECK(r.size() == 6);
    CHECK(r.get<float>("layer.weight", Shape{2, 3}).to_vector() == f.to_vector());
    CHECK(r.get<double>("double").to_vector() == g.to_vector());
    CHECK(std::signbit(r.get<double>("double")[1]));
    CHECK(r.get<std::int32_t>("ids").shape() == Shape{2, 1, 2});
    CHECK(r.get<std::int32_t>("ids").to_vector() == i.to_vector());
    CHECK(r.get<std::int64_t>("step").item() == -9000000000000000000LL);
    CHECK(r.get<std::uint8_t>("bytes").to_vector() == u.to_vector());
    CHECK(r.get<float>("empty").shape() == Shape{0, 4});
    CHECK(r.metadata == d.metadata);
    // The writer aligns every tensor to its element size: doubles and int64 come first.
    const auto bytes = to_safetensors_bytes(d);
    const auto header_len = static_cast<std::size_t>(static_cast<unsigned char>(bytes[0]) |
                                                     static_cast<unsigned char>(bytes[1]) << 8);
    const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    CHECK(header["double"]["data_offsets"][0] == 0);
    CHECK(header["step"]["data_offsets"][0] == 24);
}

TEST_CASE("safetensors: lookups name the file and the tensor") {
    TensorDict d;
    d.set("w", Tensor<float>(Shape{2, 2}));
    const TensorDict r = parse_safetensors(to_safetensors_bytes(d), "model.safetensors");
    CHECK_THROWS_WITH_AS(r.get<float>("missing"), doctest::Contains("'model.safetensors': tensor 'missing' is missing"),
                         Error);
    CHECK_THROWS_WITH_AS(r.get<float>("w", Shape{2, 3}),
                         doctest::Contains("tensor 'w' has shape [2, 2], expected [2, 3]"), Error);
    CHECK_THROWS_WITH_AS(r.get<double>("w"), doctest::Contains("tensor 'w' has dtype F32, expected F64"), Error);
    CHECK_THROWS_WITH_AS(r.meta("step"), doctest::Contains("metadata field 'step' is missing"), Error);
}

TEST_CASE("safetensors: corrupt and truncated files throw ink::Error naming the file and the field") {
    TempDir dir;
    const std::string good_header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const std::string good_data(8, '\x01');
    auto load_bytes = [&](const std::string& bytes) {
        const std::string path = dir.file("bad.safetensors");
        write_bytes(path, bytes);
        return load_safetensors(path);
    };
    auto fails_with = [&](const std::string& bytes, const char* what) {
        CAPTURE(what);
        CHECK_THROWS_WITH_AS(load_bytes(bytes), doctest::Contains("bad.safetensors"), Error);
        CHECK_THROWS_WITH_AS(load_bytes(bytes), doctest::Contains(what), Error);
    };

    CHECK(load_bytes(make_file(good_header, good_data)).get<float>("w").numel() == 2);

    fails_with(std::string("\x10\0\0", 3), "truncated: 3 bytes");
    fails_with(std::string(), "truncated: 0 bytes");
    fails_with(make_file(good_header, good_data).substr(0, 20), "runs past the end of the file");
    {
        std::string huge = make_file(good_header, good_data);
        huge[5] = '\x7F';  // header length ~ 2^47
        fails_with(huge, "runs past the end of the file");
    }
    fails_with(make_file(R"({"w":{"dtype":"F32",)", good_data), "the header does not end with '}'");
    fails_with(make_file(R"({"w":{"dtype":"F32",}})", good_data), "header: invalid JSON at byte 20");
    fails_with(make_file(R"([1, 2])", ""), "the header begins with byte 91, expected '{'");
    fails_with(make_file(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", good_data),
               "tensor 'w': unsupported or unknown dtype 'Q7'");
    fails_with(make_file(R"({"w":{"dtype":"BOOL","shape":[8],"data_offsets":[0,8]}})", good_data),
               "unsupported or unknown dtype 'BOOL'");
    fails_with(make_file(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", good_data),
               "tensor 'w': field 'shape' is missing");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", good_data),
               "not a non-negative integer");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", good_data),
               "is not a pair of non-negative integers");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", good_data),
               "end before they begin");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", good_data),
               "tensor 'w': data_offsets [0, 16] run past the end of the data (8 bytes)");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", good_data),
               "hold 8 bytes, but shape [3] of F32 needs 12");
    fails_with(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                         good_data),
               "overlap another tensor");
    fails_with(make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", good_data),
               "a gap of 4 bytes");
    fails_with(make_file(good_header, good_data + "junk"), "4 bytes after the last tensor");
    fails_with(make_file(R"({"__metadata__":{"step":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                         good_data),
               "metadata field 'step' is 3, expected a string");
    // A file cut short inside its data.
    fails_with(make_file(good_header, good_data).substr(0, make_file(good_header, good_data).size() - 3),
               "run past the end of the data (5 bytes): truncated?");

    CHECK_THROWS_WITH_AS(load_safetensors(dir.file("nope.safetensors")), doctest::Contains("cannot open"), Error);
}

TEST_CASE("safetensors: a failed write leaves the old file intact and no temporary behind") {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    TensorDict old;
    old.set("w", Tensor<float>(Shape{2}, {1, 2}));
    save_safetensors(path, old);
    const std::string before = read_bytes(path);

    // A writer that fails half way.
    CHECK_THROWS_AS(write_file_atomically(path,
                                          [](AtomicFile& f) {
                                              f.write("garbage", 7);
                                              throw Error("disk full (simulated)");
                                          }),
                    Error);
    CHECK(read_bytes(path) == before);

    // A dict that cannot be encoded (metadata that is not UTF-8) fails before the rename.
    TensorDict bad;
    bad.set("w", Tensor<float>(Shape{3}));
    bad.metadata["k"] = "\xFF\xFE";
    CHECK_THROWS_WITH_AS(save_safetensors(path, bad), doctest::Contains("cannot encode the header"), Error);
    CHECK(read_bytes(path) == before);

    // A target in a directory that does not exist: the error names the file.
    CHECK_THROWS_WITH_AS(save_safetensors(dir.file("no/such/dir.safetensors"), old), doctest::Contains("cannot create"),
                         Error);

    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
    CHECK(files == 1);
    CHECK(load_safetensors(path).get<float>("w").to_vector() == std::vector<float>{1, 2});
}

namespace {

// parse_safetensors(bytes)'s error message, or "" if it loads.
std::string parse_error(const std::string& bytes) {
    try {
        parse_safetensors(bytes, "hostile.safetensors");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

const std::string kGoodHeader = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
const std::string kGoodData(8, '\x01');

}  // namespace

TEST_CASE("issue14.4 safetensors: array nested 100000 deep is refused") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const std::string& header :
         {R"({"w":{"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,8]}})",
          R"({"w":{"dtype":"F32","shape":[2],"data_offsets":)" + deep + "}}",
          R"({"__metadata__":{"k":)" + deep + "}}"}) {
        const auto start = std::chrono::steady_clock::now();
        const std::string message = parse_error(make_file(header, kGoodData));
        CHECK(message == "safetensors file 'hostile.safetensors': header: JSON nested deeper than 32 levels");
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    }
}

TEST_CASE("issue14.4 safetensors: a 100 MB header of '[' fails fast, without gigabytes of memory") {
    // Over the header size limit: refused before parsing.
    const std::string message = parse_error(make_file(std::string(100'000'000, '['), ""));
    CHECK(message == "safetensors file 'hostile.safetensors': header length 100000000 exceeds ink's limit of "
                     "16777216 bytes (16 MiB)");
    // Under it: refused after reading 33 brackets.
    const auto start = std::chrono::steady_clock::now();
    CHECK(parse_error(make_file("{\"w\":" + std::string(10'000'000, '[') + "}", "")).find("nested deeper than 32") !=
          std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("issue14.4 safetensors: error messages quote at most a few dozen bytes of the file") {
    std::string long_shape = "[";
    for (int i = 0; i < 200000; ++i) long_shape += "\"x\",";
    long_shape += "1]";
    const std::string long_name(1'000'000, 'n');
    for (const std::string& header :
         {R"({"w":{"dtype":"F32","shape":)" + long_shape + R"(,"data_offsets":[0,8]}})",
          R"({"w":{"dtype":"F32","shape":[2],"data_offsets":)" + long_shape + "}}",
          R"({"w":{"dtype":")" + long_name + R"(","shape":[2],"data_offsets":[0,8]}})",
          R"({")" + long_name + R"(":{"dtype":"F32","shape":[2],"data_offsets":[0,9]}})",
          R"({"w":")" + long_name + "\x01\"}",     // a control character inside a 1 MB string token
          R"({"__metadata__":{"k":)" + long_shape + "}}"}) {
        const std::string message = parse_error(make_file(header, kGoodData));
        CAPTURE(message);
        CHECK(message.find("hostile.safetensors") != std::string::npos);
        CHECK(message.size() < 300);
    }
}

TEST_CASE("issue14.5 safetensors: a NUL byte after the header is refused") {
    CHECK(parse_error(make_file(kGoodHeader, kGoodData)).empty());
    CHECK(parse_error(make_file(kGoodHeader + std::string("\0garbage", 8), kGoodData)) ==
          "safetensors file 'hostile.safetensors': the header holds a NUL byte at offset 54 (only spaces may pad it)");
    CHECK(parse_error(make_file(kGoodHeader + std::string("\0", 1), kGoodData)).find("NUL byte") != std::string::npos);
    CHECK(parse_error(make_file(kGoodHeader + std::string("   \0   ", 7), kGoodData)).find("NUL byte") !=
          std::string::npos);
}

TEST_CASE("issue14.5 safetensors: a UTF-8 byte order mark is refused") {
    CHECK(parse_error(make_file("\xEF\xBB\xBF" + kGoodHeader, kGoodData)) ==
          "safetensors file 'hostile.safetensors': the header begins with a UTF-8 byte order mark, expected '{'");
    CHECK(parse_error(make_file(" " + kGoodHeader, kGoodData)).find("begins with byte 32, expected '{'") !=
          std::string::npos);
}

TEST_CASE("issue14.5 safetensors: duplicate keys are refused, in the header and in __metadata__") {
    CHECK(parse_error(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("w":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                                kGoodData)) ==
          "safetensors file 'hostile.safetensors': header: duplicate key \"w\" in the top-level object");
    CHECK(parse_error(make_file(R"({"__metadata__":{"step":"1","step":"2"},)" + kGoodHeader.substr(1), kGoodData)) ==
          "safetensors file 'hostile.safetensors': header: duplicate key \"step\" in the object of \"__metadata__\"");
    CHECK(parse_error(make_file(R"({"w":{"dtype":"F32","dtype":"I32","shape":[2],"data_offsets":[0,8]}})", kGoodData)) ==
          "safetensors file 'hostile.safetensors': header: duplicate key \"dtype\" in the object of \"w\"");
    CHECK(parse_error(make_file(R"({"__metadata__":{},"__metadata__":{},)" + kGoodHeader.substr(1), kGoodData))
              .find("duplicate key \"__metadata__\"") != std::string::npos);
}

TEST_CASE("issue14.5 safetensors: spaces may pad the header, nothing else may follow the object") {
    std::string padded = make_file(kGoodHeader + std::string(13, ' '), kGoodData);
    CHECK(parse_safetensors(padded).get<float>("w").numel() == 2);
    CHECK(parse_safetensors(make_file("{\n \"w\": {\"dtype\": \"F32\",\t\"shape\": [2], \"data_offsets\": [0, 8]}\n}",
                                      kGoodData))
              .contains("w"));  // JSON whitespace inside the object is JSON
    CHECK(parse_error(make_file(kGoodHeader + "\n", kGoodData)).find("does not end with '}' followed by spaces only") !=
          std::string::npos);
    CHECK(parse_error(make_file(kGoodHeader + "{}", kGoodData)).find("invalid JSON") != std::string::npos);
    CHECK(parse_error(make_file("{}" + std::string(6, ' '), "")).empty());  // an empty file of tensors
}

TEST_CASE("issue14.3 safetensors: a zero extent followed by huge ones is refused") {
    CHECK(parse_error(make_file(R"({"w":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}})",
                                ""))
              .find("is too large (more than 2^48 elements)") != std::string::npos);
    CHECK(parse_error(make_file(R"({"w":{"dtype":"F32","shape":[0,16777216,16777216],"data_offsets":[0,0]}})", ""))
              .empty());  // 2^48 exactly, and no element
}

TEST_CASE("issue14.7 safetensors: a directory or FIFO given as the file is refused by name") {
    TempDir dir;
    const std::string expected = "safetensors file '" + dir.path.string() + "': is a directory";
    CHECK_THROWS_WITH_AS(load_safetensors(dir.path.string()), doctest::Contains(expected.c_str()), Error);
    const std::string fifo = dir.file("pipe.safetensors");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(load_safetensors(fifo), doctest::Contains("pipe.safetensors': not a regular file"), Error);
}

TEST_CASE("issue10.1 safetensors: float tensors stored as F16 or BF16, bytes as computed by hand") {
    TensorDict d;
    d.set("f", Tensor<float>(Shape{4}, {1.0f, -2.0f, 65520.0f, std::ldexp(1.0f, -24)}));
    d.set("g", Tensor<double>(Shape{2}, {1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30), 0.1}));
    d.set("i", Tensor<std::int32_t>(Shape{1}, {7}));
    {
        const std::string bytes = to_safetensors_bytes(d, {.float_dtype = DType::F16});
        const std::string header =
            R"({"f":{"data_offsets":[4,12],"dtype":"F16","shape":[4]},)"
            R"("g":{"data_offsets":[12,16],"dtype":"F16","shape":[2]},)"
            R"("i":{"data_offsets":[0,4],"dtype":"I32","shape":[1]}})";
        REQUIRE(bytes.size() > 8 + header.size());
        CHECK(bytes.substr(8, header.size()) == header);
        // i (4-byte elements) first, then f and g by name: 1.0 -> 3C00, -2 -> C000, 65520 -> inf 7C00,
        // 2^-24 -> 0001; 1 + 2^-11 + 2^-30 -> 3C01 (one rounding), 0.1 -> 2E66.
        CHECK(bytes.substr(bytes.size() - 16) ==
              std::string("\x07\0\0\0" "\x00\x3C\x00\xC0\x00\x7C\x01\x00" "\x01\x3C\x66\x2E", 16));
        const TensorDict back = parse_safetensors(bytes);
        CHECK(back.file_dtype("f") == DType::F16);
        CHECK(back.file_dtype("i") == DType::I32);
        const auto f = back.get<float>("f", Shape{4}).to_vector();
        CHECK(f[0] == 1.0f);
        CHECK(f[1] == -2.0f);
        CHECK(std::isinf(f[2]));
        CHECK(f[3] == std::ldexp(1.0f, -24));
        CHECK(back.get_as<double>("g").to_vector() == std::vector<double>{1.0 + std::ldexp(1.0, -10), 0.0999755859375});
        CHECK(back.get<std::int32_t>("i").item() == 7);
        CHECK_THROWS_WITH_AS(back.get<double>("f"), doctest::Contains("tensor 'f' has dtype F16 (read as F32), expected F64"),
                             Error);
    }
    {
        const std::string bytes = to_safetensors_bytes(d, {.float_dtype = DType::BF16});
        // 1.0 -> 3F80, -2 -> C000, 65520 = 0x477FF000 -> 4780, 2^-24 -> 3380; 1 + 2^-11 + .. -> 3F80, 0.1 -> 3DCD.
        CHECK(bytes.substr(bytes.size() - 12) == std::string("\x80\x3F\x00\xC0\x80\x47\x80\x33" "\x80\x3F\xCD\x3D", 12));
        CHECK(parse_safetensors(bytes).file_dtype("g") == DType::BF16);
    }
    // F64 and F32 as targets convert too; integer tensors never change.
    const TensorDict as_double = parse_safetensors(to_safetensors_bytes(d, {.float_dtype = DType::F64}));
    CHECK(as_double.get<double>("f").to_vector()[3] == std::ldexp(1.0, -24));
    CHECK(as_double.get<std::int32_t>("i").item() == 7);
    CHECK(parse_safetensors(to_safetensors_bytes(d, {.float_dtype = DType::F32})).get<float>("g").to_vector()[1] == 0.1f);
    CHECK_THROWS_WITH_AS(to_safetensors_bytes(d, {.float_dtype = DType::I32}),
                         doctest::Contains("float_dtype is I32, expected F16, BF16, F32 or F64"), Error);
}

TEST_CASE("issue10.1 safetensors: F16, BF16, F32 and F64 files load into float and double tensors") {
    // Hand-written files as Python's safetensors package writes them.
    const std::string file = make_file(
        R"({"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"f":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
        R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]}})",
        std::string("\x9A\x99\x99\x99\x99\x99\xB9\x3F"  // 0.1
                    "\x00\x00\x40\x40"                  // 3.0f
                    "\x80\x3F\xC1\xFF"                  // 1.0, a negative quiet NaN with payload 1
                    "\x01\x00\x00\x7C\x00\xFC\xFF\x7B",  // 2^-24, inf, -inf, 65504
                    24));
    const TensorDict d = parse_safetensors(file);
    CHECK(d.get_as<float>("d").item() == 0.1f);
    CHECK(d.get_as<double>("d").item() == 0.1);
    CHECK(d.get_as<double>("f").item() == 3.0);
    const auto b = d.get_as<double>("b").to_vector();
    CHECK(b[0] == 1.0);
    CHECK(std::bit_cast<std::uint32_t>(d.get<float>("b").to_vector()[1]) == 0xFFC10000u);
    CHECK((std::isnan(b[1]) && std::signbit(b[1])));
    CHECK(d.get_as<float>("h").to_vector() ==
          std::vector<float>{std::ldexp(1.0f, -24), INFINITY, -INFINITY, 65504.0f});
    CHECK(d.get_as<float>("h", Shape{4}).numel() == 4);
    CHECK_THROWS_WITH_AS(d.get_as<float>("h", Shape{2, 2}), doctest::Contains("has shape [4], expected [2, 2]"), Error);
    TensorDict ints;
    ints.set("n", Tensor<std::int64_t>::scalar(3));
    CHECK_THROWS_WITH_AS(ints.get_as<double>("n"), doctest::Contains("has dtype I64, expected a floating-point tensor"),
                         Error);

    // Saved again as F16 / BF16, the values read from F16 / BF16 come back bit for bit.
    const TensorDict h16 = parse_safetensors(to_safetensors_bytes(d, {.float_dtype = DType::F16}));
    CHECK(to_safetensors_bytes(h16, {.float_dtype = DType::F16}) == to_safetensors_bytes(d, {.float_dtype = DType::F16}));
    const std::string bf = to_safetensors_bytes(d, {.float_dtype = DType::BF16});
    CHECK(bf.find(std::string("\x80\x3F\xC1\xFF", 4)) != std::string::npos);
}
