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
// The reader checks what the format says (docs/checkpoints.md lists it): the header starts with '{'
// and only spaces follow the object; it is valid UTF-8 JSON, nested at most json::kMaxDepth deep, at
// most kMaxHeaderBytes long, with no key twice (in the header or in __metadata__); the tensors tile
// the data region exactly (no gap, no overlap, nothing after the last one) and each size is
// numel * sizeof(dtype). Every violation throws ink::Error naming the file and the tensor or field.
// The writer orders tensors by decreasing element size, then name (as the Python package does), so
// that each tensor is aligned to its element size within the file. It can store floating-point
// tensors as F16 or BF16 (SaveOptions); the reader widens those to Tensor<float>.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/file.hpp"
#include "ink/core/half.hpp"
#include "ink/core/json.hpp"
#include "ink/core/tensor.hpp"
#include "ink/io/atomic_file.hpp"

namespace ink::io {

static_assert(std::endian::native == std::endian::little, "ink::io writes tensors as stored: little-endian only");

// The element types of safetensors files ink reads and writes. The first ten are the element types
// of ink's tensors (AnyTensor); F16 and BF16 exist only in files: read into Tensor<float>, written
// from float or double tensors when SaveOptions ask. BOOL and the 8-bit floats are refused by name.
enum class DType { F64, F32, I64, I32, I16, I8, U64, U32, U16, U8, F16, BF16 };

struct DTypeInfo {
    DType dtype;
    const char* name;
    std::size_t size;
};
inline constexpr DTypeInfo kDTypes[] = {{DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::I64, "I64", 8},
                                        {DType::I32, "I32", 4}, {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
                                        {DType::U64, "U64", 8}, {DType::U32, "U32", 4}, {DType::U16, "U16", 2},
                                        {DType::U8, "U8", 1},   {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2}};

inline const DTypeInfo& dtype_info(DType d) { return kDTypes[static_cast<int>(d)]; }
inline const char* dtype_name(DType d) { return dtype_info(d).name; }
inline std::size_t dtype_size(DType d) { return dtype_info(d).size; }
inline bool is_floating(DType d) { return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16; }

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

// A tensor of any of ink's element types; the variant's index is the DType's.
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
        file_dtypes_.erase(name);
    }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    std::size_t size() const { return tensors_.size(); }
    const std::map<std::string, AnyTensor>& tensors() const { return tensors_; }

