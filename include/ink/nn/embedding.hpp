#pragma once
// Embedding: a table of vectors looked up by int32 ids.
//   ids (...) in [0, num) -> y (..., dim); table (num, dim).
// Default init uniform(+-0.05), Keras' Embedding default (the poem model's).
#include <cstdint>

#include "ink/nn/init.hpp"
#include "ink/nn/module.hpp"
#include "ink/ops/embedding.hpp"

namespace ink::nn {

struct EmbeddingOptions {
    Init init = Init::uniform(0.05);
};

template <class T>
class Embedding : public Module<T> {
public:
    Var<T> weight;  // (num, dim)

    Embedding(index_t num, index_t dim, Rng& rng, EmbeddingOptions o = {}) {
        INK_CHECK(num > 0 && dim > 0, "Embedding: expected positive sizes, got ", num, " x ", dim);
        weight = this->register_parameter("weight", o.init.make<T>(Shape{num, dim}, num, dim, rng));
    }

    Var<T> operator()(const Tensor<std::int32_t>& ids) const { return embedding(weight, ids); }

    index_t num_embeddings() const { return weight.dim(0); }
    index_t embedding_dim() const { return weight.dim(1); }
};

}  // namespace ink::nn
