#pragma once
// Parsing JSON that comes from outside (safetensors headers, data files, checkpoint metadata) with
// bounds: every JSON reader of ink goes through json::sax_parse or json::parse below, so that
//   - nesting deeper than kMaxDepth is refused while parsing, before anything is built (a file of
//     100,000 '[' fails after reading kMaxDepth + 1 of them, in microseconds and no memory),
//   - a key repeated in one object is refused (JSON leaves duplicates undefined; nlohmann keeps the
//     last one silently, so a second "dtype" could change a tensor's type unnoticed),
//   - error messages quote at most a few dozen bytes of the input (nlohmann's own message can hold a
//     whole multi-megabyte token, and dump() of a deep value recurses without bound).
// Errors are ink::Error: "<what>: <problem>", with `what` naming the file and the part being read.
//
// Heavy to compile (nlohmann/json): include it only from headers that parse JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ink/core/error.hpp"

namespace ink::json {

using Json = nlohmann::json;

// Objects and arrays may nest this deep (the outermost value is depth 1). ink's formats need 3.
inline constexpr int kMaxDepth = 32;
// The longest piece of input an error message quotes.
inline constexpr std::size_t kMaxQuoted = 48;

// `text` cut to kMaxQuoted bytes (at a UTF-8 character boundary), with "..." if cut.
inline std::string clipped(std::string_view text) {
    if (text.size() <= kMaxQuoted) return std::string(text);
    std::size_t n = kMaxQuoted;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a character
    return std::string(text.substr(0, n)) + "...";
}

// A short rendering of `v` for an error message: at most about kMaxQuoted characters, built without
// serialising more of `v` than it shows.
inline std::string excerpt(const Json& v) {
    std::string out;
    const auto append = [&out](const Json& x, auto& self) -> void {
        if (out.size() > kMaxQuoted) return;
        if (x.is_array() || x.is_object()) {
            out += x.is_array() ? '[' : '{';
            bool first = true;
            for (auto it = x.begin(); it != x.end(); ++it) {
                if (!first) out += ", ";
                first = false;
                if (out.size() > kMaxQuoted) {  // the rest is not shown
                    out += "...";
                    break;
                }
                if (x.is_object()) out += Json(clipped(it.key())).dump(-1, ' ', false, Json::error_handler_t::replace) + ": ";
                self(it.value(), self);
            }
            out += x.is_array() ? ']' : '}';
        } else if (x.is_string()) {
            out += Json(clipped(x.get_ref<const std::string&>())).dump(-1, ' ', false, Json::error_handler_t::replace);
        } else {
            out += x.dump();
        }
    };
    append(v, append);
    if (out.size() > kMaxQuoted + 8) out = clipped(out);
    return out;
}

// Wraps a SAX handler (the interface of nlohmann::json_sax, with non-virtual members) with the bounds
// above; parse errors become ink::Error. Use it through sax_parse().
// The value types of nlohmann's SAX interface, for handlers to derive from.
struct SaxTypes {
    using number_integer_t = Json::number_integer_t;
    using number_unsigned_t = Json::number_unsigned_t;
    using number_float_t = Json::number_float_t;
    using string_t = Json::string_t;
    using binary_t = Json::binary_t;
};

template <class Handler>
class BoundedSax : public SaxTypes {
public:
    BoundedSax(Handler& handler, std::string_view what, int max_depth)
        : handler_(handler), what_(what), max_depth_(max_depth) {}

    bool null() { return handler_.null(); }
    bool boolean(bool v) { return handler_.boolean(v); }
    bool number_integer(number_integer_t v) { return handler_.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) { return handler_.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& s) { return handler_.number_float(v, s); }
    bool string(string_t& v) { return handler_.string(v); }
    bool binary(binary_t& v) { return handler_.binary(v); }

