#pragma once
// The poem server's requests as data: parse_request turns what a client sent (method, path, query
// string, body) into one of the Calls below, every field bounded and checked, or throws an HttpError
// naming the field and what was expected. No model, no socket: serve.hpp executes the Call, and
// tests/fuzz/fuzz_poem_request.cpp feeds hostile bytes straight to parse_request.
//
//   POST /api/generate     {"n", "seed", decoding fields}            -> Generate
//   GET  /api/generate?n=..&seed=..  (the same fields as query parameters)
//   POST /api/acrostic     {"heads", "seed", "starts", "iterations", decoding fields} -> Acrostic
//   POST /api/interpolate  {"a", "b", "steps", decoding fields}      -> Interpolate
//   POST /api/reconstruct  {"couplet", decoding fields}              -> Reconstruct
//   POST /api/convert      {"texts": [...], "to": "traditional" | "simplified"} -> Convert
//   GET  /healthz                                                    -> Health
//   GET  /, /app.js, ...                                             -> Page
// Decoding fields: "decode" (argmax | sample | joint), "temperature", "top_k", "repeat_penalty",
// "tones" (true: joint decoding also follows the tones of regulated verse) and "tone_penalty".
//
// Text fields are checked for length and UTF-8 here; whether their characters are in the model's
// vocabulary is the model's business (serve.hpp, with the same field names in its errors).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "decode.hpp"
#include "ink/core/parse.hpp"
#include "ink/data/utf8.hpp"

namespace poem::serve {

using nlohmann::json;

struct Limits {
    std::size_t body_bytes = 16 * 1024;
    std::size_t query_bytes = 2 * 1024;  // the query string of a GET
    index_t max_n = 100;           // couplets per generate request
    index_t max_steps = 32;        // interpolation points
    index_t max_starts = 32;       // acrostic starting points
    index_t max_iterations = 200;  // acrostic gradient steps
    float max_temperature = 10;
    float max_repeat_penalty = 100;
    float max_tone_penalty = 100;
    std::size_t max_text_bytes = 256;     // a couplet or heads as typed
    std::size_t max_convert_texts = 200;  // texts per /api/convert
    index_t batch_rows = 64;              // couplets per batched decoder product (logits: 300 KB each at V 7,588)
};

// The tone penalty when a request asks for tones without one (the command line's --tone-penalty).
inline constexpr float kDefaultTonePenalty = 3.0f;

// A refused request: HTTP status, the field at fault ("" when none), what was expected.
struct HttpError {
    std::string field, message;
    int status = 400;
};

struct Request {
    std::string method, path;
    std::multimap<std::string, std::string> query;
    std::string body;
};

// A URL's query string "a=1&b=%E6%98%A5" as key -> value, percent- and '+'-decoded. Malformed escapes
// and strings longer than max_bytes are refused; the values' UTF-8 is checked when a field is read.
inline std::multimap<std::string, std::string> parse_query(std::string_view q, std::size_t max_bytes) {
    if (q.size() > max_bytes)
        throw HttpError{"query", "expected at most " + std::to_string(max_bytes) + " bytes"};
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    auto decode = [&](std::string_view s) {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') {
                out += ' ';
            } else if (s[i] != '%') {
                out += s[i];
            } else {
                const int hi = i + 2 < s.size() ? hex(s[i + 1]) : -1, lo = hi >= 0 ? hex(s[i + 2]) : -1;
                if (lo < 0) throw HttpError{"query", "expected %XX escapes of two hexadecimal digits"};
                out += char(hi * 16 + lo);
                i += 2;
            }
        }
        return out;
    };
    std::multimap<std::string, std::string> out;
    while (!q.empty()) {
        const std::size_t amp = q.find('&');
        const std::string_view pair = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        out.emplace(decode(pair.substr(0, eq)), eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1)));
    }
    return out;
}

