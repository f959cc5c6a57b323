// ink-conv-bench: GFLOP/s of conv1d forward, backward-data and backward-weight for ink f32, ink bf16
// (conv1d_bf16.hpp: float in and out, bf16 products), the Eigen baseline (im2col + product) and, when
// built with oneDNN (onednn_baselines.hpp: nwc activations, weights in the layout oneDNN chose), oneDNN
// f32 and bf16, all in one run. Each figure is the median of --reps timed runs of as many calls as fit
// in about 0.1 s, and is also given as a percentage of the precision's peak, measured in the same run
// by a multiply-add loop on as many threads (peak_flops.hpp; Eigen is held against the f32 peak).
//
//   ink-conv-bench --batch 64 --length 256 --cin 128 --cout 256 --kernel 3 --padding same --threads 2
//   ink-conv-bench --shapes shapes.txt --json      (file format: conv_shapes.hpp)
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "conv_shapes.hpp"
#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/conv1d_bf16.hpp"
#include "ink/simd/vec.hpp"
#include "peak_flops.hpp"
#if defined(INK_BENCH_ONEDNN)
#include "onednn_baselines.hpp"
#endif

namespace {

using ink::index_t;
namespace k = ink::kernels;

// Median over reps of the seconds per call of fn.
double median_seconds(const std::function<void()>& fn, int reps) {
    using clock = std::chrono::steady_clock;
    fn();  // warm up: page faults, packing buffers, OpenMP threads
    const auto t0 = clock::now();
    fn();
    const double once = std::max(1e-7, std::chrono::duration<double>(clock::now() - t0).count());
    const int calls = std::max(1, static_cast<int>(0.1 / once));
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
        const auto start = clock::now();
        for (int c = 0; c < calls; ++c) fn();
        times.push_back(std::chrono::duration<double>(clock::now() - start).count() / calls);
    }
    std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
    return times[std::size_t(reps / 2)];
}

// One implementation's three passes.
struct Impl {
    std::string name;  // JSON key: ink_f32, ink_bf16, eigen, onednn_f32, onednn_bf16
    std::string label;
    ink::bench::PeakKind precision;
    std::function<void()> pass[3];
};
constexpr const char* kPasses[] = {"forward", "backward-data", "backward-weight"};

struct Peaks {
    double f32 = 0, bf16 = 0;
    double of(ink::bench::PeakKind kind) const { return kind == ink::bench::PeakKind::f32 ? f32 : bf16; }
};

