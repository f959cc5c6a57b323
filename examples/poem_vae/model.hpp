#pragma once
// The poem VAE of docs/design.md §5 (the Keras original, vae_shi.py), on NLC tensors:
//
//   ids (B, 10) -> embedding (B, 10, 64) -> GCNN -> GCNN -> mean over positions (B, 64)
//               -> mu (B, 64), logvar (B, 64);  z = mu + exp(logvar / 2) * eps
//   z (B, 64) -> Dense 640 -> (B, 10, 64) -> GCNN -> Dense V -> logits (B, 10, V)
//
// A GCNN block is a conv1d (kernel 3, 'same', no bias, 64 -> 128 channels) whose first half is gated
// by the sigmoid of its second half, plus its input. The loss of one couplet is the cross-entropy
// summed over its 10 characters plus the KL divergence of q(z|x) from N(0, I) summed over the 64
// latent dimensions; a batch's loss is the mean over its couplets.
#include <cstdint>

#include "ink/ink.hpp"
#include "ink/ops/linear_cross_entropy.hpp"

namespace poem {

using ink::index_t;
using ink::Tensor;
using ink::Var;

struct Hyper {
    index_t vocab = 0;       // V, from the corpus
    index_t length = 10;     // characters per couplet
    index_t embedding = 64;  // = the GCNN channels
    index_t latent = 64;
    index_t kernel = 3;
};

// One batch's mean losses per couplet (nats).
struct Losses {
    double total = 0, reconstruction = 0, kl = 0;
};

template <class T>
class PoemVAE : public ink::nn::Module<T> {
public:
    const Hyper hyper;

    PoemVAE(const Hyper& h, ink::Rng& rng)
        : hyper(h),
          embed_(h.vocab, h.embedding, rng),  // uniform +-0.05, as Keras
          enc1_(h.embedding, rng, {.kernel = h.kernel}),
          enc2_(h.embedding, rng, {.kernel = h.kernel}),
          mu_(h.embedding, h.latent, rng),
          logvar_(h.embedding, h.latent, rng),
          expand_(h.latent, h.length * h.embedding, rng),
          dec_(h.embedding, rng, {.kernel = h.kernel}),
          out_(h.embedding, h.vocab, rng) {
        this->register_module("embedding", embed_);
        this->register_module("encoder1", enc1_);
        this->register_module("encoder2", enc2_);
        this->register_module("mu", mu_);
        this->register_module("logvar", logvar_);
        this->register_module("expand", expand_);
        this->register_module("decoder", dec_);
        this->register_module("output", out_);
    }

    // ids (B, 10) -> the posterior's mean and log-variance, each (B, latent).
    std::pair<Var<T>, Var<T>> encode(const Tensor<std::int32_t>& ids) const {
        const Var<T> h = enc2_(enc1_(embed_(ids)));     // (B, 10, 64)
        const Var<T> pooled = ink::mean(h, 1);          // (B, 64)
        return {mu_(pooled), logvar_(pooled)};
    }

    // z (B, latent) -> logits (B, 10, V).
    Var<T> decode(const Var<T>& z) const { return out_(decode_hidden(z)); }

    // The training loss of a batch, with eps drawn from `noise`; backward() on .first trains.
    std::pair<Var<T>, Losses> loss(const Tensor<std::int32_t>& ids, ink::Rng& noise) const {
        const index_t B = ids.dim(0);
        const auto [mu, logvar] = encode(ids);
        const Var<T> z = ink::normal_sample(mu, logvar, noise);
        // Sums over positions and latent dimensions, then the mean over the batch. The output layer and
        // its cross-entropy are one fused op: the (B*10, V) logits are most of the model's work.
        const Var<T> rec =
            ink::linear_cross_entropy(decode_hidden(z), out_.weight, out_.bias, ids, ink::Reduction::Sum) / T(B);
        const Var<T> kl = ink::sum(ink::gaussian_kl(mu, logvar)) / T(B);
        const Var<T> total = rec + kl;
        return {total, Losses{total.item(), rec.item(), kl.item()}};
    }

private:
    // z (B, latent) -> the decoder's last hidden state (B, 10, 64).
    Var<T> decode_hidden(const Var<T>& z) const {
        const Var<T> h = ink::reshape(expand_(z), {z.dim(0), hyper.length, hyper.embedding});
        return dec_(h);
    }

    ink::nn::Embedding<T> embed_;
    ink::nn::GatedConv1d<T> enc1_, enc2_;
    ink::nn::Linear<T> mu_, logvar_, expand_;
    ink::nn::GatedConv1d<T> dec_;
    ink::nn::Linear<T> out_;
};

// Mean losses per couplet over `data` (N, 10), with eps from a fixed seed so that epochs and models
// compare: the validation figure of training, and of an exported model beside its checkpoint.
template <class T>
Losses evaluate(const PoemVAE<T>& model, const Tensor<std::int32_t>& data, index_t chunk = 1024) {
    ink::NoGradGuard no_grad;
    ink::Rng noise(0x5EED);
    Losses sum;
    for (index_t r = 0; r < data.dim(0); r += chunk) {
        const Tensor<std::int32_t> ids = data.rows(r, std::min(r + chunk, data.dim(0)));
        const Losses l = model.loss(ids, noise).second;
        const double n = double(ids.dim(0));
        sum.total += l.total * n, sum.reconstruction += l.reconstruction * n, sum.kl += l.kl * n;
    }
    const double n = std::max<double>(1, double(data.dim(0)));
    return {sum.total / n, sum.reconstruction / n, sum.kl / n};
}

}  // namespace poem
