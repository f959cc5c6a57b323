// libFuzzer target: ink::io::parse_safetensors on arbitrary bytes.
// Oracle, beyond "no crash": an ink::Error is a clean refusal; any other exception is a finding. A file
// that loads must round-trip: saved again and re-read, it gives the same names, dtypes, shapes and
// element bits and the same metadata, and saving that gives the same bytes; tensors the file held as
// F16 or BF16, saved as F16 / BF16 again, come back bit for bit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "ink/io/safetensors.hpp"

namespace {

using ink::io::AnyTensor;
using ink::io::DType;
using ink::io::TensorDict;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_safetensors: oracle failed: %s\n", what);
        std::abort();
    }
}

bool same_bits(const AnyTensor& a, const AnyTensor& b) {
    if (ink::io::dtype_of(a) != ink::io::dtype_of(b) || ink::io::shape_of(a) != ink::io::shape_of(b)) return false;
    const auto n = static_cast<std::size_t>(ink::io::shape_of(a).numel()) * ink::io::dtype_size(ink::io::dtype_of(a));
    return n == 0 || std::memcmp(ink::io::bytes_of(a), ink::io::bytes_of(b), n) == 0;
}

bool same_dict(const TensorDict& a, const TensorDict& b) {
    if (a.metadata != b.metadata || a.size() != b.size()) return false;
    for (const auto& [name, t] : a.tensors())
        if (!b.contains(name) || !same_bits(t, b.at(name))) return false;
    return true;
}

void check_round_trips(const TensorDict& d) {
    const std::string saved = ink::io::to_safetensors_bytes(d);
    const TensorDict back = ink::io::parse_safetensors(saved, "saved");  // must not throw
    require(same_dict(d, back), "save -> load changed tensors or metadata");
    require(ink::io::to_safetensors_bytes(back) == saved, "save -> load -> save changed the bytes");

    for (const auto& [name, t] : d.tensors()) {
        const DType stored = d.file_dtype(name);
        if (stored != DType::F16 && stored != DType::BF16) continue;
        TensorDict one;
        one.set(name, d.get<float>(name));
        const TensorDict again = ink::io::parse_safetensors(ink::io::to_safetensors_bytes(one, {.float_dtype = stored}));
        require(again.file_dtype(name) == stored, "a half tensor saved as half has another dtype");
        require(same_bits(t, again.at(name)), "a half tensor saved as half again changed its bits");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    TensorDict dict;
    try {
        dict = ink::io::parse_safetensors(bytes, "fuzz.safetensors");
    } catch (const ink::Error&) {
        return 0;  // refused with a message: fine
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_safetensors: not an ink::Error: %s\n", e.what());
        std::abort();
    }
    try {
        check_round_trips(dict);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_safetensors: round trip threw: %s\n", e.what());
        std::abort();
    }
    return 0;
}