// The fields of one request, from a JSON object (POST) or a query string (GET, values as text). Each
// field is read once with its bounds; finish() then refuses whatever the endpoint does not know.
class Fields {
public:
    static Fields from_body(const std::string& body, std::size_t limit) {
        if (body.size() > limit) throw HttpError{"body", "expected at most " + std::to_string(limit) + " bytes"};
        json j;
        try {
            j = json::parse(body.empty() ? std::string("{}") : body);
        } catch (const json::exception& e) {  // also invalid UTF-8 in a string
            throw HttpError{"body", std::string("expected a JSON object: ") + e.what()};
        }
        if (!j.is_object()) throw HttpError{"body", "expected a JSON object"};
        return Fields(std::move(j), false);
    }
    static Fields from_query(const std::multimap<std::string, std::string>& query) {
        json j = json::object();
        for (const auto& [key, value] : query) {
            if (j.contains(key)) throw HttpError{printable(key), "expected once, got it twice"};
            j[key] = value;  // nlohmann checks the UTF-8 when dumping; check_text below when reading
        }
        return Fields(std::move(j), true);
    }

    std::optional<std::int64_t> integer(const std::string& name, std::int64_t lo, std::int64_t hi) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        const std::string expected = "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
        std::int64_t x = 0;
        if (text_values_) {
            try {
                x = ink::parse_number<std::int64_t>(v->get_ref<const std::string&>(), name);
            } catch (const ink::Error&) {
                throw HttpError{name, expected + ", got \"" + shorten(v->get_ref<const std::string&>()) + "\""};
            }
        } else if (v->is_number_integer()) {
            if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(hi))
                throw HttpError{name, expected + ", got " + v->dump()};
            x = v->get<std::int64_t>();
        } else {
            throw HttpError{name, expected + ", got " + shorten(v->dump())};
        }
        if (x < lo || x > hi) throw HttpError{name, expected + ", got " + std::to_string(x)};
        return x;
    }

    // A number in (lo, hi] when open_low, else [lo, hi].
    std::optional<float> number(const std::string& name, float lo, float hi, bool open_low) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        const std::string expected = std::string("expected a number ") + (open_low ? "above " : "from ") + fmt(lo) +
                                     (open_low ? " up to " : " to ") + fmt(hi);
        double x = 0;
        if (text_values_) {
            try {
                x = ink::parse_number<double>(v->get_ref<const std::string&>(), name);
            } catch (const ink::Error&) {
                throw HttpError{name, expected + ", got \"" + shorten(v->get_ref<const std::string&>()) + "\""};
            }
        } else if (v->is_number()) {
            x = v->get<double>();
        } else {
            throw HttpError{name, expected + ", got " + shorten(v->dump())};
        }
        if (!(open_low ? x > lo : x >= lo) || !(x <= hi)) throw HttpError{name, expected + ", got " + fmt(x)};
        return float(x);
    }

    // true / false (in a query string: the words, or 1 / 0).
    std::optional<bool> boolean(const std::string& name) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        if (v->is_boolean()) return v->get<bool>();
        if (text_values_) {
            const std::string& s = v->get_ref<const std::string&>();
            if (s == "true" || s == "1") return true;
            if (s == "false" || s == "0") return false;
            throw HttpError{name, "expected true or false, got \"" + shorten(s) + "\""};
        }
        throw HttpError{name, "expected true or false, got " + shorten(v->dump())};
    }

    std::optional<std::string> text(const std::string& name, std::size_t max_bytes) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        if (!v->is_string()) throw HttpError{name, "expected a string, got " + shorten(v->dump())};
        return check_text(name, v->get_ref<const std::string&>(), max_bytes);
    }

    std::optional<std::vector<std::string>> texts(const std::string& name, std::size_t max_count, std::size_t max_bytes) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        if (text_values_ || !v->is_array() || v->size() > max_count)
            throw HttpError{name, "expected an array of at most " + std::to_string(max_count) + " strings"};
        std::vector<std::string> out;
        for (const json& s : *v) {
            if (!s.is_string()) throw HttpError{name, "expected strings, got " + shorten(s.dump())};
            out.push_back(check_text(name, s.get_ref<const std::string&>(), max_bytes));
        }
        return out;
    }

    // Refuses the fields nobody read.
    void finish() const {
        for (const auto& [key, value] : j_.items())
            if (!read_.count(key)) throw HttpError{printable(key), "unknown field"};
    }

    template <class T>
    static std::string fmt(T x) {
        std::ostringstream os;
        os << x;
        return os.str();
    }

