#pragma once
// The GAN toy and WGAN-GP of 互怼的艺术 (mnist_gangp.py, fashion_mnist_gangp.py), as docs/design.md §5 describes them.
//
//   generator  z (B, 10), uniform in [-1, 1] -> Dense 32 ReLU -> Dense 128 ReLU -> Dense 784 sigmoid -> x (B, 784)
//   critic     x (B, 784) -> Dense 128 ReLU -> Dense 32 ReLU -> Dense 1 (linear) -> score (B, 1)
//   every weight uniform in [-0.05, 0.05], every bias 0
//
// WGAN-GP, with Su's sign convention (the critic scores real images LOW and generated ones HIGH):
//   critic     minimises  mean D(real) - mean D(fake) + penalty
//   generator  minimises  mean D(fake)
//   so mean D(fake) - mean D(real) is the critic's estimate of the Wasserstein distance (up to its
//   Lipschitz constant); the penalty keeps that constant near 1:
//   penalty = lambda * mean_b relu(|g_b| - 1)       one-sided (Su)
//           = lambda * mean_b (|g_b| - 1)^2         two-sided (Gulrajani et al., 2017)
//   with g_b = dD/dx at x_hat_b = eps_b real_b + (1 - eps_b) fake_b, eps_b ~ U[0, 1) per sample, and |g_b|
//   the L2 norm over all of sample b's pixels. The gradient is computed with create_graph, so the
//   penalty's own gradient reaches the critic's weights through it (a true gradient penalty).
//
// The plain GAN toy uses the standard convention instead: D(x) is the logit of "x is real", the
// discriminator minimises the binary cross-entropy BCE(D(real), 1) + BCE(D(fake), 0) and the generator
// the non-saturating BCE(D(fake), 1). From logits, BCE(l, 1) = softplus(-l) and BCE(l, 0) = softplus(l).
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "ink/core/rng.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops.hpp"
#include "ink/optim/optimizer.hpp"

