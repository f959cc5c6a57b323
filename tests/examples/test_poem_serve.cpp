// examples/poem_vae/serve.hpp: the poem bot's JSON API without sockets. Answers have the promised
// form and name the model, the same seed gives the same answer (POST, GET, batched or not), bad input
// gets a 400 naming the field, the page comes only from its own table, and many threads hammering
// every endpoint at once get exactly the single-threaded answers.
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../../examples/poem_vae/serve.hpp"
#include "../../examples/poem_vae/trainer.hpp"

using namespace poem;
using namespace poem::serve;

namespace {

// The shipped model when the source tree has one, else a tiny model trained for an epoch on the
// fixture corpus (its vocabulary holds the couplets used below).
const std::string& model_path() {
    static const std::string path = [] {
        const std::filesystem::path shipped =
            std::filesystem::path(INK_TEST_FIXTURES_DIR) / ".." / ".." / "models" / "poem-simplified.safetensors";
        if (std::filesystem::exists(shipped)) return shipped.string();
        const std::string tiny = (std::filesystem::temp_directory_path() / "ink_test_poem_serve.safetensors").string();
        const auto corpus = ink::data::load_tang_corpus(std::filesystem::path(INK_TEST_FIXTURES_DIR) / "data" / "poems",
                                                        ink::data::Script::traditional);
        Hyper h;
        h.vocab = corpus.vocab.size();
        Trainer trainer(h, corpus.train, 3);
        Tensor<std::int32_t> buffer = Tensor<std::int32_t>::empty({kBatch, kLength});
        for (auto rows = trainer.batches.next(); !rows.empty(); rows = trainer.batches.next())
            trainer.step(ink::data::gather_rows(corpus.train, rows, buffer));
        ink::io::CheckpointInfo info;
        info.metadata = {{"poem.vocab", corpus.vocab.to_json()}, {"poem.script", "traditional"},
                         {"poem.hyper", to_json(h).dump()}};
        ink::io::save_checkpoint(tiny, trainer.model, nullptr, info);
        return tiny;
    }();
    return path;
}

const Poet& poet() {
    static const Poet p(model_path());
    return p;
}

// Two couplets of the model's vocabulary: its first 20 characters.
std::string couplet_text(int which) {
    std::string s;
    for (int i = 0; i < kLength; ++i) {
        if (i == kLine) s += "，";
        s += poet().vocab().token(std::int32_t((which * kLength + i) % poet().vocab().size()));
    }
    return s;
}

Response post(const Api& api, const std::string& path, const json& body) {
    return api.handle({"POST", path, {}, body.dump()});
}

json ok(const Response& r) {
    INFO(r.body);
    REQUIRE(r.status == 200);
    const json j = json::parse(r.body);
    CHECK(j.at("model").get<std::string>() == std::filesystem::path(model_path()).filename().string());
    return j;
}

// "AAAAA，BBBBB": five characters of the vocabulary, the full-width comma, five more.
void check_couplet(const std::string& text) {
    INFO(text);
    std::size_t pos = 0;
    char32_t cp = 0;
    int chars = 0;
    while (pos < text.size()) {
        REQUIRE(ink::data::utf8::next(text, pos, cp));
        if (chars == kLine) CHECK(cp == U'，');
        ++chars;
    }
    CHECK(chars == kLength + 1);
    CHECK_NOTHROW(poet().parse_couplet(text));
}

ApiOptions options(bool batching) {
    ApiOptions o;
    o.batching = batching;
    o.compute_threads = 2;
    return o;
}

// The requests of the concurrency test: every endpoint, several seeds and modes. Small searches keep
// the test quick under the sanitizers.
std::vector<std::pair<std::string, json>> mixed_requests() {
    std::vector<std::pair<std::string, json>> r;
    for (int seed = 0; seed < 6; ++seed) {
        r.push_back({"/api/generate", {{"n", 1 + seed * 3}, {"seed", seed}, {"decode", "joint"}}});
        r.push_back({"/api/generate", {{"n", 4}, {"seed", seed}, {"decode", "sample"}, {"top_k", 5}}});
        r.push_back({"/api/generate", {{"n", 2}, {"seed", seed}, {"decode", "argmax"}}});
        if (!poet().tones().empty()) r.push_back({"/api/generate", {{"n", 3}, {"seed", seed}, {"tones", true}}});
    }
    r.push_back({"/api/acrostic", {{"heads", poet().vocab().token(1) + poet().vocab().token(2)},
                                   {"seed", 4}, {"starts", 2}, {"iterations", 3}}});
    r.push_back({"/api/interpolate", {{"a", couplet_text(0)}, {"b", couplet_text(1)}, {"steps", 3}}});
    r.push_back({"/api/reconstruct", {{"couplet", couplet_text(1)}, {"decode", "sample"}}});
    r.push_back({"/healthz", nullptr});
    return r;
}

Response send(const Api& api, const std::pair<std::string, json>& req) {
    if (req.second.is_null()) return api.handle({"GET", req.first, {}, ""});
    return post(api, req.first, req.second);
}

}  // namespace

