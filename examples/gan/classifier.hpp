#pragma once
// The feature extractor of ink-gan's Fréchet distance: a small MLP classifier trained with ink on the
// same data set, whose penultimate layer plays the role Inception's pool features play in FID.
//
//   x (B, 784) -> Dense 256 ReLU -> Dense 128 ReLU = features (B, 128) -> Dense 10 = logits (B, 10)
//
// Keras' default initialisation (Glorot uniform, zero biases); Adam lr 1e-3, batch 100, softmax
// cross-entropy on the training split.
#include <algorithm>
#include <cstdint>
#include <functional>

#include "ink/data/batches.hpp"
#include "ink/data/images.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops.hpp"
#include "ink/ops/losses.hpp"
#include "ink/optim/adam.hpp"

namespace gan {

using ink::index_t;

class Classifier : public ink::nn::Module<float> {
public:
    static constexpr index_t kPixels = 784, kHidden = 256, kFeatures = 128, kClasses = 10;

    explicit Classifier(ink::Rng& rng) : l1_(kPixels, kHidden, rng), l2_(kHidden, kFeatures, rng), out_(kFeatures, kClasses, rng) {
        register_module("dense1", l1_);
        register_module("dense2", l2_);
        register_module("out", out_);
    }
    // x (B, 784) -> (B, 128)
    ink::Var<float> features(const ink::Var<float>& x) const { return ink::relu(l2_(ink::relu(l1_(x)))); }
    // x (B, 784) -> (B, 10)
    ink::Var<float> logits(const ink::Var<float>& x) const { return out_(features(x)); }

private:
    ink::nn::Linear<float> l1_, l2_, out_;
};

// Calls fn(begin, end) for consecutive chunks [begin, end) of [0, n).
template <class Fn>
void for_each_chunk(index_t n, Fn&& fn, index_t chunk = 1000) {
    for (index_t begin = 0; begin < n; begin += chunk) fn(begin, std::min(n, begin + chunk));
}

// The features of every image: (N, 784) -> (N, 128).
inline ink::Tensor<float> classifier_features(const Classifier& c, const ink::Tensor<float>& images) {
    ink::NoGradGuard no_grad;
    ink::Tensor<float> out = ink::Tensor<float>::empty(ink::Shape{images.dim(0), Classifier::kFeatures});
    for_each_chunk(images.dim(0), [&](index_t begin, index_t end) {
        out.rows(begin, end).copy_from(c.features(ink::Var<float>(images.rows(begin, end))).value());
    });
    return out;
}

// The fraction of images whose largest logit is their label.
inline double classifier_accuracy(const Classifier& c, const ink::data::LabeledImages& data) {
    ink::NoGradGuard no_grad;
    index_t right = 0;
    for_each_chunk(data.size(), [&](index_t begin, index_t end) {
        const ink::Tensor<float> z = c.logits(ink::Var<float>(data.images.rows(begin, end))).value();
        for (index_t i = 0; i < end - begin; ++i) {
            const float* row = z.data() + i * Classifier::kClasses;
            right += std::max_element(row, row + Classifier::kClasses) - row == data.labels[begin + i];
        }
    });
    return double(right) / double(std::max<index_t>(data.size(), 1));
}

// `epochs` epochs of Adam on `data`, batches shuffled by data_rng; after each, on_epoch(epoch, mean
// training loss).
inline void train_classifier(Classifier& c, const ink::data::LabeledImages& data, int epochs, const ink::Rng& data_rng,
                             const std::function<void(int, double)>& on_epoch = {}) {
    constexpr index_t kBatch = 100;
    ink::optim::Adam<float> adam(c.named_parameters(), {.lr = 1e-3});
    ink::data::Batches batches(data.size(), kBatch, data_rng);
    ink::Tensor<float> x = ink::Tensor<float>::empty(ink::Shape{kBatch, Classifier::kPixels});
    ink::Tensor<std::int32_t> y = ink::Tensor<std::int32_t>::empty(ink::Shape{kBatch});
    for (int e = 1; e <= epochs; ++e) {
        double sum = 0;
        index_t seen = 0;
        for (auto rows = batches.next(); !rows.empty(); rows = batches.next()) {
            const ink::Var<float> loss =
                ink::cross_entropy(c.logits(ink::Var<float>(ink::data::gather_rows(data.images, rows, x))),
                                   ink::data::gather_rows(data.labels, rows, y));
            c.zero_grad();
            loss.backward();
            adam.step();
            sum += double(loss.item()) * double(rows.size());
            seen += static_cast<index_t>(rows.size());
        }
        if (on_epoch) on_epoch(e, sum / double(seen));
    }
}

}  // namespace gan
