#pragma once
// oneDNN baselines (Debian libdnnl-dev, oneDNN 2.6) for ink-bench and ink-conv-bench, built when CMake
// finds oneDNN (INK_BENCH_ONEDNN). Each is set up as oneDNN's users would, so that it is timed on its
// best kernel and on its product alone:
//   - the primitive is created once, outside the timing;
//   - bf16 operands are converted from float once, outside the timing (ink's bf16 kernels take float and
//     pay for the rounding in every call);
//   - conv1d activations are channels-last (nwc, ink's NLC layout as it lies); weights are created with
//     format_tag::any and reordered once into the layout the primitive chose (plain oiw weights make
//     oneDNN 2.6 fall back to a reference kernel at about 0.4 GFLOP/s); the weight gradient stays in
//     that layout (a framework keeps it there for the optimizer).
// Outputs are float in both precisions, as ink's. oneDNN runs on the same OpenMP runtime as ink, so
// ink::set_num_threads (omp_set_num_threads) sets its thread count too.
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>

#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/gemm.hpp"

namespace ink::bench::onednn {

using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

struct Context {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
};
inline Context& context() {
    static Context c;
    return c;
}

// Why a baseline cannot run here. oneDNN 2.6 has bf16 kernels only for CPUs with AVX-512 (avx512_core
// and up): elsewhere creating a bf16 primitive throws dnnl::error (unimplemented), and the benchmarks
// skip that baseline with this message instead of failing the run.
inline std::string unavailable(dt type, const dnnl::error& e) {
    return std::string("oneDNN ") + (type == dt::bf16 ? "bf16" : "f32") + " is not available on this CPU (" +
           e.what() + (type == dt::bf16 ? "; oneDNN 2.6 has bf16 kernels for AVX-512 CPUs only)" : ")");
}

// A float buffer described by user_md, as memory of layout `md` (a copy reordered/converted once, or
// the buffer itself when the layouts agree).
inline dnnl::memory prepared(const dnnl::memory::desc& user_md, const float* data, const dnnl::memory::desc& md) {
    Context& c = context();
    dnnl::memory user(user_md, c.engine, const_cast<float*>(data));
    if (user_md == md) return user;
    dnnl::memory out(md, c.engine);
    dnnl::reorder(user, out).execute(c.stream, user, out);
    c.stream.wait();
    return out;
}

// C (M x N, float, row-major, ldc = N) = op(A) op(B), A and B float buffers as ink::kernels::gemm takes
// them (lda = K or M, ldb = N or K), multiplied in `type` (f32 or bf16); transposes as strides.
class Matmul {
public:
    Matmul(kernels::Trans ta, kernels::Trans tb, index_t M, index_t N, index_t K, const float* A, const float* B,
           float* C, dt type) {
        Context& c = context();
        const dims a_strides = ta == kernels::Trans::Yes ? dims{1, M} : dims{K, 1};
        const dims b_strides = tb == kernels::Trans::Yes ? dims{1, K} : dims{N, 1};
        const dnnl::memory::desc a_md({M, K}, type, a_strides), b_md({K, N}, type, b_strides);
        const dnnl::memory::desc c_md({M, N}, dt::f32, dims{N, 1});
        a_ = prepared({{M, K}, dt::f32, a_strides}, A, a_md);
        b_ = prepared({{K, N}, dt::f32, b_strides}, B, b_md);
        c_ = dnnl::memory(c_md, c.engine, C);
        matmul_ = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), c.engine));
    }
    void run() {
        Context& c = context();
        matmul_.execute(c.stream, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, b_}, {DNNL_ARG_DST, c_}});
        c.stream.wait();
    }

private:
    dnnl::memory a_, b_, c_;
    dnnl::matmul matmul_;
};