TEST_CASE("poem serve: every endpoint answers couplets as text, naming the model") {
    const Api api(poet(), options(true));
    const json health = ok(api.handle({"GET", "/healthz", {}, ""}));
    CHECK(health.at("status") == "ok");
    CHECK(health.at("vocab") == poet().vocab().size());

    const json gen = ok(post(api, "/api/generate", {{"n", 10}, {"seed", 7}}));
    REQUIRE(gen.at("couplets").size() == 10);
    for (const auto& c : gen.at("couplets")) check_couplet(c.get<std::string>());
    CHECK(gen.at("seed") == 7);
    // The server's couplets are Poet's (and so the command line's).
    const auto direct = poet().generate(10, 7, DecodeOptions{});
    for (std::size_t i = 0; i < direct.size(); ++i) CHECK(gen.at("couplets")[i] == poet().format(direct[i]));

    const std::string heads = poet().vocab().token(3) + poet().vocab().token(5);
    const json acro = ok(post(api, "/api/acrostic", {{"heads", heads}, {"seed", 2}, {"starts", 2}, {"iterations", 4}}));
    const std::string c = acro.at("couplet").get<std::string>();
    check_couplet(c);
    const std::size_t comma = c.find("，");
    REQUIRE(comma != std::string::npos);
    CHECK(c.starts_with(poet().vocab().token(3)));
    CHECK(c.substr(comma + std::string("，").size()).starts_with(poet().vocab().token(5)));

    const json inter = ok(post(api, "/api/interpolate", {{"a", couplet_text(0)}, {"b", couplet_text(1)}, {"steps", 5}}));
    REQUIRE(inter.at("couplets").size() == 5);
    for (const auto& x : inter.at("couplets")) check_couplet(x.get<std::string>());
    CHECK(inter.at("weights").front() == 0.0);
    CHECK(inter.at("weights").back() == 1.0);

    const json rec = ok(post(api, "/api/reconstruct", {{"couplet", couplet_text(0)}}));
    check_couplet(rec.at("couplet").get<std::string>());
    CHECK(rec.at("input") == couplet_text(0));
}

