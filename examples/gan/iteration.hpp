#pragma once
// One generator iteration of ink-gan train (critic_steps critic updates on fresh batches, then one
// generator update), as a train::Loop step, alone or as one rank of an mpirun job: each rank trains
// on its slice of every global batch, and of the noise and interpolation weights drawn for the whole
// batch (so that 2 ranks at --batch B follow 1 process at --batch B), and both networks' gradients,
// the gradient penalty's included, are averaged after each backward (ParallelLoop).
#include <cstdint>
#include <span>

#include "classifier.hpp"
#include "ink/data/batches.hpp"
#include "ink/distributed/parallel_loop.hpp"
#include "model.hpp"

namespace gan {

constexpr index_t kNoise = kGeneratorWidths.input, kPixels = kGeneratorWidths.output;

// n noise vectors (n, 10) uniform in [-1, 1], the generator's input.
inline ink::Tensor<float> uniform_noise(index_t n, ink::Rng& rng) {
    return ink::Tensor<float>::uniform(ink::Shape{n, kNoise}, rng, -1.0f, 1.0f);
}

inline ink::Tensor<float> generate(const Generator<float>& g, const ink::Tensor<float>& z) {
    ink::NoGradGuard no_grad;
    ink::Tensor<float> x = ink::Tensor<float>::empty(ink::Shape{z.dim(0), kPixels});
    for_each_chunk(z.dim(0), [&](index_t begin, index_t end) {
        x.rows(begin, end).copy_from(g(ink::Var<float>(z.rows(begin, end))).value());
    });
    return x;
}

struct IterationOptions {
    Loss loss = Loss::wgan_gp;
    PenaltyOptions penalty;
    int critic_steps = 5;
    index_t batch = 100;  // global
};

// The loop's step hook: writes the last critic step's loss, penalty and gap and the generator's loss
// (global means) into metrics {critic, gen, penalty, gap}; returns the global images seen.
class Iteration {
public:
    Iteration(Gan<float>& gan, ink::optim::Optimizer<float>& adam, ink::train::Loop<float>& loop,
              ink::distributed::ParallelLoop<float>& parallel, const ink::Tensor<float>& images, ink::Rng& noise,
              const IterationOptions& o)
        : gan_(gan), adam_(adam), loop_(loop), parallel_(parallel), images_(images), noise_(noise), o_(o),
          real_(ink::Tensor<float>::empty(ink::Shape{o.batch, kPixels})),
          eps_(ink::Tensor<float>::empty(ink::Shape{o.batch})) {}

    index_t operator()(std::span<double> m) {
        const std::int64_t it = loop_.step();
        const auto after_backward = [this] { loop_.after_backward(); };
        CriticStats c;
        for (int k = 0; k < o_.critic_steps; ++k) {
            const ink::Tensor<float> real = ink::data::gather_rows(images_, parallel_.shard(loop_.next_batch()), real_);
            const ink::Tensor<float> fake = generate(gan_.generator, parallel_.rows(uniform_noise(o_.batch, noise_)));
            noise_.fill_uniform(eps_.data(), eps_.numel(), 0.0f, 1.0f);
            // One Adam for both networks: its step count is each network's own before its update.
            adam_.set_steps(it * o_.critic_steps + k);
            c = critic_step(gan_.critic, adam_, o_.loss, o_.penalty, real, fake, parallel_.rows(eps_), after_backward);
        }
        adam_.set_steps(it);
        m[1] = generator_step(gan_.generator, gan_.critic, adam_, o_.loss, parallel_.rows(uniform_noise(o_.batch, noise_)),
                              after_backward);
        m[0] = c.loss, m[2] = c.penalty, m[3] = c.gap;
        parallel_.global_means(m);
        return o_.batch * o_.critic_steps;
    }

private:
    Gan<float>& gan_;
    ink::optim::Optimizer<float>& adam_;
    ink::train::Loop<float>& loop_;
    ink::distributed::ParallelLoop<float>& parallel_;
    const ink::Tensor<float>& images_;
    ink::Rng& noise_;
    IterationOptions o_;
    ink::Tensor<float> real_, eps_;  // buffers: this rank's real images, the global batch's eps
};

}  // namespace gan
