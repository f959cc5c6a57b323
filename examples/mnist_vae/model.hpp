#pragma once
// The models of 变分自编码器(一) (vae_keras.py and cvae_keras.py), as docs/design.md §5 describes them.
//
// VAE:   x (B, 784) -> Dense 256 ReLU -> mu, logvar (B, L)        encoder q(z|x) = N(mu, exp(logvar))
//        z = mu + exp(logvar / 2) * eps                            eps ~ N(0, I), the reparameterisation
//        z (B, L) -> Dense 256 ReLU -> Dense 784 -> logits (B, 784) decoder p(x|z), pixel = sigmoid(logit)
// CVAE:  the same, plus a class mean mu_y = Dense(10 -> L)(onehot(y)), and the prior of z given y is
//        N(mu_y, I) instead of N(0, I), so the KL uses (mu - mu_y)^2.
//
// Loss per image = binary cross-entropy summed over the 784 pixels (computed from the logits, which is
// stable where sigmoid saturates) + KL(q(z|x) || prior) summed over the L latent dimensions; the
// training loss is its mean over the batch. That is the negative ELBO, in nats per image.
#include <optional>
#include <string>

#include "ink/core/rng.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops.hpp"

namespace vae {

using ink::index_t;
using Var = ink::Var<float>;

enum class Kind { vae, cvae };

inline Kind parse_kind(const std::string& name) {
    if (name == "vae") return Kind::vae;
    if (name == "cvae") return Kind::cvae;
    ink::detail::fail("unknown model '", name, "': expected vae or cvae");
}
inline const char* kind_name(Kind k) { return k == Kind::vae ? "vae" : "cvae"; }

struct ModelConfig {
    Kind kind = Kind::vae;
    index_t pixels = 28 * 28;
    index_t hidden = 256;
    index_t latent = 2;
    index_t classes = 10;
};

// The two parts of the loss, each a mean over the batch (nats per image).
struct Loss {
    Var total;  // reconstruction + kl, the scalar to differentiate
    float reconstruction = 0;
    float kl = 0;
};

class Model : public ink::nn::Module<float> {
public:
    Model(const ModelConfig& c, ink::Rng& rng)
        : config_(c),
          encoder_hidden_(c.pixels, c.hidden, rng),
          encoder_mu_(c.hidden, c.latent, rng),
          encoder_logvar_(c.hidden, c.latent, rng),
          decoder_hidden_(c.latent, c.hidden, rng),
          decoder_out_(c.hidden, c.pixels, rng) {
        register_module("encoder_hidden", encoder_hidden_);
        register_module("encoder_mu", encoder_mu_);
        register_module("encoder_logvar", encoder_logvar_);
        register_module("decoder_hidden", decoder_hidden_);
        register_module("decoder_out", decoder_out_);
        if (c.kind == Kind::cvae) register_module("class_mean", class_mean_.emplace(c.classes, c.latent, rng));
    }

    const ModelConfig& config() const { return config_; }
    bool conditional() const { return config_.kind == Kind::cvae; }

    struct Posterior {
        Var mu, logvar;  // (B, L) each
    };
    // x (B, 784) in [0, 1] -> the parameters of q(z|x).
    Posterior encode(const Var& x) const {
        const Var h = ink::relu(encoder_hidden_(x));
        return {encoder_mu_(h), encoder_logvar_(h)};
    }
    // z (B, L) -> pixel logits (B, 784); sigmoid of them is the decoded image.
    Var decode_logits(const Var& z) const { return decoder_out_(ink::relu(decoder_hidden_(z))); }
    // onehot (B, 10) -> the prior means mu_y (B, L). CVAE only.
    Var class_mean(const Var& onehot) const {
        INK_CHECK(class_mean_.has_value(), "class_mean: the plain VAE has no class means (use --model cvae)");
        return (*class_mean_)(onehot);
    }

    // The negative ELBO of a batch with one sample of z per image drawn from `rng`. onehot (B, 10) is
    // used by the CVAE only (pass an undefined Var for the VAE).
    Loss loss(const Var& x, const Var& onehot, ink::Rng& rng) const {
        return loss(x, onehot, ink::Tensor<float>::normal(ink::Shape{x.dim(0), config_.latent}, rng, 0.0f, 1.0f));
    }
    // The same with the noise eps (B, L) ~ N(0, I) given.
    Loss loss(const Var& x, const Var& onehot, const ink::Tensor<float>& eps) const {
        const Posterior q = encode(x);
        const Var z = ink::normal_sample(q.mu, q.logvar, eps);
        const float batch = static_cast<float>(x.dim(0));
        const Var reconstruction =
            ink::binary_cross_entropy_with_logits(decode_logits(z), x.value(), ink::Reduction::Sum) / batch;
        // KL(N(mu, e^logvar) || N(mu_y, I)) is the standard KL of the centred mean mu - mu_y.
        const Var centred = conditional() ? q.mu - class_mean(onehot) : q.mu;
        const Var kl = ink::mean(ink::gaussian_kl(centred, q.logvar));
        return {reconstruction + kl, reconstruction.item(), kl.item()};
    }

private:
    ModelConfig config_;
    ink::nn::Linear<float> encoder_hidden_, encoder_mu_, encoder_logvar_, decoder_hidden_, decoder_out_;
    std::optional<ink::nn::Linear<float>> class_mean_;
};

}  // namespace vae