private:
    Fields(json j, bool text_values) : j_(std::move(j)), text_values_(text_values) {}

    const json* take(const std::string& name) {
        read_.insert(name);
        const auto it = j_.find(name);
        return it == j_.end() ? nullptr : &*it;
    }
    static bool valid_utf8(const std::string& s) {
        std::size_t pos = 0;
        char32_t cp = 0;
        while (pos < s.size())
            if (!ink::data::utf8::next(s, pos, cp)) return false;
        return true;
    }
    static std::string check_text(const std::string& name, const std::string& s, std::size_t max_bytes) {
        if (s.size() > max_bytes) throw HttpError{name, "expected at most " + std::to_string(max_bytes) + " bytes"};
        if (!valid_utf8(s)) throw HttpError{name, "expected valid UTF-8"};
        return s;
    }
    // At most 40 bytes of s, cut at a character boundary (the message is JSON).
    static std::string shorten(const std::string& s) {
        if (s.size() <= 40) return s;
        std::size_t cut = 40;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        return s.substr(0, cut) + "...";
    }
    // A field name for the error message: only if it is valid UTF-8 (it comes back in JSON).
    static std::string printable(const std::string& key) {
        if (key.empty()) return "(an empty field name)";
        return valid_utf8(key) ? shorten(key) : "(a field name that is not valid UTF-8)";
    }

    json j_;
    bool text_values_;
    std::set<std::string> read_;
};

// ---- the calls --------------------------------------------------------------------------------------
// A seed the page can keep in a permalink: JavaScript numbers are exact up to 2^53. nullopt: the
// server draws one (and says which).
inline constexpr std::int64_t kMaxSeed = (std::int64_t(1) << 53) - 1;

struct Health {};
struct Page {
    std::string path;
};
struct Generate {
    index_t n = 10;
    std::optional<std::uint64_t> seed;
    DecodeOptions decode;
};
struct Acrostic {
    std::string heads;
    std::optional<std::uint64_t> seed;
    index_t starts = 16, iterations = 60;
    DecodeOptions decode;
};
struct Interpolate {
    std::string a, b;
    index_t steps = 8;
    DecodeOptions decode;
};
struct Reconstruct {
    std::string couplet;
    DecodeOptions decode;
};
struct Convert {
    std::string to;  // "traditional" | "simplified"
    std::vector<std::string> texts;
};
using Call = std::variant<Health, Page, Generate, Acrostic, Interpolate, Reconstruct, Convert>;