    const AnyTensor& at(const std::string& name) const {
        auto it = tensors_.find(name);
        INK_CHECK(it != tensors_.end(), where(), ": tensor '", name, "' is missing");
        return it->second;
    }
    // The dtype `name` had in the file it was read from: F16 or BF16 for a tensor widened to F32 on
    // reading, else the tensor's own.
    DType file_dtype(const std::string& name) const {
        const AnyTensor& any = at(name);
        const auto it = file_dtypes_.find(name);
        return it != file_dtypes_.end() ? it->second : dtype_of(any);
    }
    // The tensor `name`, which must be of element type T (F16 and BF16 tensors of a file are F32).
    template <class T>
    Tensor<T> get(const std::string& name) const {
        const AnyTensor& any = at(name);
        INK_CHECK(dtype_of(any) == dtype_of<T>(), where(), ": tensor '", name, "' has dtype ", described(name),
                  ", expected ", dtype_name(dtype_of<T>()));
        return std::get<Tensor<T>>(any);
    }
    // get<T>(name) and a check that its shape is `shape`.
    template <class T>
    Tensor<T> get(const std::string& name, const Shape& shape) const {
        return checked_shape(name, get<T>(name), shape);
    }
    // The floating-point tensor `name` as a Tensor<T> (float or double), converted from any floating
    // dtype (F16, BF16, F32, F64; double -> float rounds to nearest even, beyond FLT_MAX to infinity).
    // A handle to the stored tensor when no conversion is needed, else a new tensor.
    template <class T>
    Tensor<T> get_as(const std::string& name) const {
        static_assert(std::is_floating_point_v<T>, "TensorDict::get_as converts between floating-point types");
        const AnyTensor& any = at(name);
        INK_CHECK(is_floating(dtype_of(any)), where(), ": tensor '", name, "' has dtype ", described(name),
                  ", expected a floating-point tensor (F16, BF16, F32 or F64)");
        return std::visit(
            [](const auto& src) -> Tensor<T> {
                using S = typename std::decay_t<decltype(src)>::value_type;
                if constexpr (std::is_same_v<S, T>) {
                    return src;
                } else {
                    Tensor<T> out = Tensor<T>::empty(src.shape());
                    std::transform(src.data(), src.data() + src.numel(), out.data(),
                                   [](S v) { return static_cast<T>(v); });
                    return out;
                }
            },
            any);
    }
    template <class T>
    Tensor<T> get_as(const std::string& name, const Shape& shape) const {
        return checked_shape(name, get_as<T>(name), shape);
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

    // For the reader: a tensor widened to F32 from `stored` (F16 or BF16).
    void set_widened(const std::string& name, const Tensor<float>& t, DType stored) {
        set(name, t);
        file_dtypes_[name] = stored;
    }

private:
    std::string where() const { return source_.empty() ? std::string("tensors") : "'" + source_ + "'"; }
    std::string described(const std::string& name) const {
        const DType held = dtype_of(at(name)), stored = file_dtype(name);
        return held == stored ? std::string(dtype_name(held))
                              : std::string(dtype_name(stored)) + " (read as " + dtype_name(held) + ")";
    }
    template <class T>
    Tensor<T> checked_shape(const std::string& name, Tensor<T> t, const Shape& shape) const {
        INK_CHECK(t.shape() == shape, where(), ": tensor '", name, "' has shape ", t.shape().str(), ", expected ",
                  shape.str());
        return t;
    }

    std::map<std::string, AnyTensor> tensors_;
    std::map<std::string, DType> file_dtypes_;  // only the tensors read from F16 or BF16
    std::string source_;
};

// How save_safetensors stores tensors.
struct SaveOptions {
    // The dtype of every floating-point tensor (float or double) in the file: F16 or BF16 (rounded
    // to nearest even, see core/half.hpp), F32 or F64. Unset: each tensor's own. Integer tensors are
    // always stored as they are.
    std::optional<DType> float_dtype;
};

namespace detail {

// A header must not make a reader allocate absurd amounts. The reference reader allows 100 MB; ink
// allows 16 MiB, as the JSON tree of a header takes up to ~10 times its size in memory. An ink
// checkpoint's header takes ~100 bytes per tensor plus the metadata.
inline constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t(1) << 24;
// No tensor of ink can hold more elements than this (nor any tensor this machine could load).
inline constexpr std::uint64_t kMaxElements = std::uint64_t(1) << 48;

// The dtype `t` is stored as under `options`.
inline DType stored_dtype(const AnyTensor& t, const SaveOptions& options) {
    const DType own = dtype_of(t);
    return options.float_dtype && is_floating(own) ? *options.float_dtype : own;
}

inline std::string header_json(const TensorDict& dict, const SaveOptions& options,
                               std::vector<std::pair<const AnyTensor*, DType>>& order) {
    std::vector<std::pair<const std::string*, const AnyTensor*>> items;
    for (const auto& [name, t] : dict.tensors()) items.emplace_back(&name, &t);
    std::stable_sort(items.begin(), items.end(), [&](const auto& a, const auto& b) {
        return dtype_size(stored_dtype(*a.second, options)) > dtype_size(stored_dtype(*b.second, options));
    });
    nlohmann::json header = nlohmann::json::object();
    if (!dict.metadata.empty()) header["__metadata__"] = dict.metadata;
    std::uint64_t offset = 0;
    order.clear();
    for (const auto& [name, t] : items) {
        const Shape& s = shape_of(*t);
        const DType stored = stored_dtype(*t, options);
        const std::uint64_t bytes = static_cast<std::uint64_t>(s.numel()) * dtype_size(stored);
        header[*name] = {{"dtype", dtype_name(stored)},
                         {"shape", s.to_vector()},
                         {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        order.emplace_back(t, stored);
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

// Calls sink on the bytes of `t` stored as `stored` (converting floats in bounded chunks).
template <class Sink>
void write_tensor_data(const AnyTensor& t, DType stored, Sink& sink) {
    const auto n = static_cast<std::size_t>(shape_of(t).numel());
    if (stored == dtype_of(t)) return sink(bytes_of(t), n * dtype_size(stored));
    std::visit(
        [&](const auto& src) {
            using S = typename std::decay_t<decltype(src)>::value_type;
            if constexpr (std::is_floating_point_v<S>) {
                constexpr std::size_t kChunk = 4096;  // elements converted per sink call
                const S* in = src.data();
                for (std::size_t begin = 0; begin < n; begin += kChunk) {
                    const std::size_t count = std::min(kChunk, n - begin);
                    if (stored == DType::F16 || stored == DType::BF16) {
                        std::uint16_t buf[kChunk];
                        for (std::size_t i = 0; i < count; ++i) {
                            const S v = in[begin + i];
                            if constexpr (std::is_same_v<S, float>)
                                buf[i] = stored == DType::F16 ? f16_from_float(v) : bf16_from_float(v);
                            else
                                buf[i] = stored == DType::F16 ? f16_from_double(v) : bf16_from_double(v);
                        }
                        sink(buf, count * sizeof buf[0]);
                    } else if (stored == DType::F32) {
                        float buf[kChunk];
                        for (std::size_t i = 0; i < count; ++i) buf[i] = static_cast<float>(in[begin + i]);
                        sink(buf, count * sizeof buf[0]);
                    } else {
                        double buf[kChunk];
                        for (std::size_t i = 0; i < count; ++i) buf[i] = static_cast<double>(in[begin + i]);
                        sink(buf, count * sizeof buf[0]);
                    }
                }
            }
        },
        t);
}

}  // namespace detail

// Serialises `dict` by calling sink(const void* data, std::size_t n) on consecutive pieces.
template <class Sink>
void write_safetensors(const TensorDict& dict, Sink&& sink, const SaveOptions& options = {}) {
    INK_CHECK(!options.float_dtype || is_floating(*options.float_dtype), "safetensors: SaveOptions::float_dtype is ",
              dtype_name(*options.float_dtype), ", expected F16, BF16, F32 or F64");
    std::vector<std::pair<const AnyTensor*, DType>> order;
    const std::string header = detail::header_json(dict, options, order);
    const std::uint64_t n = header.size();
    sink(&n, sizeof n);
    sink(header.data(), header.size());
    for (const auto& [t, stored] : order) detail::write_tensor_data(*t, stored, sink);
}

// The file's bytes in memory.
inline std::string to_safetensors_bytes(const TensorDict& dict, const SaveOptions& options = {}) {
    std::string out;
    write_safetensors(
        dict, [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }, options);
    return out;
}

// Writes `path` atomically (see atomic_file.hpp): on failure the old file, if any, is untouched.
inline void save_safetensors(const std::string& path, const TensorDict& dict, const SaveOptions& options = {}) {
    write_file_atomically(path, [&](AtomicFile& f) {
        write_safetensors(
            dict, [&](const void* p, std::size_t n) { f.write(p, n); }, options);
    });
}

namespace detail {

// One tensor's entry of the header, checked against the data region of `data_size` bytes.
struct HeaderEntry {
    std::string name;
    DType dtype;
    Shape shape;
    std::uint64_t begin, end;
};

template <class Fail>
HeaderEntry parse_header_entry(const std::string& name, const json::Json& info, std::uint64_t data_size,
                               const Fail& fail) {
    const auto bad = [&](auto&&... parts) {
        fail("tensor '", json::clipped(name), "': ", std::forward<decltype(parts)>(parts)...);
    };
    if (!info.is_object()) bad("the entry is ", json::excerpt(info), ", expected an object");
    for (const char* field : {"dtype", "shape", "data_offsets"})
        if (!info.contains(field)) bad("field '", field, "' is missing");

    const json::Json& dt = info["dtype"];
    if (!dt.is_string()) bad("dtype is ", json::excerpt(dt), ", expected a string");
    const std::string& dname = dt.get_ref<const std::string&>();
    const auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                    [&](const DTypeInfo& d) { return dname == d.name; });
    if (known == std::end(kDTypes)) bad("unsupported or unknown dtype '", json::clipped(dname), "'");

    const json::Json& sh = info["shape"];
    if (!sh.is_array()) bad("shape is ", json::excerpt(sh), ", expected an array");
    if (sh.size() > static_cast<std::size_t>(Shape::kMaxRank))
        bad("rank ", sh.size(), " exceeds the maximum rank ", Shape::kMaxRank);
    std::vector<index_t> dims;
    std::uint64_t numel = 1, nonzero = 1;  // the product of all extents, and of the non-zero ones
    for (const json::Json& d : sh) {
        if (!d.is_number_unsigned())
            bad("shape ", json::excerpt(sh), " has an entry that is not a non-negative integer");
        const auto e = d.get<std::uint64_t>();
        // Every partial product must fit, zeros aside: [0, 2^40, 2^40] holds no element, but its
        // row size would overflow.
        if (e > kMaxElements || (e != 0 && nonzero > kMaxElements / e))
            bad("shape ", json::excerpt(sh), " is too large (more than 2^48 elements)");
        if (e != 0) nonzero *= e;
        numel *= e;
        dims.push_back(static_cast<index_t>(e));
    }

    const json::Json& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        bad("data_offsets ", json::excerpt(off), " is not a pair of non-negative integers");
    const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
    if (begin > end) bad("data_offsets [", begin, ", ", end, "] end before they begin");
    if (end > data_size)
        bad("data_offsets [", begin, ", ", end, "] run past the end of the data (", data_size, " bytes): truncated?");
    if (end - begin != numel * known->size)
        bad("data_offsets [", begin, ", ", end, "] hold ", end - begin, " bytes, but shape ", json::excerpt(sh), " of ",
            known->name, " needs ", numel * known->size);
    return {name, known->dtype, Shape(dims), begin, end};
}

// The tensor of `e` from its bytes, widened to float for F16 and BF16.
inline void add_tensor(TensorDict& dict, const HeaderEntry& e, const char* bytes) {
    if (e.dtype == DType::F16 || e.dtype == DType::BF16) {
        Tensor<float> t = Tensor<float>::empty(e.shape);
        float* out = t.data();
        for (std::uint64_t i = 0; i < (e.end - e.begin) / 2; ++i) {
            std::uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            out[i] = e.dtype == DType::F16 ? float_from_f16(h) : float_from_bf16(h);
        }
        return dict.set_widened(e.name, t, e.dtype);
    }
    AnyTensor any;
    switch (e.dtype) {  // the variant's alternative of index e.dtype
        case DType::F64: any = Tensor<double>::empty(e.shape); break;
        case DType::F32: any = Tensor<float>::empty(e.shape); break;
        case DType::I64: any = Tensor<std::int64_t>::empty(e.shape); break;
        case DType::I32: any = Tensor<std::int32_t>::empty(e.shape); break;
        case DType::I16: any = Tensor<std::int16_t>::empty(e.shape); break;
        case DType::I8: any = Tensor<std::int8_t>::empty(e.shape); break;
        case DType::U64: any = Tensor<std::uint64_t>::empty(e.shape); break;
        case DType::U32: any = Tensor<std::uint32_t>::empty(e.shape); break;
        case DType::U16: any = Tensor<std::uint16_t>::empty(e.shape); break;
        default: any = Tensor<std::uint8_t>::empty(e.shape); break;
    }
    std::visit(
        [&](auto& t) {
            if (e.end > e.begin) std::memcpy(t.data(), bytes, e.end - e.begin);
            dict.set(e.name, t);
        },
        any);
}

}  // namespace detail

// Parses a whole file's bytes; `source` names it in error messages.
inline TensorDict parse_safetensors(std::string_view bytes, const std::string& source = "<memory>") {
    const auto fail = [&](auto&&... parts) {
        ink::detail::fail("safetensors file '", source, "': ", std::forward<decltype(parts)>(parts)...);
    };
    if (bytes.size() < 8) fail("truncated: ", bytes.size(), " bytes, the header length alone takes 8");
    std::uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    if (header_len > bytes.size() - 8)
        fail("header length ", header_len, " runs past the end of the file (", bytes.size(), " bytes): truncated?");
    if (header_len > detail::kMaxHeaderBytes)
        fail("header length ", header_len, " exceeds ink's limit of ", detail::kMaxHeaderBytes, " bytes (16 MiB)");

    // The format: the header begins with '{' and may be padded with spaces (0x20) only.
    std::string_view text = bytes.substr(8, header_len);
    if (text.starts_with("\xEF\xBB\xBF")) fail("the header begins with a UTF-8 byte order mark, expected '{'");
    if (!text.starts_with('{'))
        fail("the header begins with ", text.empty() ? std::string("nothing") : "byte " + std::to_string(static_cast<unsigned char>(text[0])),
             ", expected '{'");
    if (const auto nul = text.find('\0'); nul != std::string_view::npos)
        fail("the header holds a NUL byte at offset ", nul, " (only spaces may pad it)");
    while (text.ends_with(' ')) text.remove_suffix(1);
    if (!text.ends_with('}')) fail("the header does not end with '}' followed by spaces only");
    const json::Json header = json::parse(text, "safetensors file '" + source + "': header");
    if (!header.is_object()) fail("the header is not a JSON object");

    TensorDict dict;
    dict.set_source(source);
    const std::string_view data = bytes.substr(8 + header_len);

    std::vector<detail::HeaderEntry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const json::Json& info = it.value();
        if (name == "__metadata__") {
            if (!info.is_object()) fail("__metadata__ is ", json::excerpt(info), ", expected an object of strings");
            for (auto m = info.begin(); m != info.end(); ++m) {
                if (!m.value().is_string())
                    fail("metadata field '", json::clipped(m.key()), "' is ", json::excerpt(m.value()),
                         ", expected a string");
                dict.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        entries.push_back(detail::parse_header_entry(name, info, data.size(), fail));
    }

    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t expected = 0;
    for (const auto& e : entries) {
        if (e.begin < expected)
            fail("tensor '", json::clipped(e.name), "': data_offsets [", e.begin, ", ", e.end, "] overlap another tensor");
        if (e.begin > expected)
            fail("tensor '", json::clipped(e.name), "': a gap of ", e.begin - expected, " bytes precedes its data");
        expected = e.end;
    }
    if (expected != data.size())
        fail(data.size() - expected, " bytes after the last tensor: the data region is ", data.size(),
             " bytes, the tensors take ", expected);

    for (const auto& e : entries) detail::add_tensor(dict, e, data.data() + e.begin);
    return dict;
}

// Reads and parses a file; every error names `path`. Directories, FIFOs and devices are refused.
inline TensorDict load_safetensors(const std::string& path) {
    return parse_safetensors(read_regular_file(path, "safetensors file"), path);
}

}  // namespace ink::io