namespace gan {

using ink::index_t;

enum class Loss { wgan_gp, gan };
enum class Penalty { one_sided, two_sided };

inline Loss parse_loss(const std::string& s) {
    if (s == "wgan-gp") return Loss::wgan_gp;
    if (s == "gan") return Loss::gan;
    ink::detail::fail("unknown loss '", s, "': expected wgan-gp or gan");
}
inline Penalty parse_penalty(const std::string& s) {
    if (s == "one-sided") return Penalty::one_sided;
    if (s == "two-sided") return Penalty::two_sided;
    ink::detail::fail("unknown penalty '", s, "': expected one-sided or two-sided");
}

// The original's initialisation: weights uniform in [-0.05, 0.05], biases zero.
inline ink::nn::ParameterOptions original_init() {
    return {.weight_init = ink::nn::Init::uniform(0.05), .bias_init = ink::nn::Init::zeros()};
}

// Layer widths: input -> hidden1 -> hidden2 -> output. Tests use tiny ones.
struct Widths {
    index_t input, hidden1, hidden2, output;
};
inline constexpr Widths kGeneratorWidths{10, 32, 128, 784};
inline constexpr Widths kCriticWidths{784, 128, 32, 1};

// Three Dense layers with ReLU between them; the generator adds a sigmoid on the output.
template <class T>
class Mlp : public ink::nn::Module<T> {
public:
    Mlp(const Widths& w, bool sigmoid_out, ink::Rng& rng)
        : widths_(w),
          sigmoid_out_(sigmoid_out),
          l1_(w.input, w.hidden1, rng, original_init()),
          l2_(w.hidden1, w.hidden2, rng, original_init()),
          l3_(w.hidden2, w.output, rng, original_init()) {
        this->register_module("dense1", l1_);
        this->register_module("dense2", l2_);
        this->register_module("dense3", l3_);
    }
    // x (B, input) -> (B, output)
    ink::Var<T> operator()(const ink::Var<T>& x) const {
        const ink::Var<T> y = l3_(ink::relu(l2_(ink::relu(l1_(x)))));
        return sigmoid_out_ ? ink::sigmoid(y) : y;
    }
    const Widths& widths() const { return widths_; }

private:
    Widths widths_;
    bool sigmoid_out_;
    ink::nn::Linear<T> l1_, l2_, l3_;
};

template <class T>
struct Generator : Mlp<T> {
    explicit Generator(ink::Rng& rng, const Widths& w = kGeneratorWidths) : Mlp<T>(w, true, rng) {}
};
template <class T>
struct Critic : Mlp<T> {
    explicit Critic(ink::Rng& rng, const Widths& w = kCriticWidths) : Mlp<T>(w, false, rng) {}
};

// Both networks under one name space ("generator.dense1.weight", "critic.dense3.bias"): the checkpoint's model.
template <class T>
class Gan : public ink::nn::Module<T> {
public:
    explicit Gan(ink::Rng& rng) : generator(rng), critic(rng) {
        this->register_module("generator", generator);
        this->register_module("critic", critic);
    }
    Generator<T> generator;
    Critic<T> critic;
};

// Turns a network's parameters' requires_grad off for the scope: the generator step differentiates
// through the critic to its input but needs no gradient for the critic's weights (Keras' trainable =
// False in the original), which saves their GEMMs.
template <class T>
class Frozen {
public:
    explicit Frozen(const ink::nn::Module<T>& m) : params_(m.parameters()) {
        for (auto& p : params_) p.set_requires_grad(false);
    }
    ~Frozen() {
        for (auto& p : params_) p.set_requires_grad(true);
    }
    Frozen(const Frozen&) = delete;
    Frozen& operator=(const Frozen&) = delete;

private:
    std::vector<ink::Var<T>> params_;
};

// ---- losses --------------------------------------------------------------------------------------
// Scores are (B, 1): critic values (WGAN) or logits (GAN).

template <class T>
ink::Var<T> critic_loss(Loss loss, const ink::Var<T>& d_real, const ink::Var<T>& d_fake) {
    if (loss == Loss::wgan_gp) return ink::mean(d_real) - ink::mean(d_fake);
    return ink::mean(ink::softplus(-d_real)) + ink::mean(ink::softplus(d_fake));
}
template <class T>
ink::Var<T> generator_loss(Loss loss, const ink::Var<T>& d_fake) {
    if (loss == Loss::wgan_gp) return ink::mean(d_fake);
    return ink::mean(ink::softplus(-d_fake));
}

// x_hat (B, P) = eps * real + (1 - eps) * fake row by row, eps (B) one weight per sample.
template <class T>
ink::Tensor<T> interpolate(const ink::Tensor<T>& real, const ink::Tensor<T>& fake, const ink::Tensor<T>& eps) {
    ink::check_same_shape("interpolate", real, fake);
    INK_CHECK(real.rank() >= 1 && eps.shape() == ink::Shape{real.dim(0)}, "interpolate: eps of shape ", eps.shape().str(),
              " does not give one weight per sample of ", real.shape().str());
    ink::Tensor<T> x = ink::Tensor<T>::empty(real.shape());
    const index_t rows = real.dim(0), cols = real.numel() / std::max<index_t>(rows, 1);
    for (index_t b = 0; b < rows; ++b) {
        const T e = eps[b];
        const T* r = real.data() + b * cols;
        const T* f = fake.data() + b * cols;
        T* o = x.data() + b * cols;
        for (index_t j = 0; j < cols; ++j) o[j] = f[j] + e * (r[j] - f[j]);
    }
    return x;
}

// The gradient penalty at the points x_hat (B, ...): a scalar whose graph reaches the critic's
// parameters through the input gradient (computed with create_graph).
template <class T, class CriticFn>
ink::Var<T> gradient_penalty(const CriticFn& critic, const ink::Tensor<T>& x_hat, Penalty kind, T lambda) {
    ink::Var<T> x(x_hat, true);
    const ink::Var<T> score = critic(x);  // (B, 1)
    // d sum_b D(x_b) / dx = the per-sample gradients, since the critic treats samples independently.
    const ink::Var<T> g = ink::grad<T>({score}, {x}, {ink::Tensor<T>::ones(score.shape())}, {.create_graph = true})[0];
    // Nothing needs d penalty / d x_hat: stop the backward pass at x (saves a GEMM).
    x.set_requires_grad(false);
    const ink::Var<T> excess = ink::norm_per_sample(g) - T(1);  // (B)
    return lambda * ink::mean(kind == Penalty::one_sided ? ink::relu(excess) : ink::square(excess));
}

// ---- training steps --------------------------------------------------------------------------------
// Both take a step of `optimizer`, which may also hold the other network's parameters: they first
// drop every gradient it holds, and Optimizer::step() skips parameters without one. after_backward
// (may be empty) runs between backward and the step: data-parallel runs average the gradients there.

struct CriticStats {
    double loss = 0;      // the critic's loss without the penalty
    double penalty = 0;   // 0 without one
    double gap = 0;       // mean D(fake) - mean D(real): WGAN's Wasserstein estimate (Su's sign)
};

struct PenaltyOptions {
    bool enabled = true;
    Penalty kind = Penalty::one_sided;
    double lambda = 10;
};

// One update of the critic from real and generated images (B, 784), with the gradient penalty at the
// interpolates of weights eps (B) when enabled.
template <class T>
CriticStats critic_step(const Critic<T>& critic, ink::optim::Optimizer<T>& optimizer, Loss loss, const PenaltyOptions& penalty,
                        const ink::Tensor<T>& real, const ink::Tensor<T>& fake, const ink::Tensor<T>& eps,
                        const std::function<void()>& after_backward = {}) {
    const ink::Var<T> d_real = critic(ink::Var<T>(real)), d_fake = critic(ink::Var<T>(fake));  // (B, 1) each
    ink::Var<T> total = critic_loss(loss, d_real, d_fake);
    CriticStats s;
    s.loss = double(total.item());
    s.gap = double(ink::mean(d_fake.value()).item()) - double(ink::mean(d_real.value()).item());
    if (penalty.enabled) {
        const ink::Var<T> p = gradient_penalty(critic, interpolate(real, fake, eps), penalty.kind, T(penalty.lambda));
        s.penalty = double(p.item());
        total = total + p;
    }
    optimizer.zero_grad();
    total.backward();
    if (after_backward) after_backward();
    optimizer.step();
    return s;
}

// One update of the generator from noise z (B, 10), through the frozen critic; returns its loss.
template <class T>
double generator_step(const Generator<T>& generator, const Critic<T>& critic, ink::optim::Optimizer<T>& optimizer, Loss loss,
                      const ink::Tensor<T>& z, const std::function<void()>& after_backward = {}) {
    const Frozen<T> frozen(critic);
    const ink::Var<T> l = generator_loss(loss, critic(generator(ink::Var<T>(z))));
    optimizer.zero_grad();
    l.backward();
    if (after_backward) after_backward();
    optimizer.step();
    return double(l.item());
}

}  // namespace gan
