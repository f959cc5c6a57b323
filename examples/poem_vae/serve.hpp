#pragma once
// The poem bot's JSON API and page (ink-poem serve), without the sockets: Api::handle turns a request
// into a response, so tests drive it directly; http.hpp puts it on cpp-httplib. request.hpp parses
// and bounds what the client sent (the endpoints are listed there, and in docs/poem.md); this file
// runs the parsed Call on the model.
//
// A field out of range, of the wrong type, unknown, or text that is not valid UTF-8 or holds
// characters the model does not know gets HTTP 400 and
// {"error": "<field>: <what was expected>", "field": "<field>", "model": "<name>"}.
//
// Scheduling (docs/benchmarks.md, "The poem web server"): every request's model work runs through
// one first-come-first-served gate with a slot per core, kernels single-threaded. httplib keeps a
// thread per connection; without the gate, 50 connections meant 50 runnable threads time-slicing 2
// cores, so every request took as long as all the others together and the slowest waited seconds
// (p99 0.3-4 s). Behind the gate a request waits its turn, then runs alone on its core.
//
// Dynamic batching (on by default; --no-batching turns it off): concurrent generate requests wait in a queue while
// the decoder runs; the next decoder product takes all of them at once (up to Limits::batch_rows
// couplets). The GEMM computes every output element by the same operations whatever the number of
// rows (kernels/detail/gemm_driver.hpp), so a request's couplets do not depend on who shared its
// batch: same seed, same answer.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "poet.hpp"
#include "request.hpp"

namespace poem::serve {

// A static file of the page, embedded in the binary.
struct Asset {
    std::string_view path;  // "/index.html"
    std::string_view content_type;
    std::string_view body;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// Runs callers on `slots` cores, each caller taking one or more slots, in the order they arrived (the
// oldest waiter goes first even when fewer slots would do for a later one). Each waiter sleeps on its
// own condition variable and a finishing caller hands the slots over, so a release wakes only the
// callers it admits, not all 50 (std::counting_semaphore promises no order, and can starve).
class FifoGate {
public:
    explicit FifoGate(int slots) : slots_(std::max(1, slots)), free_(slots_) {}

    template <class Fn>
    auto run(Fn&& fn, int slots = 1) -> decltype(fn()) {
        slots = std::clamp(slots, 1, slots_);
        enter(slots);
        struct Leave {
            FifoGate& gate;
            int slots;
            ~Leave() { gate.leave(slots); }
        } leave{*this, slots};
        return fn();
    }

private:
    struct Waiter {
        int slots;
        std::condition_variable wake;
        bool admitted = false;
    };
    void enter(int slots) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (queue_.empty() && free_ >= slots) {
            free_ -= slots;
            return;
        }
        Waiter me{slots, {}, false};
        queue_.push_back(&me);
        me.wake.wait(lock, [&] { return me.admitted; });
    }
    void leave(int slots) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_ += slots;
        while (!queue_.empty() && free_ >= queue_.front()->slots) {
            Waiter* next = queue_.front();
            queue_.pop_front();
            free_ -= next->slots;  // the slots pass to it directly
            next->admitted = true;
            next->wake.notify_one();
        }
    }

    const int slots_;
    std::mutex mutex_;
    std::deque<Waiter*> queue_;
    int free_;
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
    // Requests computed at once (the FifoGate's slots; with batching, also the decoder products run at
    // once). One per core, with kernels single-threaded (ink::set_num_threads(1)): OpenMP teams
    // started from many request threads spin-wait on each other, which cost 80% of the CPU in a
    // measurement.
    int compute_threads = 2;
    std::span<const Asset> assets;
};

class Api {
public:
    Api(const Poet& poet, ApiOptions options)
        : poet_(poet),
          options_(std::move(options)),
          model_name_(std::filesystem::path(poet.path()).filename().string()),
          gate_(options_.compute_threads) {
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
            return std::visit([this](const auto& call) { return run(call); },
                              parse_request(req, options_.limits, poet_.vocab().size()));
        } catch (const HttpError& e) {
            return error(e.status, e.field, e.field.empty() ? e.message : e.field + ": " + e.message);
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
    Response answer(json j) const {
        j["model"] = model_name_;
        return {200, "application/json", j.dump(-1, ' ', false, json::error_handler_t::replace)};
    }

    Response run(const Health&) const {
        const Limits& l = options_.limits;
        return answer({{"status", "ok"},
                       {"script", script_name(poet_.script())},
                       {"vocab", poet_.vocab().size()},
                       {"opencc", bool(to_traditional_)},
                       {"tones", !poet_.tones().empty()},
                       {"decode", {"argmax", "sample", "joint"}},
                       {"limits",
                        {{"n", l.max_n},
                         {"steps", l.max_steps},
                         {"starts", l.max_starts},
                         {"iterations", l.max_iterations},
                         {"tone_penalty", l.max_tone_penalty},
                         {"body_bytes", l.body_bytes}}}});
    }

    // The request's decoding options with the model's tone table; "tones" is refused by a model that
    // has none.
    DecodeOptions with_tones(const DecodeOptions& o) const {
        if (o.tone_penalty > 0 && poet_.tones().empty())
            throw HttpError{"tones", "expected false: this model has no tone table (metadata poem.tones)"};
        return poet_.decode_options(o);
    }
    static json decode_json(const DecodeOptions& o) {
        const char* names[] = {"argmax", "sample", "joint"};
        return {{"decode", names[int(o.method)]},
                {"temperature", o.temperature},
                {"top_k", o.top_k},
                {"repeat_penalty", o.repeat_penalty},
                {"tones", o.tone_penalty > 0},
                {"tone_penalty", o.tone_penalty}};
    }
    static std::uint64_t seed_or_fresh(const std::optional<std::uint64_t>& seed) {
        if (seed) return *seed;
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
            throw HttpError{field, e.what()};
        }
    }

