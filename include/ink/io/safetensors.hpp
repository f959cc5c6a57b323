#pragma once
// Named tensors in the safetensors format, readable and writable by Python's `safetensors` package.
//
// File layout (all integers little-endian):
//   bytes [0, 8)        N, the header length, as an unsigned 64-bit integer
//   bytes [8, 8 + N)    a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes:
//                         {"__metadata__": {"key": "value", ...},
//                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   bytes [8 + N, end)  the data: each tensor's row-major elements at [begin, end) of this region
//
// The reader is as strict as the reference implementation: the tensors must tile the data region
// exactly (no gap, no overlap, nothing after the last one) and each size must equal
// numel * sizeof(dtype). Every violation throws ink::Error naming the file and the tensor or field.
// The writer orders tensors by decreasing element size, then name (as the Python package does), so
// that each tensor is aligned to its element size within the file.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"
#include "ink/io/atomic_file.hpp"

namespace ink::io {

static_assert(std::endian::native == std::endian::little, "ink::io writes tensors as stored: little-endian only");

// The element types ink can hold in a Tensor. The format also names F16, BF16, BOOL and 8-bit floats;
// a file using them loads with an error naming the tensor and dtype.
enum class DType { F64, F32, I64, I32, I16, I8, U64, U32, U16, U8 };

struct DTypeInfo {
    DType dtype;
    const char* name;
    std::size_t size;
};
inline constexpr DTypeInfo kDTypes[] = {{DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::I64, "I64", 8},
                                        {DType::I32, "I32", 4}, {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
                                        {DType::U64, "U64", 8}, {DType::U32, "U32", 4}, {DType::U16, "U16", 2},
                                        {DType::U8, "U8", 1}};

inline const DTypeInfo& dtype_info(DType d) { return kDTypes[static_cast<int>(d)]; }
inline const char* dtype_name(DType d) { return dtype_info(d).name; }
inline std::size_t dtype_size(DType d) { return dtype_info(d).size; }

template <class T>
constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, double>) return DType::F64;
    else if constexpr (std::is_same_v<T, float>) return DType::F32;
    else if constexpr (std::is_same_v<T, std::int64_t>) return DType::I64;
    else if constexpr (std::is_same_v<T, std::int32_t>) return DType::I32;
    else if constexpr (std::is_same_v<T, std::int16_t>) return DType::I16;
    else if constexpr (std::is_same_v<T, std::int8_t>) return DType::I8;
    else if constexpr (std::is_same_v<T, std::uint64_t>) return DType::U64;
    else if constexpr (std::is_same_v<T, std::uint32_t>) return DType::U32;
    else if constexpr (std::is_same_v<T, std::uint16_t>) return DType::U16;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::U8;
    else static_assert(sizeof(T) == 0, "safetensors: unsupported element type");
}

// Calls fn(T{}) with the element type T of dtype d.
template <class Fn>
void visit_dtype(DType d, Fn&& fn) {
    switch (d) {
        case DType::F64: return fn(double{});
        case DType::F32: return fn(float{});
        case DType::I64: return fn(std::int64_t{});
        case DType::I32: return fn(std::int32_t{});
        case DType::I16: return fn(std::int16_t{});
        case DType::I8: return fn(std::int8_t{});
        case DType::U64: return fn(std::uint64_t{});
        case DType::U32: return fn(std::uint32_t{});
        case DType::U16: return fn(std::uint16_t{});
        case DType::U8: return fn(std::uint8_t{});
    }
}

// A tensor of any supported element type; the variant's index is the DType's.
using AnyTensor = std::variant<Tensor<double>, Tensor<float>, Tensor<std::int64_t>, Tensor<std::int32_t>,
                               Tensor<std::int16_t>, Tensor<std::int8_t>, Tensor<std::uint64_t>,
                               Tensor<std::uint32_t>, Tensor<std::uint16_t>, Tensor<std::uint8_t>>;

inline DType dtype_of(const AnyTensor& t) { return static_cast<DType>(t.index()); }
inline const Shape& shape_of(const AnyTensor& t) {
    return std::visit([](const auto& x) -> const Shape& { return x.shape(); }, t);
}
inline const void* bytes_of(const AnyTensor& t) {
    return std::visit([](const auto& x) -> const void* { return x.data(); }, t);
}

// Names -> tensors (kept sorted by name), plus the file's string metadata. Tensors are shared
// handles: set() does not copy the data, and get() returns a handle to the stored tensor.
class TensorDict {
public:
    std::map<std::string, std::string> metadata;

