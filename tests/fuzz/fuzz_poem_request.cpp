// libFuzzer target: the poem web server's request parsing (examples/poem_vae/request.hpp), the query
// strings and JSON bodies of every endpoint, without a socket or a model.
// Input: one byte choosing the method and path (kRoutes), then the query string up to the first
// '\n', then the body.
// Oracle beyond "no crash": parse_request throws nothing but HttpError (400 naming a field, 404, 405),
// whose message is non-empty and fits in a JSON answer; a request it accepts has every field within
// Limits (texts valid UTF-8 and short, numbers in range, tones only with joint decoding); and the
// accepted Call, written back as a JSON body, parses to the same Call.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../examples/poem_vae/request.hpp"
#include "fuzz/support.hpp"

namespace {

using namespace poem;
using namespace poem::serve;

constexpr index_t kVocab = 7588;

struct Route {
    const char* method;
    const char* path;
};
constexpr Route kRoutes[] = {
    {"GET", "/healthz"},           {"GET", "/api/generate"},     {"POST", "/api/generate"},
    {"POST", "/api/acrostic"},     {"POST", "/api/interpolate"}, {"POST", "/api/reconstruct"},
    {"POST", "/api/convert"},      {"GET", "/"},                 {"GET", "/app.js"},
    {"DELETE", "/api/generate"},   {"POST", "/index.html"},      {"GET", "/api/acrostic"},
    {"HEAD", "/api/generate"},     {"GET", "/api/nothing"},
};

bool utf8(const std::string& s, std::size_t max_bytes) {
    std::size_t pos = 0;
    char32_t cp = 0;
    while (pos < s.size())
        if (!ink::data::utf8::next(s, pos, cp)) return false;
    return s.size() <= max_bytes;
}

void check_decode(const DecodeOptions& d, const Limits& l) {
    INK_FUZZ_EXPECT(d.temperature > 0 && d.temperature <= l.max_temperature);
    INK_FUZZ_EXPECT(d.top_k >= 0 && d.top_k <= kVocab);
    INK_FUZZ_EXPECT(d.repeat_penalty >= 0 && d.repeat_penalty <= l.max_repeat_penalty);
    INK_FUZZ_EXPECT(d.tone_penalty >= 0 && d.tone_penalty <= l.max_tone_penalty);
    INK_FUZZ_EXPECT(d.tone_penalty == 0 || d.method == Decode::Joint);
}

json decode_json(const DecodeOptions& d) {
    const char* names[] = {"argmax", "sample", "joint"};
    json j = {{"decode", names[int(d.method)]},
              {"temperature", d.temperature},
              {"top_k", d.top_k},
              {"repeat_penalty", d.repeat_penalty}};
    if (d.tone_penalty > 0) j["tones"] = true, j["tone_penalty"] = d.tone_penalty;
    return j;
}

bool same_decode(const DecodeOptions& a, const DecodeOptions& b) {
    return a.method == b.method && a.temperature == b.temperature && a.top_k == b.top_k &&
           a.repeat_penalty == b.repeat_penalty && a.tone_penalty == b.tone_penalty;
}

// The checks of one accepted Call, and its JSON body (null for calls without one).
struct Check {
    const Limits& l;
    json operator()(const Health&) const { return nullptr; }
    json operator()(const Page& p) const {
        INK_FUZZ_EXPECT(!p.path.starts_with("/api/"));
        return nullptr;
    }
    json operator()(const Generate& g) const {
        INK_FUZZ_EXPECT(g.n >= 1 && g.n <= l.max_n);
        INK_FUZZ_EXPECT(!g.seed || *g.seed <= std::uint64_t(kMaxSeed));
        check_decode(g.decode, l);
        json j = decode_json(g.decode);
        j["n"] = g.n;
        if (g.seed) j["seed"] = *g.seed;
        return j;
    }
    json operator()(const Acrostic& a) const {
        INK_FUZZ_EXPECT(utf8(a.heads, l.max_text_bytes));
        INK_FUZZ_EXPECT(a.starts >= 1 && a.starts <= l.max_starts);
        INK_FUZZ_EXPECT(a.iterations >= 0 && a.iterations <= l.max_iterations);
        INK_FUZZ_EXPECT(!a.seed || *a.seed <= std::uint64_t(kMaxSeed));
        check_decode(a.decode, l);
        json j = decode_json(a.decode);
        j["heads"] = a.heads;
        j["starts"] = a.starts;
        j["iterations"] = a.iterations;
        if (a.seed) j["seed"] = *a.seed;
        return j;
    }
    json operator()(const Interpolate& i) const {
        INK_FUZZ_EXPECT(utf8(i.a, l.max_text_bytes) && utf8(i.b, l.max_text_bytes));
        INK_FUZZ_EXPECT(i.steps >= 2 && i.steps <= l.max_steps);
        check_decode(i.decode, l);
        json j = decode_json(i.decode);
        j["a"] = i.a;
        j["b"] = i.b;
        j["steps"] = i.steps;
        return j;
    }
    json operator()(const Reconstruct& r) const {
        INK_FUZZ_EXPECT(utf8(r.couplet, l.max_text_bytes));
        check_decode(r.decode, l);
        json j = decode_json(r.decode);
        j["couplet"] = r.couplet;
        return j;
    }
    json operator()(const Convert& c) const {
        INK_FUZZ_EXPECT(c.to == "traditional" || c.to == "simplified");
        INK_FUZZ_EXPECT(c.texts.size() <= l.max_convert_texts);
        for (const std::string& t : c.texts) INK_FUZZ_EXPECT(utf8(t, l.max_text_bytes));
        return {{"to", c.to}, {"texts", c.texts}};
    }
};

struct Same {
    template <class A, class B>
    bool operator()(const A&, const B&) const { return false; }
    bool operator()(const Health&, const Health&) const { return true; }
    bool operator()(const Page& a, const Page& b) const { return a.path == b.path; }
    bool operator()(const Generate& a, const Generate& b) const {
        return a.n == b.n && a.seed == b.seed && same_decode(a.decode, b.decode);
    }
    bool operator()(const Acrostic& a, const Acrostic& b) const {
        return a.heads == b.heads && a.seed == b.seed && a.starts == b.starts && a.iterations == b.iterations &&
               same_decode(a.decode, b.decode);
    }
    bool operator()(const Interpolate& a, const Interpolate& b) const {
        return a.a == b.a && a.b == b.b && a.steps == b.steps && same_decode(a.decode, b.decode);
    }
    bool operator()(const Reconstruct& a, const Reconstruct& b) const {
        return a.couplet == b.couplet && same_decode(a.decode, b.decode);
    }
    bool operator()(const Convert& a, const Convert& b) const { return a.to == b.to && a.texts == b.texts; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const Limits limits;
    const Route& route = kRoutes[data[0] % (sizeof kRoutes / sizeof kRoutes[0])];
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t newline = rest.find('\n');
    const std::string_view query = rest.substr(0, newline);
    const std::string body(newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1));

    Call call;
    try {
        Request req{route.method, route.path, parse_query(query, limits.query_bytes), body};
        call = parse_request(req, limits, kVocab);
    } catch (const HttpError& e) {
        INK_FUZZ_EXPECT(e.status == 400 || e.status == 404 || e.status == 405);
        INK_FUZZ_EXPECT(!e.message.empty());
        INK_FUZZ_EXPECT(e.status != 400 || !e.field.empty());
        const json answer = {{"error", e.field + ": " + e.message}, {"field", e.field}};
        INK_FUZZ_EXPECT(!answer.dump(-1, ' ', false, json::error_handler_t::replace).empty());
        return 0;
    }
    const json again = std::visit(Check{limits}, call);
    if (again.is_null()) return 0;
    // Written back as the JSON body of a POST, the call parses to itself (a GET generate included).
    const Request post{"POST", route.path, {}, again.dump()};
    const Call reparsed = parse_request(post, limits, kVocab);
    INK_FUZZ_EXPECT(std::visit(Same{}, call, reparsed));
    return 0;
}