namespace detail {

inline DecodeOptions decode_fields(Fields& f, const Limits& l, index_t vocab) {
    DecodeOptions opt;
    if (const auto m = f.text("decode", 16)) {
        try {
            opt.method = parse_decode(*m);
        } catch (const ink::Error&) {
            throw HttpError{"decode", "expected argmax, sample or joint"};
        }
    }
    opt.temperature = f.number("temperature", 0, l.max_temperature, true).value_or(opt.temperature);
    opt.top_k = f.integer("top_k", 0, vocab).value_or(opt.top_k);
    opt.repeat_penalty = f.number("repeat_penalty", 0, l.max_repeat_penalty, false).value_or(opt.repeat_penalty);
    const bool tones = f.boolean("tones").value_or(false);
    const auto penalty = f.number("tone_penalty", 0, l.max_tone_penalty, false);
    if (tones && opt.method != Decode::Joint) throw HttpError{"tones", "expected only with \"decode\": \"joint\""};
    if (penalty && !tones) throw HttpError{"tone_penalty", "expected only with \"tones\": true"};
    opt.tone_penalty = tones ? penalty.value_or(kDefaultTonePenalty) : 0.0f;
    return opt;
}

inline std::optional<std::uint64_t> seed_field(Fields& f) {
    if (const auto s = f.integer("seed", 0, kMaxSeed)) return std::uint64_t(*s);
    return std::nullopt;
}

inline std::string required_text(Fields& f, const std::string& name, std::size_t max_bytes) {
    auto t = f.text(name, max_bytes);
    if (!t) throw HttpError{name, "expected a string (missing)"};
    return *t;
}

inline Generate generate_fields(Fields f, const Limits& l, index_t vocab) {
    Generate g;
    g.n = f.integer("n", 1, l.max_n).value_or(g.n);
    g.seed = seed_field(f);
    g.decode = decode_fields(f, l, vocab);
    f.finish();
    return g;
}

inline Acrostic acrostic_fields(Fields f, const Limits& l, index_t vocab) {
    Acrostic a;
    a.heads = required_text(f, "heads", l.max_text_bytes);
    a.seed = seed_field(f);
    a.starts = f.integer("starts", 1, l.max_starts).value_or(a.starts);
    a.iterations = f.integer("iterations", 0, l.max_iterations).value_or(a.iterations);
    a.decode = decode_fields(f, l, vocab);
    f.finish();
    return a;
}

inline Interpolate interpolate_fields(Fields f, const Limits& l, index_t vocab) {
    Interpolate i;
    i.a = required_text(f, "a", l.max_text_bytes);
    i.b = required_text(f, "b", l.max_text_bytes);
    i.steps = f.integer("steps", 2, l.max_steps).value_or(i.steps);
    i.decode = decode_fields(f, l, vocab);
    f.finish();
    return i;
}

inline Reconstruct reconstruct_fields(Fields f, const Limits& l, index_t vocab) {
    Reconstruct r;
    r.couplet = required_text(f, "couplet", l.max_text_bytes);
    r.decode = decode_fields(f, l, vocab);
    f.finish();
    return r;
}

inline Convert convert_fields(Fields f, const Limits& l) {
    const auto to = f.text("to", 16);
    const auto texts = f.texts("texts", l.max_convert_texts, l.max_text_bytes);
    f.finish();
    if (!to || (*to != "traditional" && *to != "simplified"))
        throw HttpError{"to", "expected \"traditional\" or \"simplified\""};
    if (!texts) throw HttpError{"texts", "expected an array of strings (missing)"};
    return {*to, *texts};
}

}  // namespace detail

// The Call a request asks for, for a model of `vocab` characters (top_k's bound). Throws HttpError:
// 400 naming the field, 404 for an unknown path, 405 for a method the path does not take.
inline Call parse_request(const Request& req, const Limits& l, index_t vocab) {
    const bool get = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
    const std::string shown_path = req.path.substr(0, 64);
    if (!req.path.starts_with("/api/") && req.path != "/healthz") {
        if (!get) throw HttpError{"", "the page is read with GET", 405};
        return Page{req.path == "/" ? std::string("/index.html") : req.path};
    }
    auto body = [&] {
        if (!req.query.empty()) throw HttpError{"query", "expected none: POST takes its fields as a JSON body"};
        return Fields::from_body(req.body, l.body_bytes);
    };
    if (req.path == "/healthz" && get) return Health{};
    if (req.path == "/api/generate" && (get || post))
        return detail::generate_fields(post ? body() : Fields::from_query(req.query), l, vocab);
    if (post && req.path == "/api/acrostic") return detail::acrostic_fields(body(), l, vocab);
    if (post && req.path == "/api/interpolate") return detail::interpolate_fields(body(), l, vocab);
    if (post && req.path == "/api/reconstruct") return detail::reconstruct_fields(body(), l, vocab);
    if (post && req.path == "/api/convert") return detail::convert_fields(body(), l);
    for (const char* known : {"/healthz", "/api/generate", "/api/acrostic", "/api/interpolate", "/api/reconstruct",
                              "/api/convert"})
        if (req.path == known) throw HttpError{"", "method " + req.method.substr(0, 16) + " is not allowed on " + req.path, 405};
    throw HttpError{"", "no endpoint " + shown_path, 404};
}

}  // namespace poem::serve