TEST_CASE("poem serve: the same seed gives the same answer, by POST or GET, batched or not") {
    const Api batched(poet(), options(true)), single(poet(), options(false));
    for (const char* mode : {"argmax", "sample", "joint"}) {
        const json body = {{"n", 6}, {"seed", 123}, {"decode", mode}, {"temperature", 0.8}, {"top_k", 4}};
        const json a = ok(post(batched, "/api/generate", body));
        const json b = ok(post(single, "/api/generate", body));
        const json c = ok(batched.handle(
            {"GET", "/api/generate", {{"n", "6"}, {"seed", "123"}, {"decode", mode}, {"temperature", "0.8"}, {"top_k", "4"}}, ""}));
        CHECK(a.at("couplets") == b.at("couplets"));
        CHECK(a.at("couplets") == c.at("couplets"));
    }
    const json x = ok(post(batched, "/api/generate", {{"n", 3}, {"seed", 1}}));
    const json y = ok(post(batched, "/api/generate", {{"n", 3}, {"seed", 2}}));
    CHECK(x.at("couplets") != y.at("couplets"));
    // Without a seed the server draws one and says which, so that the answer can be had again.
    const json fresh = ok(post(batched, "/api/generate", {{"n", 2}}));
    const json again = ok(post(batched, "/api/generate", {{"n", 2}, {"seed", fresh.at("seed")}}));
    CHECK(fresh.at("couplets") == again.at("couplets"));
}

