#pragma once
// The poem bot's JSON API and page (ink-poem serve), without the sockets: Api::handle turns a request
// (method, path, query, body) into a response, so tests drive it directly; http.hpp puts it on
// cpp-httplib. Endpoints (docs/poem.md, "The web page"):
//
//   POST /api/generate     {"n", "seed", "decode", "temperature", "top_k", "repeat_penalty"}
//   GET  /api/generate?n=..&seed=..  (the same fields as query parameters)
//   POST /api/acrostic     {"heads", "seed", "starts", "iterations", decoding fields}
//   POST /api/interpolate  {"a", "b", "steps", decoding fields}
//   POST /api/reconstruct  {"couplet", decoding fields}
//   POST /api/convert      {"texts": [...], "to": "traditional" | "simplified"}  (OpenCC)
//   GET  /healthz          the model, the limits, what the build can do
//   GET  /, /app.js, ...   the page, from the binary's own table (no request path reaches a file)
//
// Every input is bounded (Limits): a field out of range, of the wrong type, unknown, or text that is
// not valid UTF-8 or holds characters the model does not know gets HTTP 400 and
// {"error": "<field>: <what was expected>", "field": "<field>", "model": "<name>"}.
//
// Dynamic batching: concurrent generate requests wait in a queue while the decoder runs; the next
// decoder product takes all of them at once (up to Limits::batch_rows couplets), which turns many
// (100 x 64) x (64 x V) products into one tall one. The GEMM computes every output element by the
// same operations whatever the number of rows (kernels/detail/gemm_driver.hpp), so a request's
// couplets do not depend on who shared its batch: same seed, same answer.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <semaphore>
#include <set>
#include <sstream>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "poet.hpp"

