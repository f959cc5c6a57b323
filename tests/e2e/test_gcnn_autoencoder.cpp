// End to end: a small GCNN autoencoder (Embedding + GatedConv1d x 2 + Linear to the vocabulary +
// cross-entropy, the poem model's building blocks) learns to reconstruct a toy set of sequences, and
// its backward matches finite differences through every layer.
#include <doctest/doctest.h>

#include "e2e/model_gradcheck.hpp"
#include "ink/nn/embedding.hpp"
#include "ink/nn/gated_conv1d.hpp"
#include "ink/nn/linear.hpp"
#include "ink/ops/losses.hpp"
#include "ink/optim/adam.hpp"

using namespace ink;

namespace {

constexpr index_t kVocab = 12, kLength = 8, kDim = 16;

template <class T>
struct GcnnAutoencoder : nn::Module<T> {
    nn::Embedding<T> embedding;
    nn::GatedConv1d<T> gcnn1, gcnn2;
    nn::Linear<T> out;

    explicit GcnnAutoencoder(Rng& rng)
        : embedding(kVocab, kDim, rng), gcnn1(kDim, rng), gcnn2(kDim, rng), out(kDim, kVocab, rng) {
        this->register_module("embedding", embedding);
        this->register_module("gcnn1", gcnn1);
        this->register_module("gcnn2", gcnn2);
        this->register_module("out", out);
    }

    // ids (B, L) -> logits (B, L, V)
    Var<T> operator()(const Tensor<std::int32_t>& ids) const { return out(gcnn2(gcnn1(embedding(ids)))); }

    // Per sequence, the sum over positions of the cross-entropy; mean over the batch (the poem loss).
    Var<T> loss(const Tensor<std::int32_t>& ids) const {
        return cross_entropy((*this)(ids), ids, Reduction::Sum) * T(1.0 / double(ids.dim(0)));
    }
};

Tensor<std::int32_t> toy_sequences(index_t n, Rng& rng) {
    Tensor<std::int32_t> ids(Shape{n, kLength});
    for (index_t i = 0; i < ids.numel(); ++i) ids[i] = static_cast<std::int32_t>(rng.uniform_int(kVocab));
    return ids;
}

}  // namespace

TEST_CASE("e2e: a GCNN autoencoder learns to reconstruct toy sequences") {
    Rng rng(11);
    const Tensor<std::int32_t> ids = toy_sequences(32, rng);
    GcnnAutoencoder<float> model(rng);
    CHECK(model.named_parameters()[1].first == "gcnn1.conv.weight");
    optim::Adam<float> adam(model.named_parameters(), {.lr = 0.01, .eps = 1e-7});
    float first = 0, last = 0;
    for (int step = 0; step < 150; ++step) {
        adam.zero_grad();
        Var<float> loss = model.loss(ids);
        loss.backward();
        adam.step();
        (step == 0 ? first : last) = loss.item();
    }
    MESSAGE("loss per sequence " << first << " -> " << last);
    CHECK(last < 0.02f * first);

    NoGradGuard no_grad;
    const Tensor<float> logits = model(ids).value();
    index_t right = 0;
    for (index_t r = 0; r < ids.numel(); ++r) {
        const float* row = logits.data() + r * kVocab;
        right += std::max_element(row, row + kVocab) - row == ids[r];
    }
    CHECK(right == ids.numel());
}

TEST_CASE("e2e: the GCNN autoencoder's gradients match central differences") {
    Rng rng(12);
    const Tensor<std::int32_t> ids = toy_sequences(3, rng);
    GcnnAutoencoder<double> model(rng);
    test::check_model_gradients(model, [&] { return model.loss(ids); });
}