TEST_CASE("poem serve: bad input gets HTTP 400 naming the field") {
    const Api api(poet(), options(true));
    const std::string heads = poet().vocab().token(1) + poet().vocab().token(2);
    struct Case {
        std::string path, body, field;
    };
    const std::vector<Case> cases = {
        {"/api/generate", R"({"n": 0})", "n"},
        {"/api/generate", R"({"n": 101})", "n"},
        {"/api/generate", R"({"n": "10"})", "n"},
        {"/api/generate", R"({"n": 2.5})", "n"},
        {"/api/generate", R"({"n": 18446744073709551615})", "n"},
        {"/api/generate", R"({"seed": -1})", "seed"},
        {"/api/generate", R"({"seed": 9007199254740992})", "seed"},
        {"/api/generate", R"({"decode": "best"})", "decode"},
        {"/api/generate", R"({"temperature": 0})", "temperature"},
        {"/api/generate", R"({"temperature": 1e9})", "temperature"},
        {"/api/generate", R"({"top_k": -1})", "top_k"},
        {"/api/generate", R"({"repeat_penalty": true})", "repeat_penalty"},
        {"/api/generate", R"({"n": 3, "colour": "red"})", "colour"},
        {"/api/generate", R"([1, 2])", "body"},
        {"/api/generate", R"({"n": )", "body"},
        {"/api/generate", "{\"decode\": \"\xff\"}", "body"},  // invalid UTF-8
        {"/api/generate", "{\"n\": 2}" + std::string(20000, ' '), "body"},
        {"/api/acrostic", R"({})", "heads"},
        {"/api/acrostic", R"({"heads": 5})", "heads"},
        {"/api/acrostic", json{{"heads", poet().vocab().token(1)}}.dump(), "heads"},
        {"/api/acrostic", json{{"heads", heads + poet().vocab().token(3)}}.dump(), "heads"},
        {"/api/acrostic", R"({"heads": "@#"})", "heads"},
        {"/api/acrostic", json{{"heads", heads}, {"iterations", 201}}.dump(), "iterations"},
        {"/api/acrostic", json{{"heads", heads}, {"starts", 0}}.dump(), "starts"},
        {"/api/acrostic", json{{"heads", std::string(300, 'x')}}.dump(), "heads"},
        {"/api/interpolate", json{{"a", couplet_text(0)}}.dump(), "b"},
        {"/api/interpolate", json{{"a", couplet_text(0)}, {"b", couplet_text(1)}, {"steps", 1}}.dump(), "steps"},
        {"/api/interpolate", json{{"a", couplet_text(0)}, {"b", couplet_text(1)}, {"steps", 33}}.dump(), "steps"},
        {"/api/interpolate", json{{"a", couplet_text(0).substr(0, 15)}, {"b", couplet_text(1)}}.dump(), "a"},
        {"/api/reconstruct", json{{"couplet", couplet_text(0) + poet().vocab().token(0)}}.dump(), "couplet"},
        {"/api/reconstruct", R"({"couplet": "abcde，fghij"})", "couplet"},
        {"/api/convert", R"({"texts": ["a"], "to": "klingon"})", "to"},
        {"/api/convert", R"({"texts": "a", "to": "traditional"})", "texts"},
        {"/api/generate", R"({"tones": "yes"})", "tones"},
        {"/api/generate", R"({"tones": true, "decode": "sample"})", "tones"},
        {"/api/generate", R"({"tone_penalty": 2})", "tone_penalty"},
        {"/api/generate", R"({"tones": true, "tone_penalty": -1})", "tone_penalty"},
        {"/api/generate", R"({"tones": true, "tone_penalty": 101})", "tone_penalty"},
        {"/api/acrostic", json{{"heads", heads}, {"tones", true}, {"decode", "argmax"}}.dump(), "tones"},
    };
    for (const Case& c : cases) {
        INFO(c.path << " " << c.body.substr(0, 80));
        const Response r = api.handle({"POST", c.path, {}, c.body});
        CHECK(r.status == 400);
        const json j = json::parse(r.body);
        CHECK(j.at("field") == c.field);
        CHECK(j.at("error").get<std::string>().starts_with(c.field + ": "));
        CHECK(j.contains("model"));
    }
    // Query parameters: each value is text, parsed strictly.
    for (const auto& param : std::vector<std::pair<std::string, std::string>>{
             {"n", "1e3"}, {"n", " 5"}, {"seed", "+3"}, {"temperature", "nan"}, {"nope", "1"}, {"decode", "\xc3"}}) {
        const std::string& key = param.first;  // not a structured binding: INFO captures it (clang 14)
        const std::string& value = param.second;
        INFO(key << "=" << value);
        const Response r = api.handle({"GET", "/api/generate", {{key, value}}, ""});
        CHECK(r.status == 400);
        CHECK(json::parse(r.body).at("field") == key);
    }
    CHECK(api.handle({"GET", "/api/generate", {{"tones", "maybe"}}, ""}).status == 400);
    CHECK(api.handle({"GET", "/api/generate", {{"n", "1"}, {"n", "2"}}, ""}).status == 400);
    // POST takes a body only; an empty name is a field too (both found by fuzz_poem_request).
    CHECK(json::parse(api.handle({"POST", "/api/generate", {{"n", "1"}}, "{}"}).body).at("field") == "query");
    CHECK(json::parse(api.handle({"GET", "/api/generate", {{"", "1"}}, ""}).body).at("field") == "(an empty field name)");
    CHECK(api.handle({"GET", "/api/acrostic", {}, ""}).status == 405);
    CHECK(api.handle({"DELETE", "/api/generate", {}, ""}).status == 405);
    CHECK(api.handle({"GET", "/api/nothing", {}, ""}).status == 404);
}

TEST_CASE("poem serve: query strings are percent-decoded strictly and bounded") {
    const auto q = parse_query("n=3&heads=%E6%98%A5%e9%a3%8e&a+b=c%2Bd&&flag&seed=", 2048);
    const std::multimap<std::string, std::string> expected = {
        {"n", "3"}, {"heads", "春风"}, {"a b", "c+d"}, {"flag", ""}, {"seed", ""}};
    CHECK(q == expected);
    for (const char* bad : {"n=%", "n=%4", "n=%G1", "%zz=1", "n=1%"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_query(bad, 2048), HttpError);
    }
    CHECK_THROWS_AS(parse_query(std::string(2049, 'a'), 2048), HttpError);
    try {
        parse_query("n=%4", 2048);
    } catch (const HttpError& e) {
        CHECK(e.field == "query");
        CHECK(e.status == 400);
    }
}

TEST_CASE("poem serve: tone-aware decoding, as the command line's --tones") {
    const Api api(poet(), options(false));
    CHECK(ok(api.handle({"GET", "/healthz", {}, ""})).at("tones") == !poet().tones().empty());
    const json body = {{"n", 6}, {"seed", 11}, {"tones", true}};
    const Response r = post(api, "/api/generate", body);
    if (poet().tones().empty()) {  // the tiny fixture model has no tone table: refused, naming the field
        CHECK(r.status == 400);
        CHECK(json::parse(r.body).at("field") == "tones");
        return;
    }
    const json tonal = ok(r);
    CHECK(tonal.at("tones") == true);
    CHECK(tonal.at("tone_penalty") == doctest::Approx(kDefaultTonePenalty));
    DecodeOptions cli;  // ink-poem generate --tones (main.cpp: joint, penalty 3)
    cli.tone_penalty = 3.0f;
    const auto direct = poet().generate(6, 11, cli);
    REQUIRE(tonal.at("couplets").size() == direct.size());
    for (std::size_t i = 0; i < direct.size(); ++i) CHECK(tonal.at("couplets")[i] == poet().format(direct[i]));
    // The tones change the answer (else the field would do nothing) and follow the penalty.
    const json plain = ok(post(api, "/api/generate", {{"n", 6}, {"seed", 11}}));
    CHECK(plain.at("tones") == false);
    CHECK(plain.at("couplets") != tonal.at("couplets"));
    const json free = ok(post(api, "/api/generate", {{"n", 6}, {"seed", 11}, {"tones", true}, {"tone_penalty", 0}}));
    CHECK(free.at("couplets") == plain.at("couplets"));
    // GET takes the same field.
    CHECK(ok(api.handle({"GET", "/api/generate", {{"n", "6"}, {"seed", "11"}, {"tones", "true"}}, ""})).at("couplets") ==
          tonal.at("couplets"));
    const std::string heads = poet().vocab().token(3) + poet().vocab().token(5);
    CHECK(ok(post(api, "/api/acrostic", {{"heads", heads}, {"starts", 2}, {"iterations", 2}, {"tones", true}}))
              .at("tones") == true);
}

TEST_CASE("poem serve: the page comes only from its own table") {
    const Asset page[] = {{"/index.html", "text/html", "<p>hi</p>"}, {"/app.js", "text/javascript", "1;"}};
    ApiOptions o = options(false);
    o.assets = page;
    const Api api(poet(), o);
    CHECK(api.handle({"GET", "/", {}, ""}).body == "<p>hi</p>");
    const Response js = api.handle({"GET", "/app.js", {}, ""});
    CHECK(js.status == 200);
    CHECK(js.content_type == "text/javascript");
    for (const char* path : {"/../../etc/passwd", "/etc/passwd", "/index.html/", "/./index.html", "//index.html", "/style.css"})
        CHECK(api.handle({"GET", path, {}, ""}).status == 404);
    CHECK(api.handle({"POST", "/index.html", {}, ""}).status == 405);
}

TEST_CASE("poem serve: many threads at once get the single-threaded answers") {
    const auto requests = mixed_requests();
    std::vector<std::string> expected;
    {
        const Api single(poet(), options(false));
        for (const auto& r : requests) expected.push_back(send(single, r).body);
    }
    const Api api(poet(), options(true));
    // As ink-poem serve runs: parallel across requests, kernels single-threaded.
    const int kernel_threads = ink::num_threads();
    ink::set_num_threads(1);
    constexpr int kThreads = 12, kRounds = 3;
    std::vector<std::vector<std::string>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < kRounds; ++round)
                for (std::size_t i = 0; i < requests.size(); ++i) {
                    const std::size_t k = (i + std::size_t(t) * 5) % requests.size();  // each thread its own order
                    got[std::size_t(t)].push_back(std::to_string(k) + " " + send(api, requests[k]).body);
                }
        });
    for (std::thread& t : threads) t.join();
    ink::set_num_threads(kernel_threads);
    for (int t = 0; t < kThreads; ++t)
        for (const std::string& g : got[std::size_t(t)]) {
            const std::size_t space = g.find(' ');
            const std::size_t k = std::stoul(g.substr(0, space));
            CHECK(g.substr(space + 1) == expected[k]);
        }
    CHECK(api.batcher()->products() > 0);
}