namespace poem::serve {

using nlohmann::json;

struct Limits {
    std::size_t body_bytes = 16 * 1024;
    index_t max_n = 100;           // couplets per generate request
    index_t max_steps = 32;        // interpolation points
    index_t max_starts = 32;       // acrostic starting points
    index_t max_iterations = 200;  // acrostic gradient steps
    float max_temperature = 10;
    float max_repeat_penalty = 100;
    std::size_t max_text_bytes = 256;     // a couplet or heads as typed
    std::size_t max_convert_texts = 200;  // texts per /api/convert
    index_t batch_rows = 64;              // couplets per batched decoder product (logits: 300 KB each at V 7,588)
};

// A 400 answer: which field, and what was expected.
struct BadRequest {
    std::string field, message;
};

// A static file of the page, embedded in the binary.
struct Asset {
    std::string_view path;  // "/index.html"
    std::string_view content_type;
    std::string_view body;
};

struct Request {
    std::string method, path;
    std::multimap<std::string, std::string> query;
    std::string body;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// The fields of one request, from a JSON object (POST) or a query string (GET, values as text). Each
// field is read once with its bounds; finish() then refuses whatever the endpoint does not know.
class Fields {
public:
    static Fields from_body(const std::string& body, std::size_t limit) {
        if (body.size() > limit) throw BadRequest{"body", "expected at most " + std::to_string(limit) + " bytes"};
        json j;
        try {
            j = json::parse(body.empty() ? std::string("{}") : body);
        } catch (const json::exception& e) {  // also invalid UTF-8 in a string
            throw BadRequest{"body", std::string("expected a JSON object: ") + e.what()};
        }
        if (!j.is_object()) throw BadRequest{"body", "expected a JSON object"};
        return Fields(std::move(j), false);
    }
    static Fields from_query(const std::multimap<std::string, std::string>& query) {
        json j = json::object();
        for (const auto& [key, value] : query) {
            if (j.contains(key)) throw BadRequest{key, "expected once, got it twice"};
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
                throw BadRequest{name, expected + ", got \"" + shorten(v->get_ref<const std::string&>()) + "\""};
            }
        } else if (v->is_number_integer()) {
            if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(hi))
                throw BadRequest{name, expected + ", got " + v->dump()};
            x = v->get<std::int64_t>();
        } else {
            throw BadRequest{name, expected + ", got " + shorten(v->dump())};
        }
        if (x < lo || x > hi) throw BadRequest{name, expected + ", got " + std::to_string(x)};
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
                throw BadRequest{name, expected + ", got \"" + shorten(v->get_ref<const std::string&>()) + "\""};
            }
        } else if (v->is_number()) {
            x = v->get<double>();
        } else {
            throw BadRequest{name, expected + ", got " + shorten(v->dump())};
        }
        if (!(open_low ? x > lo : x >= lo) || !(x <= hi)) throw BadRequest{name, expected + ", got " + fmt(x)};
        return float(x);
    }

    std::optional<std::string> text(const std::string& name, std::size_t max_bytes) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        if (!v->is_string()) throw BadRequest{name, "expected a string, got " + shorten(v->dump())};
        return check_text(name, v->get_ref<const std::string&>(), max_bytes);
    }

    std::optional<std::vector<std::string>> texts(const std::string& name, std::size_t max_count, std::size_t max_bytes) {
        const json* v = take(name);
        if (!v) return std::nullopt;
        if (text_values_ || !v->is_array() || v->size() > max_count)
            throw BadRequest{name, "expected an array of at most " + std::to_string(max_count) + " strings"};
        std::vector<std::string> out;
        for (const json& s : *v) {
            if (!s.is_string()) throw BadRequest{name, "expected strings, got " + shorten(s.dump())};
            out.push_back(check_text(name, s.get_ref<const std::string&>(), max_bytes));
        }
        return out;
    }

    // Refuses the fields nobody read.
    void finish() const {
        for (const auto& [key, value] : j_.items())
            if (!read_.count(key)) throw BadRequest{printable(key), "unknown field"};
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
    static std::string check_text(const std::string& name, const std::string& s, std::size_t max_bytes) {
        if (s.size() > max_bytes) throw BadRequest{name, "expected at most " + std::to_string(max_bytes) + " bytes"};
        std::size_t pos = 0;
        char32_t cp = 0;
        while (pos < s.size())
            if (!ink::data::utf8::next(s, pos, cp)) throw BadRequest{name, "expected valid UTF-8"};
        return s;
    }
    static std::string shorten(const std::string& s) { return s.size() > 40 ? s.substr(0, 40) + "..." : s; }
    // A field name for the error message: only if it is valid UTF-8 (it comes back in JSON).
    static std::string printable(const std::string& key) {
        std::size_t pos = 0;
        char32_t cp = 0;
        while (pos < key.size())
            if (!ink::data::utf8::next(key, pos, cp)) return "(a field name that is not valid UTF-8)";
        return shorten(key);
    }

    json j_;
    bool text_values_;
    std::set<std::string> read_;
};

// Collects the decoder products of concurrent generate requests into one (see the top of the file).
class Batcher {
public:
    // `workers` products may run at once, each on one thread.
    Batcher(const Poet& poet, index_t max_rows, int workers) : poet_(poet), max_rows_(max_rows) {
        for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { run(); });
    }
    ~Batcher() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& w : workers_) w.join();
    }
    Batcher(const Batcher&) = delete;
    Batcher& operator=(const Batcher&) = delete;

    // The decoder logits of z (rows, latent): (rows, kLength, V), a view into the batch's product.
    Tensor<float> logits(const Tensor<float>& z) {
        Job job(z);
        std::unique_lock<std::mutex> lock(mutex_);
        queue_.push_back(&job);
        wake_.notify_all();
        done_.wait(lock, [&] { return job.finished; });
        if (job.error) std::rethrow_exception(job.error);
        return job.logits;
    }

    std::int64_t products() const { return products_.load(); }

