// ink-conv-bench: GFLOP/s of conv1d forward, backward-data and backward-weight, ink f32, ink bf16
// (conv1d_bf16.hpp: float in and out, bf16 products) and the Eigen baseline (im2col + product), for one
// shape given on the command line. Each figure is the median of
// --reps timed runs of as many calls as fit in about 0.1 s.
//
//   ink-conv-bench --batch 64 --length 256 --cin 128 --cout 256 --kernel 3 --padding same --threads 2
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eigen_baselines.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/threads.hpp"
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/conv1d_bf16.hpp"

namespace {

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
    return times[reps / 2];
}

}  // namespace

int main(int argc, char** argv) {
    using ink::index_t;
    CLI::App app{"conv1d GFLOP/s, ink f32 and bf16 vs Eigen (im2col + GEMM), NLC layout, float in and out"};
    ink::kernels::Conv1dParams p;
    std::string padding = "same";
    index_t pad_left = 0, pad_right = 0;
    int threads = ink::num_threads(), reps = 5;
    app.add_option("-b,--batch", p.batch, "batch size")->check(CLI::PositiveNumber);
    app.add_option("-l,--length", p.length, "input length")->check(CLI::PositiveNumber);
    app.add_option("--cin", p.channels_in, "input channels")->check(CLI::PositiveNumber);
    app.add_option("--cout", p.channels_out, "output channels")->check(CLI::PositiveNumber);
    app.add_option("-k,--kernel", p.kernel, "kernel taps")->check(CLI::PositiveNumber);
    app.add_option("-s,--stride", p.stride, "stride")->check(CLI::PositiveNumber);
    app.add_option("-d,--dilation", p.dilation, "dilation")->check(CLI::PositiveNumber);
    app.add_option("-p,--padding", padding, "same, valid or explicit")
        ->check(CLI::IsMember({"same", "valid", "explicit"}));
    app.add_option("--pad-left", pad_left, "left padding (explicit)")->check(CLI::NonNegativeNumber);
    app.add_option("--pad-right", pad_right, "right padding (explicit)")->check(CLI::NonNegativeNumber);
    app.add_option("-t,--threads", threads, "threads for ink and Eigen")->check(CLI::PositiveNumber);
    app.add_option("--reps", reps, "timed repetitions (the median is printed)")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    const std::map<std::string, ink::Padding> modes{{"same", ink::Padding::Same},
                                                    {"valid", ink::Padding::Valid},
                                                    {"explicit", ink::Padding::Explicit}};
    p.set_padding(modes.at(padding), pad_left, pad_right);
    const index_t Lo = p.length_out();
    if (Lo < 1) {
        std::fprintf(stderr, "ink-conv-bench: the kernel's span %lld exceeds the padded length\n",
                     static_cast<long long>(p.span()));
        return 1;
    }
    ink::set_num_threads(threads);
    Eigen::setNbThreads(threads);

    std::vector<float> x(p.batch * p.length * p.channels_in), w(p.kernel * p.channels_in * p.channels_out);
    std::vector<float> bias(p.channels_out), dy(p.batch * Lo * p.channels_out), y(dy.size()), dx(x.size()),
        dw(w.size());
    ink::Rng rng(1);
    for (auto* v : {&x, &w, &bias, &dy}) rng.fill_uniform(v->data(), index_t(v->size()), -1.f, 1.f);
    ink::bench::EigenConv1d<float> eigen(p);

    std::printf("conv1d B%lld L%lld %lld->%lld k%lld stride %lld dilation %lld pad %lld+%lld (Lout %lld), "
                "%d thread(s)\n",
                (long long)p.batch, (long long)p.length, (long long)p.channels_in, (long long)p.channels_out,
                (long long)p.kernel, (long long)p.stride, (long long)p.dilation, (long long)p.pad_left,
                (long long)p.pad_right, (long long)Lo, threads);
    std::printf("%-16s %12s %12s %12s %10s %10s\n", "pass (GFLOP/s)", "ink", "ink bf16", "eigen", "ink/eigen",
                "bf16/f32");
    const double gflop = 1e-9 * p.flops();
    auto row = [&](const char* name, const std::function<void()>& ink_fn, const std::function<void()>& bf16_fn,
                   const std::function<void()>& eigen_fn) {
        const double a = gflop / median_seconds(ink_fn, reps), h = gflop / median_seconds(bf16_fn, reps);
        const double b = gflop / median_seconds(eigen_fn, reps);
        std::printf("%-16s %12.1f %12.1f %12.1f %10.2f %10.2f\n", name, a, h, b, a / b, h / a);
    };
    namespace k = ink::kernels;
    row("forward", [&] { k::conv1d_forward(p, x.data(), w.data(), bias.data(), y.data()); },
        [&] { k::conv1d_forward_bf16(p, x.data(), w.data(), bias.data(), y.data()); },
        [&] { eigen.forward(x.data(), w.data(), bias.data(), y.data()); });
    row("backward-data", [&] { k::conv1d_backward_data(p, dy.data(), w.data(), dx.data()); },
        [&] { k::conv1d_backward_data_bf16(p, dy.data(), w.data(), dx.data()); },
        [&] { eigen.backward_data(dy.data(), w.data(), dx.data()); });
    row("backward-weight", [&] { k::conv1d_backward_weight(p, x.data(), dy.data(), dw.data()); },
        [&] { k::conv1d_backward_weight_bf16(p, x.data(), dy.data(), dw.data()); },
        [&] { eigen.backward_weight(x.data(), dy.data(), dw.data()); });
    return 0;
}