    template <class T>
    void set(const std::string& name, const Tensor<T>& t) {
        INK_CHECK(t.defined(), "TensorDict::set: tensor '", name, "' is undefined");
        INK_CHECK(name != "__metadata__", "TensorDict::set: '__metadata__' is reserved by the format");
        tensors_.insert_or_assign(name, AnyTensor(t));
    }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    std::size_t size() const { return tensors_.size(); }
    const std::map<std::string, AnyTensor>& tensors() const { return tensors_; }

    const AnyTensor& at(const std::string& name) const {
        auto it = tensors_.find(name);
        INK_CHECK(it != tensors_.end(), where(), ": tensor '", name, "' is missing");
        return it->second;
    }
    template <class T>
    Tensor<T> get(const std::string& name) const {
        const AnyTensor& any = at(name);
        INK_CHECK(dtype_of(any) == dtype_of<T>(), where(), ": tensor '", name, "' has dtype ",
                  dtype_name(dtype_of(any)), ", expected ", dtype_name(dtype_of<T>()));
        return std::get<Tensor<T>>(any);
    }
    // get<T>(name) and a check that its shape is `shape`.
    template <class T>
    Tensor<T> get(const std::string& name, const Shape& shape) const {
        Tensor<T> t = get<T>(name);
        INK_CHECK(t.shape() == shape, where(), ": tensor '", name, "' has shape ", t.shape().str(), ", expected ",
                  shape.str());
        return t;
    }
    // The metadata value of `key`; throws naming the file if absent.
    const std::string& meta(const std::string& key) const {
        auto it = metadata.find(key);
        INK_CHECK(it != metadata.end(), where(), ": metadata field '", key, "' is missing");
        return it->second;
    }

    // Where the tensors came from (a file name), for error messages.
    const std::string& source() const { return source_; }
    void set_source(std::string s) { source_ = std::move(s); }

private:
    std::string where() const { return source_.empty() ? std::string("tensors") : "'" + source_ + "'"; }

    std::map<std::string, AnyTensor> tensors_;
    std::string source_;
};

namespace detail {

// A header must not make a reader allocate absurd amounts: the reference reader caps it at 100 MB.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

inline std::string header_json(const TensorDict& dict, std::vector<const AnyTensor*>& order) {
    std::vector<std::pair<const std::string*, const AnyTensor*>> items;
    for (const auto& [name, t] : dict.tensors()) items.emplace_back(&name, &t);
    std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
        return dtype_size(dtype_of(*a.second)) > dtype_size(dtype_of(*b.second));
    });
    nlohmann::json header = nlohmann::json::object();
    if (!dict.metadata.empty()) header["__metadata__"] = dict.metadata;
    std::uint64_t offset = 0;
    order.clear();
    for (const auto& [name, t] : items) {
        const Shape& s = shape_of(*t);
        const std::uint64_t bytes = static_cast<std::uint64_t>(s.numel()) * dtype_size(dtype_of(*t));
        header[*name] = {{"dtype", dtype_name(dtype_of(*t))},
                         {"shape", s.to_vector()},
                         {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        order.push_back(t);
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception& e) {  // e.g. a metadata value that is not valid UTF-8
        ink::detail::fail("safetensors: cannot encode the header: ", e.what());
    }
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

}  // namespace detail

// Serialises `dict` by calling sink(const void* data, std::size_t n) on consecutive pieces.
template <class Sink>
void write_safetensors(const TensorDict& dict, Sink&& sink) {
    std::vector<const AnyTensor*> order;
    const std::string header = detail::header_json(dict, order);
    const std::uint64_t n = header.size();
    sink(&n, sizeof n);
    sink(header.data(), header.size());
    for (const AnyTensor* t : order)
        sink(bytes_of(*t), static_cast<std::size_t>(shape_of(*t).numel()) * dtype_size(dtype_of(*t)));
}

// The file's bytes in memory.
inline std::string to_safetensors_bytes(const TensorDict& dict) {
    std::string out;
    write_safetensors(dict, [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); });
    return out;
}

// Writes `path` atomically (see atomic_file.hpp): on failure the old file, if any, is untouched.
inline void save_safetensors(const std::string& path, const TensorDict& dict) {
    write_file_atomically(path, [&](AtomicFile& f) {
        write_safetensors(dict, [&](const void* p, std::size_t n) { f.write(p, n); });
    });
}