// Times every implementation on p; prints the table (or returns it as JSON when json).
nlohmann::json bench_shape(const k::Conv1dParams& p, int threads, int reps, const Peaks& peaks, bool json) {
    const index_t Lo = p.length_out();
    std::vector<float> x(p.batch * p.length * p.channels_in), w(p.kernel * p.channels_in * p.channels_out);
    std::vector<float> bias(p.channels_out), dy(p.batch * Lo * p.channels_out), y(dy.size()), dx(x.size()),
        dw(w.size());
    ink::Rng rng(1);
    for (auto* v : {&x, &w, &bias, &dy}) rng.fill_uniform(v->data(), index_t(v->size()), -1.f, 1.f);
    ink::bench::EigenConv1d<float> eigen(p);
    using ink::bench::PeakKind;

    std::vector<Impl> impls;
    impls.push_back({"ink_f32", "ink f32", PeakKind::f32,
                     {[&] { k::conv1d_forward(p, x.data(), w.data(), bias.data(), y.data()); },
                      [&] { k::conv1d_backward_data(p, dy.data(), w.data(), dx.data()); },
                      [&] { k::conv1d_backward_weight(p, x.data(), dy.data(), dw.data()); }}});
    impls.push_back({"ink_bf16", ink::simd::kHasBf16Dot ? "ink bf16" : "ink bf16 (emul.)", PeakKind::bf16,
                     {[&] { k::conv1d_forward_bf16(p, x.data(), w.data(), bias.data(), y.data()); },
                      [&] { k::conv1d_backward_data_bf16(p, dy.data(), w.data(), dx.data()); },
                      [&] { k::conv1d_backward_weight_bf16(p, x.data(), dy.data(), dw.data()); }}});
    impls.push_back({"eigen", "eigen", PeakKind::f32,
                     {[&] { eigen.forward(x.data(), w.data(), bias.data(), y.data()); },
                      [&] { eigen.backward_data(dy.data(), w.data(), dx.data()); },
                      [&] { eigen.backward_weight(x.data(), dy.data(), dw.data()); }}});
    nlohmann::json kernels_chosen = nlohmann::json::object(), unavailable = nlohmann::json::object();
#if defined(INK_BENCH_ONEDNN)
    using ink::bench::onednn::dt;
    std::vector<std::unique_ptr<ink::bench::onednn::Conv1d>> onednn;
    for (const auto& [type, kind, suffix] : {std::tuple{dt::f32, PeakKind::f32, "f32"},
                                             std::tuple{dt::bf16, PeakKind::bf16, "bf16"}}) {
        try {
            onednn.push_back(std::make_unique<ink::bench::onednn::Conv1d>(p, type, x.data(), w.data(), bias.data(),
                                                                          dy.data(), y.data(), dx.data()));
        } catch (const dnnl::error& e) {
            unavailable[std::string("onednn_") + suffix] = ink::bench::onednn::unavailable(type, e);
            continue;
        }
        auto& conv = *onednn.back();
        impls.push_back({std::string("onednn_") + suffix, std::string("onednn ") + suffix, kind,
                         {[&conv] { conv.forward(); }, [&conv] { conv.backward_data(); },
                          [&conv] { conv.backward_weight(); }}});
        kernels_chosen[impls.back().name] = conv.implementations();
    }
#endif

    const double gflop = 1e-9 * p.flops();
    nlohmann::json result = {{"batch", p.batch},       {"length", p.length},     {"cin", p.channels_in},
                             {"cout", p.channels_out}, {"kernel", p.kernel},     {"stride", p.stride},
                             {"dilation", p.dilation}, {"pad_left", p.pad_left}, {"pad_right", p.pad_right},
                             {"length_out", Lo},       {"gflop_per_pass", gflop}};
    if (!json) {
        std::printf("\nconv1d B%lld L%lld %lld->%lld k%lld stride %lld dilation %lld pad %lld+%lld (Lout %lld), "
                    "%d thread(s); GFLOP/s (%% of the precision's peak)\n",
                    (long long)p.batch, (long long)p.length, (long long)p.channels_in, (long long)p.channels_out,
                    (long long)p.kernel, (long long)p.stride, (long long)p.dilation, (long long)p.pad_left,
                    (long long)p.pad_right, (long long)Lo, threads);
        std::printf("%-16s", "pass");
        for (const Impl& impl : impls) std::printf(" %16s", impl.label.c_str());
        std::printf("\n");
    }
    for (int pass = 0; pass < 3; ++pass) {
        if (!json) std::printf("%-16s", kPasses[pass]);
        for (const Impl& impl : impls) {
            const double rate = gflop / median_seconds(impl.pass[pass], reps);
            const double peak = peaks.of(impl.precision);
            const double percent = peak > 0 ? 100.0 * rate / peak : 0.0;
            result["gflops"][kPasses[pass]][impl.name] = rate;
            if (peak > 0) result["percent_of_peak"][kPasses[pass]][impl.name] = percent;
            if (!json) {
                if (peak > 0)
                    std::printf(" %9.1f (%3.0f%%)", rate, percent);
                else
                    std::printf(" %9.1f (   -)", rate);  // the peak of this precision is not measurable here
            }
        }
        if (!json) std::printf("\n");
    }
    if (!unavailable.empty()) {
        result["unavailable"] = unavailable;
        if (!json)
            for (const auto& [name, why] : unavailable.items()) std::printf("%s\n", why.get<std::string>().c_str());
    }
    if (!kernels_chosen.empty()) {
        result["onednn_kernels"] = kernels_chosen;
        if (!json)
            for (const auto& [name, kernels] : kernels_chosen.items())
                std::printf("%s kernels (fwd / bwd-data / bwd-weight): %s\n", name.c_str(),
                            kernels.get<std::string>().c_str());
    }
    return result;
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"conv1d GFLOP/s: ink f32 and bf16, Eigen (im2col + GEMM) and oneDNN f32 and bf16, NLC layout"};
    k::Conv1dParams p;
    std::string padding = "same", shapes_file;
    index_t pad_left = 0, pad_right = 0;
    int threads = ink::num_threads(), reps = 5;
    bool json = false;
    app.add_option("-b,--batch", p.batch, "batch size")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("-l,--length", p.length, "input length")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("--cin", p.channels_in, "input channels")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("--cout", p.channels_out, "output channels")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("-k,--kernel", p.kernel, "kernel taps")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("-s,--stride", p.stride, "stride")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("-d,--dilation", p.dilation, "dilation")->check(CLI::Range(index_t(1), ink::bench::kMaxConvDimension));
    app.add_option("-p,--padding", padding, "same, valid or explicit")
        ->check(CLI::IsMember({"same", "valid", "explicit"}));
    app.add_option("--pad-left", pad_left, "left padding (explicit)")->check(CLI::Range(index_t(0), ink::bench::kMaxConvDimension));
    app.add_option("--pad-right", pad_right, "right padding (explicit)")->check(CLI::Range(index_t(0), ink::bench::kMaxConvDimension));
    app.add_option("--shapes", shapes_file, "file of shapes, one 'batch=64 length=256 cin=128 cout=256 kernel=3' "
                                            "line each (instead of the shape options)");
    app.add_option("-t,--threads", threads, "threads for ink, Eigen and oneDNN")->check(CLI::Range(1, 1024));
    app.add_option("--reps", reps, "timed repetitions (the median is printed)")->check(CLI::Range(1, 1000));
    app.add_flag("--json", json, "print one JSON document instead of the tables");
    CLI11_PARSE(app, argc, argv);

    std::vector<k::Conv1dParams> shapes;
    if (!shapes_file.empty()) {
        shapes = ink::bench::read_conv_shapes(shapes_file);
    } else {
        const std::map<std::string, ink::Padding> modes{{"same", ink::Padding::Same},
                                                        {"valid", ink::Padding::Valid},
                                                        {"explicit", ink::Padding::Explicit}};
        p.set_padding(modes.at(padding), pad_left, pad_right);
        ink::bench::check_conv_shape(p, "ink-conv-bench");
        shapes.push_back(p);
    }
    ink::set_num_threads(threads);  // also oneDNN's: the same OpenMP runtime
    Eigen::setNbThreads(threads);

    using ink::bench::PeakKind;
    const Peaks peaks{ink::bench::peak_gflops(PeakKind::f32, threads), ink::bench::peak_gflops(PeakKind::bf16, threads)};
    nlohmann::json doc = {{"threads", threads}, {"reps", reps},
                          {"peak_gflops", {{"f32", peaks.f32}, {"bf16", peaks.bf16}}}};
    if (!json)
        std::printf("peak (multiply-add loop, %d thread(s), this run): f32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%s\n", threads,
                    peaks.f32, peaks.bf16, ink::bench::peak_available(PeakKind::bf16) ? "" : " (not built with AVX512-BF16)");
    for (const k::Conv1dParams& shape : shapes) doc["shapes"].push_back(bench_shape(shape, threads, reps, peaks, json));
    if (json) std::printf("%s\n", doc.dump(2).c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "ink-conv-bench: %s\n", e.what());
    return 1;
}