private:
    struct Job {
        explicit Job(const Tensor<float>& latents) : z(latents) {}
        Tensor<float> z;
        Tensor<float> logits;
        std::exception_ptr error;
        bool finished = false;
    };

    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            // Everything that queued while the last product ran, up to max_rows couplets (at least one job).
            std::vector<Job*> batch;
            index_t rows = 0;
            while (!queue_.empty() && (batch.empty() || rows + queue_.front()->z.dim(0) <= max_rows_)) {
                rows += queue_.front()->z.dim(0);
                batch.push_back(queue_.front());
                queue_.pop_front();
            }
            lock.unlock();
            std::exception_ptr error;
            Tensor<float> logits;
            try {
                const index_t L = batch[0]->z.dim(1);
                Tensor<float> z = Tensor<float>::empty({rows, L});
                index_t r = 0;
                for (Job* j : batch) {
                    std::copy(j->z.begin(), j->z.end(), z.data() + r * L);
                    r += j->z.dim(0);
                }
                logits = poet_.decoder_logits(z);
                products_.fetch_add(1);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            index_t r = 0;
            for (Job* j : batch) {
                if (error) j->error = error;
                else j->logits = logits.rows(r, r + j->z.dim(0));
                r += j->z.dim(0);
                j->finished = true;
            }
            done_.notify_all();
        }
    }

    const Poet& poet_;
    const index_t max_rows_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::deque<Job*> queue_;
    bool stop_ = false;
    std::atomic<std::int64_t> products_{0};
    std::vector<std::thread> workers_;  // last: they start once the members above exist
};

struct ApiOptions {
    Limits limits;
    bool batching = true;
    // Requests computed at once: batched decoder products, and (separately) acrostic / interpolate /
    // reconstruct requests; the others wait. One per core, with kernels single-threaded
    // (ink::set_num_threads(1)): OpenMP teams started from many request threads spin-wait on each
    // other, which cost 80% of the CPU in a measurement.
    int compute_threads = 2;
    std::span<const Asset> assets;
};

class Api {
public:
    Api(const Poet& poet, ApiOptions options)
        : poet_(poet),
          options_(std::move(options)),
          model_name_(std::filesystem::path(poet.path()).filename().string()),
          heavy_(std::max(1, options_.compute_threads)) {
        if (options_.batching)
            batcher_ = std::make_unique<Batcher>(poet, options_.limits.batch_rows, options_.compute_threads);
        if (ink::data::kHaveOpenCC) {
            to_traditional_ = std::make_unique<ink::data::ScriptConverter>("s2t.json");
            to_simplified_ = std::make_unique<ink::data::ScriptConverter>("t2s.json");
        }
    }

    const std::string& model_name() const { return model_name_; }
    const Limits& limits() const { return options_.limits; }
    const Batcher* batcher() const { return batcher_.get(); }

    Response handle(const Request& req) const {
        try {
            if (req.path.starts_with("/api/") || req.path == "/healthz") return route(req);
            return asset(req);
        } catch (const BadRequest& e) {
            return error(400, e.field, e.field + ": " + e.message);
        } catch (const ink::Error& e) {  // a limit inside the model (should not happen after the checks)
            return error(400, "", e.what());
        } catch (const std::exception& e) {
            return error(500, "", std::string("internal error: ") + e.what());
        }
    }

    // A JSON error answer.
    Response error(int status, const std::string& field, const std::string& message) const {
        json j = {{"error", message}, {"model", model_name_}};
        if (!field.empty()) j["field"] = field;
        return {status, "application/json", j.dump(-1, ' ', false, json::error_handler_t::replace)};
    }

private:
    Response route(const Request& req) const {
        const bool get = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
        if (req.path == "/healthz" && get) return healthz();
        if (req.path == "/api/generate" && (get || post))
            return generate(post ? body(req) : Fields::from_query(req.query));
        if (post && req.path == "/api/acrostic") return acrostic(body(req));
        if (post && req.path == "/api/interpolate") return interpolate(body(req));
        if (post && req.path == "/api/reconstruct") return reconstruct(body(req));
        if (post && req.path == "/api/convert") return convert(body(req));
        for (const char* known : {"/healthz", "/api/generate", "/api/acrostic", "/api/interpolate", "/api/reconstruct",
                                  "/api/convert"})
            if (req.path == known) return error(405, "", "method " + req.method + " is not allowed on " + req.path);
        return error(404, "", "no endpoint " + req.path.substr(0, 64));
    }

