#pragma once
// Embedding: rows of a table gathered by int32 ids.
//
//   embedding(table, ids):  table (V, D), ids (...) int32 in [0, V) -> y (..., D), y[i, :] = table[ids[i], :]
//   backward:               gtable = scatter-add of gy's rows at ids (V, D)
// Gather and scatter-add are adjoint linear maps, so one node type with a mode serves both, and
// gradients of any order.
#include <cstdint>

#include "ink/autograd/engine.hpp"
#include "ink/ops/broadcast.hpp"

namespace ink {

namespace detail {

// Checks every id once, naming the first bad one.
inline void check_ids(const Tensor<std::int32_t>& ids, index_t rows) {
    for (index_t i = 0; i < ids.numel(); ++i)
        INK_CHECK(ids[i] >= 0 && ids[i] < rows, "embedding: id ", ids[i], " at position ", i, " of ids shape ",
                  ids.shape().str(), " is outside the table's ", rows, " rows");
}

// y (n, D) = table[ids] (gather), or the adjoint: table-shaped (V, D) sums of y's rows at ids (scatter).
template <class T>
Tensor<T> gather_rows(const Tensor<T>& table, const Tensor<std::int32_t>& ids) {
    const index_t D = table.dim(1);
    index_t dims[Shape::kMaxRank + 1];
    std::copy(ids.shape().begin(), ids.shape().end(), dims);
    dims[ids.rank()] = D;
    Tensor<T> y = Tensor<T>::empty(make_shape(dims, dims + ids.rank() + 1));
    for (index_t i = 0; i < ids.numel(); ++i)
        std::copy(table.data() + ids[i] * D, table.data() + (ids[i] + 1) * D, y.data() + i * D);
    return y;
}
template <class T>
Tensor<T> scatter_rows(const Tensor<T>& g, const Tensor<std::int32_t>& ids, index_t rows) {
    const index_t D = g.dim(-1);
    Tensor<T> table(Shape{rows, D});
    for (index_t i = 0; i < ids.numel(); ++i) {
        T* dst = table.data() + ids[i] * D;
        const T* src = g.data() + i * D;
        for (index_t j = 0; j < D; ++j) dst[j] += src[j];
    }
    return table;
}

template <class T>
Var<T> gather_or_scatter(bool gather, const Var<T>& x, const Tensor<std::int32_t>& ids, index_t rows);

template <class T>
class EmbeddingNode final : public OpNode<T, 1> {
public:
    EmbeddingNode(Tensor<T> y, Var<T> x, Tensor<std::int32_t> ids, bool gather, index_t rows)
        : OpNode<T, 1>(std::move(y), {std::move(x)}), ids_(std::move(ids)), gather_(gather), rows_(rows) {}
    NodeKind kind() const override { return gather_ ? NodeKind::embedding : NodeKind::embedding_backward; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        gx[0] = gather_or_scatter(!gather_, gy, ids_, rows_);
    }

private:
    void release_saved() override { ids_ = Tensor<std::int32_t>(); }
    Tensor<std::int32_t> ids_;
    bool gather_;
    index_t rows_;  // V, the table's rows
};

template <class T>
Var<T> gather_or_scatter(bool gather, const Var<T>& x, const Tensor<std::int32_t>& ids, index_t rows) {
    Tensor<T> y = gather ? gather_rows(x.value(), ids) : scatter_rows(x.value(), ids, rows);
    return make_result<EmbeddingNode<T>>(recording(x), std::move(y), x, ids, gather, rows);
}

}  // namespace detail

template <class T>
Tensor<T> embedding(const Tensor<T>& table, const Tensor<std::int32_t>& ids) {
    INK_CHECK(table.rank() == 2, "embedding: table shape ", table.shape().str(), " and ids shape ", ids.shape().str(),
              ": expected a table of rank 2 (V, D)");
    detail::check_ids(ids, table.dim(0));
    return detail::gather_rows(table, ids);
}

template <class T>
Var<T> embedding(const Var<T>& table, const Tensor<std::int32_t>& ids) {
    INK_CHECK(table.rank() == 2, "embedding: table shape ", table.shape().str(), " and ids shape ", ids.shape().str(),
              ": expected a table of rank 2 (V, D)");
    detail::check_ids(ids, table.dim(0));
    return detail::gather_or_scatter(true, table, ids, table.dim(0));
}

}  // namespace ink
