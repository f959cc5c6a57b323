// ink-torch-driver OUT_DIR: writes what tests/torch/check_against_torch.py recomputes in PyTorch.
//
//   graphs.safetensors      random graphs of ink's ops, from fixed seeds, in double: for graph k,
//                           "gK.program" (ops, 4) int32 rows (opcode, a, b, c) over registers that start
//                           with the inputs "gK.x0".."gK.x2" (4, 4); f = sum(last register * "gK.u");
//                           "gK.f", first-order "gK.g0".. and the Hessian-vector products "gK.h0".. of
//                           f along "gK.v0".. (h_i = d/dx_i sum_j <g_j, v_j>)
//   mnist_vae.safetensors   the MNIST VAE and CVAE (float) on one batch
//   poem_vae.safetensors    the poem VAE (double) on one batch
//   gan.safetensors         the GAN toy and the WGAN-GP critic with both penalties (double)
// A model file holds "param.NAME" (the weights), "input.NAME" (the batch and the reparameterisation's
// noise eps, drawn from a copy of the model's Rng so that it is the noise the model uses), and per case
// C "C.loss" and "C.grad.NAME" for every parameter that received a gradient.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../../examples/gan/model.hpp"
#include "../../examples/mnist_vae/model.hpp"
#include "../../examples/poem_vae/model.hpp"
#include "ink/io/safetensors.hpp"

using namespace ink;

