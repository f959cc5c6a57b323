#pragma once
// Every kind of graph node, in one list (as ggml's enum of ops): each node type returns its kind from
// Node::kind(), its name (for error messages) is the kind's, and tests/ops/test_op_registry.cpp walks
// the list and fails for a kind that has no gradcheck case in its table. A new op adds its kind here.
#include <cstdint>
#include <iterator>

// X(kind): leaf first; then the engine's own nodes; then the ops, grouped by header.
#define INK_NODE_KINDS(X)                                                                                 \
    X(leaf)                                                                                               \
    X(gradient_sum) X(constant_gradient)                                             /* autograd/engine */ \
    X(add) X(sub) X(mul) X(div) X(neg) X(scale) X(add_scalar) X(exp) X(log) X(sqrt) X(square) X(pow)        \
    X(sigmoid) X(tanh) X(relu) X(leaky_relu) X(softplus) X(glu)                      /* activations */     \
    X(broadcast_to) X(sum_to) X(sum)                                                 /* reductions */      \
    X(reshape) X(transpose) X(slice) X(pad) X(concat)                                /* shape_ops */       \
    X(matmul) X(linear) X(conv1d) X(conv1d_backward_data) X(conv1d_backward_weight)                       \
    X(embedding) X(embedding_backward) X(softmax) X(log_softmax)                                          \
    X(cross_entropy) X(binary_cross_entropy_with_logits) X(linear_cross_entropy)

namespace ink {

enum class NodeKind : std::uint8_t {
#define INK_NODE_KIND_ENUM(k) k,
    INK_NODE_KINDS(INK_NODE_KIND_ENUM)
#undef INK_NODE_KIND_ENUM
};

namespace detail {
inline constexpr const char* node_kind_names[] = {
#define INK_NODE_KIND_NAME(k) #k,
    INK_NODE_KINDS(INK_NODE_KIND_NAME)
#undef INK_NODE_KIND_NAME
};
}  // namespace detail

inline constexpr int node_kind_count = static_cast<int>(std::size(detail::node_kind_names));

constexpr const char* node_kind_name(NodeKind k) { return detail::node_kind_names[static_cast<int>(k)]; }

}  // namespace ink
