// The poem page's WebAssembly module (docs/wasm.md): the JSON API of ink-poem serve (serve.hpp's
// Api::handle, without sockets) called from JavaScript (web/api.js, backend "wasm"), so that the
// static page and the served page share one API and one UI. The page fetches the model and writes it
// into emscripten's in-memory file system; ink_poem_load then reads it like any other file.
//
// Every entry point catches what it throws: a C++ exception must not unwind into JavaScript.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/gemm.hpp"
#include "serve.hpp"

namespace {

struct Loaded {
    std::unique_ptr<poem::Poet> poet;
    std::unique_ptr<poem::serve::Api> api;
};
Loaded& loaded() {
    static Loaded l;
    return l;
}
// The last answer, kept until the next call (JavaScript copies it at once).
std::string& last_answer() {
    static std::string s;
    return s;
}
int last_status = 0;

}  // namespace

extern "C" {

// Loads the model at `path` (in the module's file system); returns "" or why the file is not a model.
EMSCRIPTEN_KEEPALIVE const char* ink_poem_load(const char* path) {
    try {
        auto poet = std::make_unique<poem::Poet>(path);
        poem::serve::ApiOptions options;
        options.batching = false;  // no threads in this build: each request runs its own decoder product
        options.compute_threads = 1;
        auto api = std::make_unique<poem::serve::Api>(*poet, options);
        loaded() = {std::move(poet), std::move(api)};
        last_answer().clear();
    } catch (const std::exception& e) {
        last_answer() = e.what();
    }
    return last_answer().c_str();
}

// One API request (method, path such as "/api/generate", JSON body or ""); returns the JSON answer,
// whose HTTP status ink_poem_status() then gives.
EMSCRIPTEN_KEEPALIVE const char* ink_poem_handle(const char* method, const char* path, const char* body) {
    if (!loaded().api) {
        last_status = 503;
        last_answer() = R"({"error": "no model is loaded"})";
        return last_answer().c_str();
    }
    poem::serve::Request req{method, path, {}, body};
    poem::serve::Response res = loaded().api->handle(req);
    last_status = res.status;
    last_answer() = std::move(res.body);
    return last_answer().c_str();
}

EMSCRIPTEN_KEEPALIVE int ink_poem_status() { return last_status; }

// For docs/wasm.md's measurement: GFLOP/s of ink's float GEMM C (M x N) = A (M x K) B (K x N) on
// random inputs, the median of `reps` timings after one warm-up. Each timing runs as many products as
// take at least 20 ms: browsers coarsen their clock (about 0.1 ms in Chromium), and one 256^3 product
// takes about 1 ms, so timing single products measures the clock's steps.
EMSCRIPTEN_KEEPALIVE double ink_poem_gemm_gflops(int M, int N, int K, int reps) {
    using ink::index_t;
    if (M < 1 || N < 1 || K < 1 || reps < 1 || double(M) * N * K > 1e11) return -1;
    std::vector<float> A(std::size_t(M) * K), B(std::size_t(K) * N), C(std::size_t(M) * N);
    ink::Rng rng(1);
    rng.fill_uniform(A.data(), index_t(A.size()), -1.f, 1.f);
    rng.fill_uniform(B.data(), index_t(B.size()), -1.f, 1.f);
    auto product = [&] {
        ink::kernels::gemm<float>(ink::kernels::Trans::No, ink::kernels::Trans::No, M, N, K, 1.f, A.data(), K, B.data(),
                                  N, 0.f, C.data(), N);
    };
    const double w0 = emscripten_get_now();
    product();
    const double once_ms = std::max(emscripten_get_now() - w0, 0.01);
    const int batch = std::clamp(int(std::ceil(20.0 / once_ms)), 1, 100000);
    std::vector<double> seconds;
    for (int r = 0; r < reps; ++r) {
        const double t0 = emscripten_get_now();
        for (int i = 0; i < batch; ++i) product();
        seconds.push_back((emscripten_get_now() - t0) / 1e3 / batch);
    }
    std::sort(seconds.begin(), seconds.end());
    return 2.0 * M * N * K / seconds[seconds.size() / 2] / 1e9;
}

}  // extern "C"