    bool start_object(std::size_t n) {
        enter();
        keys_.emplace_back();
        return handler_.start_object(n);
    }
    bool key(string_t& k) {
        if (!keys_.back().insert(k).second)
            ::ink::detail::fail(what_, ": duplicate key \"", clipped(k), "\"",
                                parent_key_.size() == 1          ? std::string(" in the top-level object")
                                : parent_key_.back().empty() ? std::string(" in a nested object")
                                                             : " in the object of \"" + clipped(parent_key_.back()) + "\"");
        current_key_ = k;
        return handler_.key(k);
    }
    bool end_object() {
        keys_.pop_back();
        leave();
        return handler_.end_object();
    }
    bool start_array(std::size_t n) {
        enter();
        return handler_.start_array(n);
    }
    bool end_array() {
        leave();
        return handler_.end_array();
    }
    bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: <reason>;
        // last read: '<token>'", where the token can be megabytes long: keep the reason, quote the token.
        std::string_view reason = e.what();
        if (const auto start = reason.find(": "); start != std::string_view::npos) reason.remove_prefix(start + 2);
        if (const auto last = reason.find("; last read:"); last != std::string_view::npos) reason = reason.substr(0, last);
        ::ink::detail::fail(what_, ": invalid JSON at byte ", position > 0 ? position - 1 : 0, ": ", reason,
                            last_token.empty() ? std::string() : "; last read: '" + clipped(last_token) + "'");
    }

private:
    void enter() {
        if (++depth_ > max_depth_)
            ::ink::detail::fail(what_, ": JSON nested deeper than ", max_depth_, " levels");
        parent_key_.push_back(std::move(current_key_));  // the key this object or array is the value of
        current_key_.clear();                            // the elements of an array have none
    }
    void leave() {
        --depth_;
        parent_key_.pop_back();
    }

    Handler& handler_;
    std::string_view what_;
    int max_depth_;
    int depth_ = 0;
    std::vector<std::unordered_set<std::string>> keys_;  // the keys seen in each open object
    std::vector<std::string> parent_key_;                // per open object or array
    std::string current_key_;
};

// Parses all of `text` (nothing but whitespace may follow the value) into `handler`'s SAX events,
// within the bounds above. Errors name `what`.
template <class Handler>
void sax_parse(std::string_view text, Handler& handler, std::string_view what, int max_depth = kMaxDepth) {
    BoundedSax<Handler> bounded(handler, what, max_depth);
    Json::sax_parse(text.data(), text.data() + text.size(), &bounded);
}

namespace detail {

// Builds a Json tree from SAX events (the bounds are BoundedSax's).
class TreeBuilder : public SaxTypes {
public:
    Json root;

    bool null() { return add(nullptr); }
    bool boolean(bool v) { return add(v); }
    bool number_integer(number_integer_t v) { return add(v); }
    bool number_unsigned(number_unsigned_t v) { return add(v); }
    bool number_float(number_float_t v, const string_t&) { return add(v); }
    bool string(string_t& v) { return add(std::move(v)); }
    bool binary(binary_t& v) { return add(Json::binary(std::move(v))); }
    bool start_object(std::size_t) { return open(Json::object()); }
    bool start_array(std::size_t) { return open(Json::array()); }
    bool key(string_t& k) {
        key_ = std::move(k);
        return true;
    }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

private:
    // Places `v` in the innermost open container (or as the root) and returns where it is.
    Json& place(Json&& v) {
        if (open_.empty()) return root = std::move(v);
        Json& top = *open_.back();
        if (top.is_array()) {
            top.push_back(std::move(v));
            return top.back();
        }
        return top.get_ref<Json::object_t&>().emplace(std::move(key_), std::move(v)).first->second;
    }
    bool add(Json&& v) {
        place(std::move(v));
        return true;
    }
    // A container's address stays valid while it is open: nothing else is added to its parent meanwhile.
    bool open(Json&& v) {
        open_.push_back(&place(std::move(v)));
        return true;
    }
    bool close() {
        open_.pop_back();
        return true;
    }

    std::vector<Json*> open_;
    std::string key_;
};

}  // namespace detail

// All of `text` as a Json tree, within the bounds above. Errors name `what`.
inline Json parse(std::string_view text, std::string_view what, int max_depth = kMaxDepth) {
    detail::TreeBuilder builder;
    sax_parse(text, builder, what, max_depth);
    return std::move(builder.root);
}

}  // namespace ink::json