// Parses a whole file's bytes; `source` names it in error messages.
inline TensorDict parse_safetensors(std::string_view bytes, const std::string& source = "<memory>") {
    using nlohmann::json;
    auto fail = [&](auto&&... parts) {
        ink::detail::fail("safetensors file '", source, "': ", std::forward<decltype(parts)>(parts)...);
    };
    if (bytes.size() < 8) fail("truncated: ", bytes.size(), " bytes, the header length alone takes 8");
    std::uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    if (header_len > bytes.size() - 8)
        fail("header length ", header_len, " runs past the end of the file (", bytes.size(), " bytes): truncated?");
    if (header_len > detail::kMaxHeaderBytes) fail("header length ", header_len, " exceeds the 100 MB limit");

    json header;
    try {
        header = json::parse(bytes.substr(8, header_len));
    } catch (const json::exception& e) {
        fail("the header is not valid JSON: ", e.what());
    }
    if (!header.is_object()) fail("the header is not a JSON object");

    TensorDict dict;
    dict.set_source(source);
    const std::string_view data = bytes.substr(8 + header_len);

    struct Entry {
        std::string name;
        DType dtype;
        Shape shape;
        std::uint64_t begin, end;
    };
    std::vector<Entry> entries;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") {
            if (!info.is_object()) fail("__metadata__ is not an object");
            for (const auto& [key, value] : info.items()) {
                if (!value.is_string()) fail("metadata field '", key, "' is not a string");
                dict.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        auto bad = [&](auto&&... parts) { fail("tensor '", name, "': ", std::forward<decltype(parts)>(parts)...); };
        if (!info.is_object()) bad("the entry is not an object");
        for (const char* field : {"dtype", "shape", "data_offsets"})
            if (!info.contains(field)) bad("field '", field, "' is missing");

        const json& dt = info["dtype"];
        if (!dt.is_string()) bad("dtype is not a string");
        const std::string dname = dt.get<std::string>();
        const auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                        [&](const DTypeInfo& d) { return dname == d.name; });
        if (known == std::end(kDTypes)) bad("unsupported or unknown dtype '", dname, "'");

        const json& sh = info["shape"];
        if (!sh.is_array()) bad("shape is not an array");
        if (sh.size() > static_cast<std::size_t>(Shape::kMaxRank))
            bad("rank ", sh.size(), " exceeds the maximum rank ", Shape::kMaxRank);
        std::vector<index_t> dims;
        std::uint64_t numel = 1;
        for (const json& d : sh) {
            if (!d.is_number_unsigned()) bad("shape ", sh.dump(), " has an entry that is not a non-negative integer");
            const auto e = d.get<std::uint64_t>();
            if (e > (std::uint64_t(1) << 48) || (e != 0 && numel > (std::uint64_t(1) << 48) / e))
                bad("shape ", sh.dump(), " is too large");
            numel *= e;
            dims.push_back(static_cast<index_t>(e));
        }

        const json& off = info["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            bad("data_offsets ", off.dump(), " is not a pair of non-negative integers");
        const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
        if (begin > end) bad("data_offsets [", begin, ", ", end, "] end before they begin");
        if (end > data.size())
            bad("data_offsets [", begin, ", ", end, "] run past the end of the data (", data.size(),
                " bytes): truncated?");
        if (end - begin != numel * known->size)
            bad("data_offsets [", begin, ", ", end, "] hold ", end - begin, " bytes, but shape ", sh.dump(), " of ",
                known->name, " needs ", numel * known->size);
        entries.push_back({name, known->dtype, Shape(dims), begin, end});
    }

    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t expected = 0;
    for (const Entry& e : entries) {
        if (e.begin < expected) fail("tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "] overlap another tensor");
        if (e.begin > expected) fail("tensor '", e.name, "': a gap of ", e.begin - expected, " bytes precedes its data");
        expected = e.end;
    }
    if (expected != data.size())
        fail(data.size() - expected, " bytes after the last tensor: the data region is ", data.size(),
             " bytes, the tensors take ", expected);

    for (const Entry& e : entries) {
        visit_dtype(e.dtype, [&]<class T>(T) {
            Tensor<T> t = Tensor<T>::empty(e.shape);
            if (e.end > e.begin) std::memcpy(t.data(), data.data() + e.begin, e.end - e.begin);
            dict.set(e.name, t);
        });
    }
    return dict;
}

// Reads and parses a file; every error names `path`.
inline TensorDict load_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    INK_CHECK(in, "safetensors file '", path, "': cannot open for reading");
    const auto size = static_cast<std::size_t>(in.tellg());
    std::string bytes(size, '\0');
    in.seekg(0);
    INK_CHECK(in.read(bytes.data(), static_cast<std::streamsize>(size)), "safetensors file '", path,
              "': read error");
    return parse_safetensors(bytes, path);
}

}  // namespace ink::io
