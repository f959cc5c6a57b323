#pragma once
// The pictures of 变分自编码器(一): the latent space of the test set, the decoded manifold, the
// reconstructions and random samples.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "ink/data/images.hpp"
#include "ink/util.hpp"
#include "model.hpp"

namespace vae {

using Tensor = ink::Tensor<float>;

// Evaluation runs in slices of this many images: big enough for fast GEMMs, small enough for cache.
inline constexpr index_t kEvalBatch = 500;

// sigmoid(decoder logits) of z (N, L): decoded images (N, 784) in [0, 1].
inline Tensor decode(const Model& model, const Tensor& z) {
    ink::NoGradGuard no_grad;
    return ink::sigmoid(model.decode_logits(Var(z)).value());
}

// The means of q(z|x) of every image (N, 784) -> (N, L).
inline Tensor encode_means(const Model& model, const Tensor& images) {
    ink::NoGradGuard no_grad;
    const index_t n = images.dim(0);
    Tensor mu = Tensor::empty(ink::Shape{n, model.config().latent});
    for (index_t begin = 0; begin < n; begin += kEvalBatch) {
        const index_t end = std::min(n, begin + kEvalBatch);
        mu.rows(begin, end).copy_from(model.encode(Var(images.rows(begin, end))).mu.value());
    }
    return mu;
}

// The prior mean of class c under the CVAE, mu_y (L).
inline Tensor class_mean(const Model& model, int c) {
    ink::NoGradGuard no_grad;
    Tensor onehot(ink::Shape{1, model.config().classes});
    onehot[c] = 1.0f;
    return model.class_mean(Var(onehot)).value().reshape({-1}).clone();
}

// Scatter of the test-set means of q(z|x) in the first two latent dimensions, coloured by class.
inline ink::util::Image latent_picture(const Model& model, const ink::data::LabeledImages& test,
                                       const std::vector<std::string>& class_names, const std::string& title) {
    const Tensor mu = encode_means(model, test.images);
    const index_t n = mu.dim(0), latent = mu.dim(1);
    // Later points cover earlier ones and the digits' files are sorted by class: draw in a fixed
    // shuffled order so that no class hides another.
    std::vector<index_t> order(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    ink::Rng(0).shuffle(order.begin(), order.end());
    Tensor xy = Tensor::empty(ink::Shape{n, 2});
    std::vector<int> labels(static_cast<std::size_t>(n));
    for (index_t k = 0; k < n; ++k) {
        const index_t i = order[static_cast<std::size_t>(k)];
        xy(k, 0) = mu(i, 0);
        xy(k, 1) = latent > 1 ? mu(i, 1) : 0.0f;
        labels[static_cast<std::size_t>(k)] = test.labels[i];
    }
    ink::util::PlotOptions opt;
    opt.title = title;
    opt.x_label = "z[0]";
    opt.y_label = "z[1]";
    opt.class_names = class_names;
    if (n <= 5000) {  // fewer points (the 2,000 test digits) can be bigger
        opt.marker_radius = 3.0;
        opt.marker_alpha = 0.6f;
    }
    return ink::util::scatter_plot(xy, labels, opt);
}

// A side x side grid of decodes at z = shift + (Phi^-1(p_j), Phi^-1(p_i)) for p = linspace(0.05, 0.95,
// side), the normal quantiles of the original (Kingma & Welling 2014, figure 4). The first latent
// dimension grows to the right and the second upwards, as in latent_picture; other dimensions stay
// at the shift.
inline ink::util::Image manifold_picture(const Model& model, const Tensor& shift, int side = 15) {
    const index_t latent = model.config().latent;
    std::vector<float> q(static_cast<std::size_t>(side));
    for (int i = 0; i < side; ++i) {
        const double p = 0.05 + 0.9 * i / (side - 1);
        q[static_cast<std::size_t>(i)] = static_cast<float>(ink::util::normal_quantile(p));
    }
    Tensor z = Tensor::empty(ink::Shape{index_t(side) * side, latent});
    for (int row = 0; row < side; ++row)
        for (int col = 0; col < side; ++col) {
            const index_t k = index_t(row) * side + col;
            for (index_t d = 0; d < latent; ++d) z(k, d) = shift[d];
            z(k, 0) += q[static_cast<std::size_t>(col)];
            if (latent > 1) z(k, 1) += q[static_cast<std::size_t>(side - 1 - row)];
        }
    return ink::util::image_grid(decode(model, z), {.rows = side, .cols = side, .padding = 0});
}

// Test images beside their reconstructions (the decode of the mean of q(z|x)): `per_class` images of
// every class, one class per column.
inline ink::util::Image reconstruction_picture(const Model& model, const ink::data::LabeledImages& test,
                                               int per_class = 4) {
    const index_t classes = model.config().classes, pixels = model.config().pixels;
    Tensor originals(ink::Shape{per_class * classes, pixels});
    for (index_t c = 0; c < classes; ++c) {
        index_t found = 0;
        for (index_t i = 0; i < test.size() && found < per_class; ++i)
            if (test.labels[i] == c) originals.row(found++ * classes + c).copy_from(test.images.row(i));
    }
    const Tensor reconstructions = decode(model, encode_means(model, originals));
    return ink::util::reconstruction_grid(originals, reconstructions, {.cols = static_cast<int>(classes)});
}

}  // namespace vae