// The three conv1d products of ink::kernels (conv1d.hpp) for the same parameters and float buffers:
// x (B, L, Cin), w (K, Cin, Cout), bias (Cout), dy (B, Lout, Cout) in; y, dx out (float, NLC); dw in
// the primitive's own layout (weight_gradient()).
class Conv1d {
public:
    Conv1d(const kernels::Conv1dParams& p, dt type, const float* x, const float* w, const float* bias,
           const float* dy, float* y, float* dx) {
        Context& c = context();
        using tag = dnnl::memory::format_tag;
        const index_t Lo = p.length_out();
        const dims src_dims{p.batch, p.channels_in, p.length}, dst_dims{p.batch, p.channels_out, Lo};
        const dims w_dims{p.channels_out, p.channels_in, p.kernel};
        const dims strides{p.stride}, dilates{p.dilation - 1}, pad_l{p.pad_left}, pad_r{p.pad_right};
        // ink's w[k][c][o] as oneDNN's (O, I, W) dims: o stride 1, c stride Cout, k stride Cin * Cout.
        const dnnl::memory::desc w_user(w_dims, dt::f32, dims{1, p.channels_out, p.channels_in * p.channels_out});
        const dnnl::memory::desc src_md(src_dims, type, tag::nwc), dst_md(dst_dims, dt::f32, tag::nwc);
        const dnnl::memory::desc diff_dst_md(dst_dims, type, tag::nwc), diff_src_md(src_dims, dt::f32, tag::nwc);
        const dnnl::memory::desc w_any(w_dims, type, tag::any), dw_any(w_dims, dt::f32, tag::any);
        const dnnl::memory::desc bias_md({p.channels_out}, dt::f32, tag::x);
        const auto algo = dnnl::algorithm::convolution_direct;

        const dnnl::convolution_forward::primitive_desc fwd_pd(
            {dnnl::prop_kind::forward_training, algo, src_md, w_any, bias_md, dst_md, strides, dilates, pad_l, pad_r},
            c.engine);
        const dnnl::convolution_backward_data::primitive_desc bwd_data_pd(
            {algo, diff_src_md, w_any, diff_dst_md, strides, dilates, pad_l, pad_r}, c.engine, fwd_pd);
        const dnnl::convolution_backward_weights::primitive_desc bwd_weight_pd(
            {algo, src_md, dw_any, diff_dst_md, strides, dilates, pad_l, pad_r}, c.engine, fwd_pd);

        x_ = prepared({src_dims, dt::f32, tag::nwc}, x, src_md);
        dy_ = prepared({dst_dims, dt::f32, tag::nwc}, dy, diff_dst_md);
        w_fwd_ = prepared(w_user, w, fwd_pd.weights_desc());
        w_bwd_ = prepared(w_user, w, bwd_data_pd.weights_desc());
        bias_ = dnnl::memory(bias_md, c.engine, const_cast<float*>(bias));
        y_ = dnnl::memory(dst_md, c.engine, y);
        dx_ = dnnl::memory(diff_src_md, c.engine, dx);
        dw_ = dnnl::memory(bwd_weight_pd.diff_weights_desc(), c.engine);
        forward_ = dnnl::convolution_forward(fwd_pd);
        backward_data_ = dnnl::convolution_backward_data(bwd_data_pd);
        backward_weight_ = dnnl::convolution_backward_weights(bwd_weight_pd);
        implementations_ = std::string(fwd_pd.impl_info_str()) + " / " + bwd_data_pd.impl_info_str() + " / " +
                           bwd_weight_pd.impl_info_str();
    }

    void forward() {
        run(forward_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_WEIGHTS, w_fwd_}, {DNNL_ARG_BIAS, bias_}, {DNNL_ARG_DST, y_}});
    }
    void backward_data() {
        run(backward_data_, {{DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_WEIGHTS, w_bwd_}, {DNNL_ARG_DIFF_SRC, dx_}});
    }
    void backward_weight() {
        run(backward_weight_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_WEIGHTS, dw_}});
    }
    const dnnl::memory& weight_gradient() const { return dw_; }
    // The kernels oneDNN chose, "forward / backward-data / backward-weight" (e.g. "jit:avx512_core_bf16"):
    // a "ref" or "gemm" here would mean the comparison is not against its best.
    const std::string& implementations() const { return implementations_; }

private:
    static void run(dnnl::primitive& prim, const std::unordered_map<int, dnnl::memory>& args) {
        Context& c = context();
        prim.execute(c.stream, args);
        c.stream.wait();
    }

    dnnl::memory x_, dy_, w_fwd_, w_bwd_, bias_, y_, dx_, dw_;
    dnnl::convolution_forward forward_;
    dnnl::convolution_backward_data backward_data_;
    dnnl::convolution_backward_weights backward_weight_;
    std::string implementations_;
};

}  // namespace ink::bench::onednn
