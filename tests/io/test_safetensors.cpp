// safetensors: round trips, the byte layout against the format spec, and every kind of bad file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
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
    fails_with(make_file(R"({"w":{"dtype":"F32",)", good_data), "not valid JSON");
    fails_with(make_file(R"([1, 2])", ""), "not a JSON object");
    fails_with(make_file(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", good_data),
               "tensor 'w': unsupported or unknown dtype 'Q7'");
    fails_with(make_file(R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", good_data),
               "unsupported or unknown dtype 'F16'");
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
               "metadata field 'step' is not a string");
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
