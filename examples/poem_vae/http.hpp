#pragma once
// ink-poem serve: the Api of serve.hpp on cpp-httplib (Debian libcpp-httplib-dev, the split build:
// link -lcpp-httplib). Only this header includes httplib.
//
// cpp-httplib keeps a worker thread for each open connection, for as long as it is kept alive: with
// its default pool of 8 workers, the 9th of 50 keep-alive clients waits for a connection to close,
// and Nagle's algorithm delays small answers by 40 ms. Measured on a trivial endpoint: 300 requests/s
// with the defaults, 35,000 with TCP_NODELAY, 1,000 requests per connection and a larger pool. So
// the pool is sized for connections, not cores; the model work itself is bounded elsewhere (the
// batcher's single product at a time, the heavy slots).
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "serve.hpp"

namespace poem::serve {

struct HttpOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    int workers = 64;  // connections served at once
};

// The query comes from the URL only (request.hpp's parse_query): httplib also merges a form-encoded
// body into params (and curl -d sends JSON labelled as a form), but the API's bodies are JSON.
inline Request to_request(const httplib::Request& r, const Limits& limits) {
    Request out{r.method, r.path, {}, r.body};
    const auto q = r.target.find('?');
    if (q != std::string::npos) out.query = parse_query(std::string_view(r.target).substr(q + 1), limits.query_bytes);
    return out;
}

// Serves until the process ends; returns false (after saying why) when it cannot listen.
inline bool run_http(const Api& api, const HttpOptions& o) {
    httplib::Server server;
    server.new_task_queue = [n = o.workers] { return new httplib::ThreadPool(std::size_t(n)); };
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(5);
    server.set_read_timeout(5, 0);  // a client that sends slowly holds a worker at most this long
    server.set_write_timeout(5, 0);
    const std::size_t body_bytes = api.limits().body_bytes;
    server.set_payload_max_length(body_bytes);  // httplib answers 413 beyond it
    server.set_default_headers({{"Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:"},
                                {"X-Content-Type-Options", "nosniff"},
                                {"Cache-Control", "no-store"}});

    // One log line per request: method, path, status, milliseconds from the end of its headers.
    using Clock = std::chrono::steady_clock;
    static thread_local Clock::time_point started{};
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        started = Clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        const double ms = started == Clock::time_point{}
                              ? 0.0
                              : std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        started = {};
        std::fprintf(stderr, "%s %.200s %d %.2f ms\n", req.method.c_str(), req.path.c_str(), res.status, ms);
    });
    // httplib's own refusals (413, 400 for a bad request line) get a JSON message too.
    const httplib::Server::HandlerWithResponse json_errors = [&api, body_bytes](const httplib::Request&,
                                                                              httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string what = res.status == 413 ? "body: expected at most " + std::to_string(body_bytes) + " bytes"
                                                   : "the request could not be read (HTTP " + std::to_string(res.status) + ")";
        const Response e = api.error(res.status, res.status == 413 ? "body" : "", what);
        res.set_content(e.body, e.content_type);
        return httplib::Server::HandlerResponse::Handled;
    };
    server.set_error_handler(json_errors);

    auto handle = [&api](const httplib::Request& req, httplib::Response& res) {
        Response r;
        try {
            r = api.handle(to_request(req, api.limits()));
        } catch (const HttpError& e) {
            r = api.error(e.status, e.field, e.field + ": " + e.message);
        }
        res.status = r.status;
        res.set_content(r.body, r.content_type);
    };
    server.Get(".*", handle);  // and HEAD
    server.Post(".*", handle);
    server.Put(".*", handle);
    server.Delete(".*", handle);
    server.Patch(".*", handle);
    server.Options(".*", handle);

    const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
    if (port < 0) {
        std::fprintf(stderr, "ink-poem serve: cannot listen on %s:%d\n", o.host.c_str(), o.port);
        return false;
    }
    // The test harness reads the port from this line (it starts the server with --port 0).
    std::fprintf(stderr, "ink-poem serve: listening on http://%s:%d/ (model %s)\n", o.host.c_str(), port, api.model_name().c_str());
    return server.listen_after_bind();
}

}  // namespace poem::serve