    Fields body(const Request& req) const {
        if (!req.query.empty()) throw BadRequest{req.query.begin()->first, "unknown field (POST takes a JSON body)"};
        return Fields::from_body(req.body, options_.limits.body_bytes);
    }

    Response answer(json j) const {
        j["model"] = model_name_;
        return {200, "application/json", j.dump(-1, ' ', false, json::error_handler_t::replace)};
    }

    Response healthz() const {
        const Limits& l = options_.limits;
        return answer({{"status", "ok"},
                       {"script", script_name(poet_.script())},
                       {"vocab", poet_.vocab().size()},
                       {"opencc", bool(to_traditional_)},
                       {"decode", {"argmax", "sample", "joint"}},
                       {"limits",
                        {{"n", l.max_n},
                         {"steps", l.max_steps},
                         {"starts", l.max_starts},
                         {"iterations", l.max_iterations},
                         {"body_bytes", l.body_bytes}}}});
    }

    DecodeOptions decode_options(Fields& f) const {
        DecodeOptions opt;
        if (const auto m = f.text("decode", 16)) {
            try {
                opt.method = parse_decode(*m);
            } catch (const ink::Error&) {
                throw BadRequest{"decode", "expected argmax, sample or joint"};
            }
        }
        opt.temperature = f.number("temperature", 0, options_.limits.max_temperature, true).value_or(opt.temperature);
        opt.top_k = f.integer("top_k", 0, poet_.vocab().size()).value_or(opt.top_k);
        opt.repeat_penalty =
            f.number("repeat_penalty", 0, options_.limits.max_repeat_penalty, false).value_or(opt.repeat_penalty);
        return opt;
    }
    static json decode_json(const DecodeOptions& o) {
        const char* names[] = {"argmax", "sample", "joint"};
        return {{"decode", names[int(o.method)]},
                {"temperature", o.temperature},
                {"top_k", o.top_k},
                {"repeat_penalty", o.repeat_penalty}};
    }
    // A seed the page can keep in a permalink: JavaScript numbers are exact up to 2^53.
    static std::uint64_t seed(Fields& f) {
        constexpr std::int64_t kMaxSeed = (std::int64_t(1) << 53) - 1;
        if (const auto s = f.integer("seed", 0, kMaxSeed)) return std::uint64_t(*s);
        thread_local std::mt19937_64 fresh{std::random_device{}()};
        return fresh() & std::uint64_t(kMaxSeed);
    }
    json couplets(const std::vector<Couplet>& cs) const {
        json out = json::array();
        for (const Couplet& c : cs) out.push_back(poet_.format(c));
        return out;
    }
    // A couplet or heads typed by the user, as the model's ids; its errors name the field.
    template <class Parse>
    static auto parse_text(const std::string& field, Parse&& parse) {
        try {
            return parse();
        } catch (const ink::Error& e) {
            throw BadRequest{field, e.what()};
        }
    }
    std::string required_text(Fields& f, const std::string& name) const {
        auto t = f.text(name, options_.limits.max_text_bytes);
        if (!t) throw BadRequest{name, "expected a string (missing)"};
        return *t;
    }

    Response generate(Fields f) const {
        const index_t n = f.integer("n", 1, options_.limits.max_n).value_or(10);
        const std::uint64_t s = seed(f);
        const DecodeOptions opt = decode_options(f);
        f.finish();
        const Tensor<float> z = poet_.generate_latents(n, s);
        Tensor<float> logits = batcher_ ? batcher_->logits(z) : poet_.decoder_logits(z);
        ink::Rng pick = Poet::generate_rng(s);
        std::vector<Couplet> out;
        out.reserve(std::size_t(n));
        decode_rows(logits.data(), n, poet_.hyper().vocab, opt, pick, out);
        json j = decode_json(opt);
        j["seed"] = s;
        j["n"] = n;
        j["couplets"] = couplets(out);
        return answer(std::move(j));
    }