namespace {

using D = double;
using VD = Var<D>;

// ---- random graphs -------------------------------------------------------------------------------
// Every register is (4, 4). The opcodes must match OPS in check_against_torch.py.
enum Op : std::int32_t {
    op_add, op_sub, op_mul, op_div, op_tanh, op_sigmoid, op_relu, op_leaky_relu, op_softplus, op_exp, op_log,
    op_square, op_matmul, op_transpose, op_softmax, op_log_softmax, op_mul_rowsum, op_add_colmean, op_glu,
    op_pad_slice, op_sqrt, op_pow, op_cross_entropy, op_bce, op_linear_cross_entropy, op_scale, op_neg,
    op_add_scalar, op_reshape, op_conv1d, op_embedding, op_linear, op_count
};

const Tensor<std::int32_t> kTargets(Shape{4}, {0, 3, -100, 2});  // -100: ignored (cross_entropy's default)
const Tensor<std::int32_t> kClasses(Shape{4}, {1, 0, 3, 2});
const Tensor<std::int32_t> kIds(Shape{4}, {3, 0, 0, 2});

VD apply(Op op, const VD& a, const VD& b, const VD& c) {
    switch (op) {
        case op_add: return a + b;
        case op_sub: return a - b;
        case op_mul: return a * b;
        case op_div: return a / (square(b) + 1.0);
        case op_tanh: return tanh(a);
        case op_sigmoid: return sigmoid(a);
        case op_relu: return relu(a);
        case op_leaky_relu: return leaky_relu(a, 0.1);
        case op_softplus: return softplus(a);
        case op_exp: return exp(tanh(a));
        case op_log: return log(sigmoid(a));
        case op_square: return square(a);
        case op_matmul: return matmul(a, b) * 0.5;
        case op_transpose: return transpose(a);
        case op_softmax: return softmax(a);
        case op_log_softmax: return log_softmax(a);
        case op_mul_rowsum: return a * sum(b, 1, true);
        case op_add_colmean: return mean(a, 0, true) + b;
        case op_glu: return glu(concat({a, b}, 1));
        case op_pad_slice: return pad(slice(a, 1, 1, 3), Shape{4, 4}, 1, 1);
        case op_sqrt: return sqrt(square(a) + 1.0);
        case op_pow: return pow(square(a) + 1.0, 0.75);
        case op_cross_entropy:
            return a * reshape(cross_entropy(b, kTargets, {.reduction = Reduction::None, .label_smoothing = 0.1}), {4, 1});
        case op_bce:
            return binary_cross_entropy_with_logits(a, Tensor<D>::full(Shape{4, 4}, 0.3), Reduction::None);
        case op_linear_cross_entropy:
            return a * reshape(linear_cross_entropy(b, c, VD(), kClasses, Reduction::None), {4, 1});
        case op_scale: return a * 1.7;
        case op_neg: return -a;
        case op_add_scalar: return a + 0.3;
        case op_reshape: return reshape(transpose(reshape(a, {2, 8})), {4, 4});
        case op_conv1d:  // x (1, 4, 4), w (2, 4, 4): kernel 2, 'same' (pad 0 left, 1 right)
            return reshape(conv1d(reshape(a, {1, 4, 4}), reshape(concat({b, c}, 0), {2, 4, 4}),
                                  {.padding = Padding::Same}), {4, 4});
        case op_embedding: return embedding(a, kIds) + b;
        case op_linear: return linear(a, b, sum(c, 0));
        case op_count: break;
    }
    detail::fail("unknown opcode ", int(op));
}

Tensor<D> uniform(const Shape& s, Rng& rng, D lo = -1, D hi = 1) {
    return Tensor<D>::uniform(s, rng, lo, hi);
}

void random_graph(int k, io::TensorDict& out) {
    Rng rng(1000 + std::uint64_t(k));
    const std::string p = "g" + std::to_string(k) + ".";
    std::vector<VD> regs;
    for (int i = 0; i < 3; ++i) regs.emplace_back(uniform({4, 4}, rng), true);
    const std::vector<VD> xs = regs;
    // Every op in turn across the graphs (so each appears), then random ones.
    const int n_ops = 6 + int(rng.uniform_int(5));
    Tensor<std::int32_t> program = Tensor<std::int32_t>::empty(Shape{n_ops, 4});
    for (int j = 0; j < n_ops; ++j) {
        const auto op = static_cast<Op>(j == 0 ? k % op_count : int(rng.uniform_int(op_count)));
        const auto pick = [&] {  // recent registers more often, so that graphs are deep
            const auto n = regs.size();
            return std::int32_t(rng.uniform() < 0.6 ? n - 1 - rng.uniform_int(std::min<std::size_t>(n, 2))
                                                    : rng.uniform_int(n));
        };
        const std::int32_t a = pick(), b = pick(), c = pick();
        program[j * 4] = op, program[j * 4 + 1] = a, program[j * 4 + 2] = b, program[j * 4 + 3] = c;
        regs.push_back(apply(op, regs[std::size_t(a)], regs[std::size_t(b)], regs[std::size_t(c)]));
    }
    const Tensor<D> u = uniform({4, 4}, rng);
    const VD f = sum(regs.back() * VD(u));
    const auto g = grad(std::vector{f}, xs, {.create_graph = true});
    VD inner(Tensor<D>::scalar(0.0));
    std::vector<Tensor<D>> vs;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        vs.push_back(uniform({4, 4}, rng));
        inner = inner + sum(g[i] * VD(vs.back()));
    }
    const auto h = grad(std::vector{inner}, xs);
    out.set(p + "program", program);
    out.set(p + "u", u);
    out.set(p + "f", f.value());
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const std::string n = std::to_string(i);
        out.set(p + "x" + n, xs[i].value());
        out.set(p + "v" + n, vs[i]);
        out.set(p + "g" + n, g[i].value());
        out.set(p + "h" + n, h[i].value());
    }
}

// ---- models --------------------------------------------------------------------------------------

// Weights uniform in [-scale, scale] (biases too, so that none is a silent zero), saved as
// PREFIXparam.NAME.
template <class T>
void randomise(const nn::Module<T>& m, Rng& rng, T scale, const std::string& prefix, io::TensorDict& out) {
    for (auto& [name, p] : m.named_parameters()) {
        Var<T> v = p;
        rng.fill_uniform(v.value().data(), v.numel(), -scale, scale);
        out.set(prefix + "param." + name, v.value());
    }
}
// C.loss and C.grad.NAME; drops the gradients for the next case.
template <class T>
void save_case(const std::string& c, const nn::Module<T>& m, const Var<T>& loss, io::TensorDict& out) {
    for (const auto& p : m.parameters()) Var<T>(p).zero_grad();
    loss.backward();
    out.set(c + ".loss", loss.value());
    for (auto& [name, p] : m.named_parameters()) {
        Var<T> v = p;
        if (v.grad().defined()) out.set(c + ".grad." + name, v.grad());
        v.zero_grad();
    }
}