    Response run(const Generate& g) const {
        const std::uint64_t s = seed_or_fresh(g.seed);
        const DecodeOptions opt = with_tones(g.decode);
        const index_t n = g.n, V = poet_.hyper().vocab;
        std::vector<Couplet> out;
        out.reserve(std::size_t(n));
        auto decode = [&](Tensor<float>& logits) {
            ink::Rng pick = Poet::generate_rng(s);
            decode_rows(logits.data(), n, V, opt, pick, out);
        };
        if (batcher_) {
            Tensor<float> logits = batcher_->logits(poet_.generate_latents(n, s));
            gate_.run([&] { decode(logits); });
        } else {
            gate_.run([&] {
                Tensor<float> logits = poet_.decoder_logits(poet_.generate_latents(n, s));
                decode(logits);
            });
        }
        json j = decode_json(opt);
        j["seed"] = s;
        j["n"] = n;
        j["couplets"] = couplets(out);
        return answer(std::move(j));
    }

    Response run(const Acrostic& req) const {
        AcrosticOptions a;
        a.seed = seed_or_fresh(req.seed);
        a.starts = req.starts;
        a.iterations = req.iterations;
        const DecodeOptions opt = with_tones(req.decode);
        const auto ids = parse_text("heads", [&] { return poet_.parse_heads(req.heads); });
        // One core per request: under load the other core serves the next request in the queue.
        const Couplet c = gate_.run([&] { return poet_.acrostic(ids, opt, a); });
        json j = decode_json(opt);
        j["seed"] = a.seed;
        j["starts"] = a.starts;
        j["iterations"] = a.iterations;
        j["heads"] = req.heads;
        j["couplet"] = poet_.format(c);
        return answer(std::move(j));
    }

    Response run(const Interpolate& req) const {
        const DecodeOptions opt = with_tones(req.decode);
        const Couplet ca = parse_text("a", [&] { return poet_.parse_couplet(req.a); });
        const Couplet cb = parse_text("b", [&] { return poet_.parse_couplet(req.b); });
        const auto cs = gate_.run([&] { return poet_.interpolate(ca, cb, req.steps, opt); });
        json j = decode_json(opt);
        j["steps"] = req.steps;
        j["weights"] = json::array();
        for (index_t s = 0; s < req.steps; ++s) j["weights"].push_back(double(s) / double(req.steps - 1));
        j["couplets"] = couplets(cs);
        return answer(std::move(j));
    }

    Response run(const Reconstruct& req) const {
        const DecodeOptions opt = with_tones(req.decode);
        const Couplet c = parse_text("couplet", [&] { return poet_.parse_couplet(req.couplet); });
        const Couplet out = gate_.run([&] { return poet_.reconstruct(c, opt); });
        json j = decode_json(opt);
        j["input"] = poet_.format(c);
        j["couplet"] = poet_.format(out);
        return answer(std::move(j));
    }

    Response run(const Convert& req) const {
        if (!to_traditional_) return error(501, "", "this build has no OpenCC: no script conversion");
        const ink::data::ScriptConverter& c = req.to == "traditional" ? *to_traditional_ : *to_simplified_;
        json out = json::array();
        {
            std::lock_guard<std::mutex> lock(convert_mutex_);  // OpenCC does not promise thread safety
            for (const std::string& t : req.texts) out.push_back(c.convert(t));
        }
        return answer({{"to", req.to}, {"texts", out}});
    }

    Response run(const Page& page) const {
        for (const Asset& a : options_.assets)
            if (a.path == page.path) return {200, std::string(a.content_type), std::string(a.body)};
        return error(404, "", "no page " + page.path.substr(0, 64));
    }

    const Poet& poet_;
    ApiOptions options_;
    std::string model_name_;
    std::unique_ptr<Batcher> batcher_;
    std::unique_ptr<ink::data::ScriptConverter> to_traditional_, to_simplified_;
    mutable std::mutex convert_mutex_;
    mutable FifoGate gate_;
};

}  // namespace poem::serve