    Response acrostic(Fields f) const {
        const Limits& l = options_.limits;
        const std::string heads = required_text(f, "heads");
        AcrosticOptions a;
        a.seed = seed(f);
        a.starts = f.integer("starts", 1, l.max_starts).value_or(a.starts);
        a.iterations = f.integer("iterations", 0, l.max_iterations).value_or(a.iterations);
        const DecodeOptions opt = decode_options(f);
        f.finish();
        const auto ids = parse_text("heads", [&] { return poet_.parse_heads(heads); });
        const Couplet c = heavy([&] { return poet_.acrostic(ids, opt, a); });
        json j = decode_json(opt);
        j["seed"] = a.seed;
        j["starts"] = a.starts;
        j["iterations"] = a.iterations;
        j["heads"] = heads;
        j["couplet"] = poet_.format(c);
        return answer(std::move(j));
    }

    Response interpolate(Fields f) const {
        const std::string a = required_text(f, "a"), b = required_text(f, "b");
        const index_t steps = f.integer("steps", 2, options_.limits.max_steps).value_or(8);
        const DecodeOptions opt = decode_options(f);
        f.finish();
        const Couplet ca = parse_text("a", [&] { return poet_.parse_couplet(a); });
        const Couplet cb = parse_text("b", [&] { return poet_.parse_couplet(b); });
        const auto cs = heavy([&] { return poet_.interpolate(ca, cb, steps, opt); });
        json j = decode_json(opt);
        j["steps"] = steps;
        j["weights"] = json::array();
        for (index_t s = 0; s < steps; ++s) j["weights"].push_back(double(s) / double(steps - 1));
        j["couplets"] = couplets(cs);
        return answer(std::move(j));
    }

    Response reconstruct(Fields f) const {
        const std::string text = required_text(f, "couplet");
        const DecodeOptions opt = decode_options(f);
        f.finish();
        const Couplet c = parse_text("couplet", [&] { return poet_.parse_couplet(text); });
        const Couplet out = heavy([&] { return poet_.reconstruct(c, opt); });
        json j = decode_json(opt);
        j["input"] = poet_.format(c);
        j["couplet"] = poet_.format(out);
        return answer(std::move(j));
    }

    Response convert(Fields f) const {
        const Limits& l = options_.limits;
        const auto to = f.text("to", 16);
        const auto texts = f.texts("texts", l.max_convert_texts, l.max_text_bytes);
        f.finish();
        if (!to || (*to != "traditional" && *to != "simplified"))
            throw BadRequest{"to", "expected \"traditional\" or \"simplified\""};
        if (!texts) throw BadRequest{"texts", "expected an array of strings (missing)"};
        if (!to_traditional_) return error(501, "", "this build has no OpenCC: no script conversion");
        const ink::data::ScriptConverter& c = *to == "traditional" ? *to_traditional_ : *to_simplified_;
        json out = json::array();
        {
            std::lock_guard<std::mutex> lock(convert_mutex_);  // OpenCC does not promise thread safety
            for (const std::string& t : *texts) out.push_back(c.convert(t));
        }
        return answer({{"to", *to}, {"texts", out}});
    }

    // Runs fn in one of the heavy slots (waiting for one), so that many slow requests at once queue
    // instead of all sharing the cores and each taking as long as all of them.
    template <class Fn>
    auto heavy(Fn&& fn) const -> decltype(fn()) {
        heavy_.acquire();
        struct Release {
            std::counting_semaphore<>& s;
            ~Release() { s.release(); }
        } release{heavy_};
        return fn();
    }

    Response asset(const Request& req) const {
        if (req.method != "GET" && req.method != "HEAD") return error(405, "", "the page is read with GET");
        const std::string_view path = req.path == "/" ? std::string_view("/index.html") : std::string_view(req.path);
        for (const Asset& a : options_.assets)
            if (a.path == path) return {200, std::string(a.content_type), std::string(a.body)};
        return error(404, "", "no page " + req.path.substr(0, 64));
    }

    const Poet& poet_;
    ApiOptions options_;
    std::string model_name_;
    std::unique_ptr<Batcher> batcher_;
    std::unique_ptr<ink::data::ScriptConverter> to_traditional_, to_simplified_;
    mutable std::mutex convert_mutex_;
    mutable std::counting_semaphore<> heavy_;
};

}  // namespace poem::serve