void mnist_vae(io::TensorDict& out) {
    for (const vae::Kind kind : {vae::Kind::vae, vae::Kind::cvae}) {
        const std::string k = vae::kind_name(kind);
        Rng rng(7);
        vae::Model model({.kind = kind, .pixels = 12, .hidden = 8, .latent = 3, .classes = 10}, rng);
        io::TensorDict& d = out;
        randomise(model, rng, 0.5f, k + ".", d);
        Tensor<float> x = Tensor<float>::uniform(Shape{5, 12}, rng, 0.0f, 1.0f);
        Tensor<float> onehot(Shape{5, 10});
        for (index_t b = 0; b < 5; ++b) onehot[b * 10 + (b * 3) % 10] = 1;
        Rng copy = rng;  // the noise the model's normal_sample will draw
        Tensor<float> eps = Tensor<float>::normal(Shape{5, 3}, copy, 0.0f, 1.0f);
        const vae::Loss loss = model.loss(Var<float>(x), Var<float>(onehot), rng);
        d.set("input." + k + ".x", x);
        d.set("input." + k + ".onehot", onehot);
        d.set("input." + k + ".eps", eps);
        save_case(k, model, loss.total, d);
    }
}

void poem_vae(io::TensorDict& out) {
    Rng rng(8);
    poem::PoemVAE<D> model({.vocab = 13, .length = 10, .embedding = 8, .latent = 4, .kernel = 3}, rng);
    randomise(model, rng, 0.4, "", out);
    Tensor<std::int32_t> ids = Tensor<std::int32_t>::empty(Shape{3, 10});
    for (auto& id : ids) id = std::int32_t(rng.uniform_int(13));
    Rng copy = rng;
    Tensor<D> eps = Tensor<D>::normal(Shape{3, 4}, copy, 0.0, 1.0);
    const auto [loss, parts] = model.loss(ids, rng);
    out.set("input.ids", ids);
    out.set("input.eps", eps);
    save_case("poem", model, loss, out);
}

void gan_models(io::TensorDict& out) {
    Rng rng(9);
    gan::Critic<D> critic(rng, {12, 8, 6, 1});
    gan::Generator<D> generator(rng, {4, 6, 8, 12});
    // Large enough weights that the input gradients' norms fall on both sides of 1 (the one-sided
    // penalty is then neither all zero nor the two-sided one).
    randomise(critic, rng, 0.75, "critic.", out);
    randomise(generator, rng, 0.8, "generator.", out);
    const Tensor<D> real = uniform({8, 12}, rng, 0, 1), z = uniform({8, 4}, rng), eps = uniform({8}, rng, 0, 1);
    const Tensor<D> fake = generator(VD(z)).value();
    out.set("input.real", real);
    out.set("input.z", z);
    out.set("input.eps", eps);
    const Tensor<D> x_hat = gan::interpolate(real, fake, eps);
    for (const auto& [name, kind] : {std::pair{"wgan_one_sided", gan::Penalty::one_sided},
                                    std::pair{"wgan_two_sided", gan::Penalty::two_sided}}) {
        const VD total = gan::critic_loss(gan::Loss::wgan_gp, critic(VD(real)), critic(VD(fake))) +
                         gan::gradient_penalty(critic, x_hat, kind, 10.0);
        save_case(std::string("critic_") + name, critic, total, out);
    }
    save_case("critic_gan", critic, gan::critic_loss(gan::Loss::gan, critic(VD(real)), critic(VD(fake))), out);
    for (const auto& [name, loss] : {std::pair{"wgan", gan::Loss::wgan_gp}, std::pair{"gan", gan::Loss::gan}})
        save_case(std::string("generator_") + name, generator, gan::generator_loss(loss, critic(generator(VD(z)))), out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    try {
        io::TensorDict graphs;
        constexpr int kGraphs = 64;
        for (int k = 0; k < kGraphs; ++k) random_graph(k, graphs);
        graphs.metadata["graphs"] = std::to_string(kGraphs);
        io::save_safetensors(dir + "/graphs.safetensors", graphs);
        io::TensorDict mnist, poem, gan;
        mnist_vae(mnist);
        poem_vae(poem);
        gan_models(gan);
        io::save_safetensors(dir + "/mnist_vae.safetensors", mnist);
        io::save_safetensors(dir + "/poem_vae.safetensors", poem);
        io::save_safetensors(dir + "/gan.safetensors", gan);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ink-torch-driver: %s\n", e.what());
        return 1;
    }
    return 0;
}
