#pragma once
// The compiled mode of <ink/ink.hpp>: its templates for float and double, instantiated once in the
// ink::compiled library (src/compiled.cpp) and declared `extern template` in every translation unit
// built with INK_COMPILED (which linking ink::compiled defines). Such a unit still parses the headers
// but no longer optimises and emits the ops, their backward nodes, the kernels, the layers and the
// optimizers: that was most of its compile time (docs/benchmarks.md, "Compile time").
//
// Only the entry points are listed: an op's nodes, kernels and helpers are instantiated inside it.
// An op missing here still works in compiled mode, compiled in the user's unit as before; an entry
// whose signature does not match its template fails to compile src/compiled.cpp. A new op or layer
// of ink.hpp gets its line here (docs/autograd.md, "How to add an op").
#include "ink/ink.hpp"

// X is `extern` (a declaration) or empty (the definition, in src/compiled.cpp); T is float or double.
#define INK_COMPILED_TEMPLATES(X, T)                                                                           \
    namespace ink {                                                                                            \
    /* core, autograd */                                                                                       \
    X template class Tensor<T>;                                                                                \
    X template class Var<T>;                                                                                   \
    X template class detail::Engine<T>;                                                                        \
    X template std::vector<Var<T>> grad(const std::vector<Var<T>>&, const std::vector<Var<T>>&, GradOptions);  \
    X template Var<T> grad(const Var<T>&, const Var<T>&, GradOptions);                                         \
    /* kernels a program may call directly */                                                                  \
    X template void kernels::gemm(kernels::Trans, kernels::Trans, index_t, index_t, index_t, T, const T*,      \
                                  index_t, const T*, index_t, T, T*, index_t);                                 \
    X template void kernels::conv1d_forward(const kernels::Conv1dParams&, const T*, const T*, const T*, T*);   \
    X template void kernels::conv1d_backward_data(const kernels::Conv1dParams&, const T*, const T*, T*, bool); \
    X template void kernels::conv1d_backward_weight(const kernels::Conv1dParams&, const T*, const T*, T*,      \
                                                    bool);                                                     \
    X template void kernels::softmax_rows(index_t, index_t, const T*, T*);                                     \
    X template void kernels::log_softmax_rows(index_t, index_t, const T*, T*);                                 \
    /* ops/arithmetic.hpp */                                                                                   \
    X template Var<T> add(const Var<T>&, const Var<T>&);                                                       \
    X template Var<T> sub(const Var<T>&, const Var<T>&);                                                       \
    X template Var<T> mul(const Var<T>&, const Var<T>&);                                                       \
    X template Var<T> div(const Var<T>&, const Var<T>&);                                                       \
    X template Var<T> neg(const Var<T>&);                                                                      \
    X template Var<T> scale(const Var<T>&, T);                                                                 \
    X template Var<T> add(const Var<T>&, T);                                                                   \
    X template Var<T> exp(const Var<T>&);                                                                      \
    X template Var<T> log(const Var<T>&);                                                                      \
    X template Var<T> sqrt(const Var<T>&);                                                                     \
    X template Var<T> square(const Var<T>&);                                                                   \
    X template Var<T> pow(const Var<T>&, T);                                                                   \
    X template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);                                              \
    X template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);                                              \
    X template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);                                              \
    X template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);                                              \
    X template Tensor<T> neg(const Tensor<T>&);                                                                \
    X template Tensor<T> scale(const Tensor<T>&, T);                                                           \
    X template Tensor<T> add(const Tensor<T>&, T);                                                             \
    X template Tensor<T> exp(const Tensor<T>&);                                                                \
    X template Tensor<T> log(const Tensor<T>&);                                                                \
    X template Tensor<T> sqrt(const Tensor<T>&);                                                               \
    X template Tensor<T> square(const Tensor<T>&);                                                             \
    X template Tensor<T> pow(const Tensor<T>&, T);                                                             \
    /* ops/activations.hpp */                                                                                  \
    X template Var<T> sigmoid(const Var<T>&);                                                                  \
    X template Var<T> tanh(const Var<T>&);                                                                     \
    X template Var<T> relu(const Var<T>&);                                                                     \
    X template Var<T> leaky_relu(const Var<T>&, T);                                                            \
    X template Var<T> softplus(const Var<T>&);                                                                 \
    X template Var<T> glu(const Var<T>&);                                                                      \
    X template Tensor<T> sigmoid(const Tensor<T>&);                                                            \
    X template Tensor<T> tanh(const Tensor<T>&);                                                               \
    X template Tensor<T> relu(const Tensor<T>&);                                                               \
    X template Tensor<T> leaky_relu(const Tensor<T>&, T);                                                      \
    X template Tensor<T> softplus(const Tensor<T>&);                                                           \
    X template Tensor<T> glu(const Tensor<T>&);                                                                \
    /* ops/broadcast.hpp, ops/reductions.hpp */                                                                \
    X template Var<T> broadcast_to(const Var<T>&, const Shape&);                                               \
    X template Var<T> sum_to(const Var<T>&, const Shape&);                                                     \
    X template Tensor<T> broadcast_to(const Tensor<T>&, const Shape&);                                         \
    X template Tensor<T> sum_to(const Tensor<T>&, const Shape&);                                               \
    X template Var<T> sum(const Var<T>&);                                                                      \
    X template Var<T> sum(const Var<T>&, int, bool);                                                           \
    X template Var<T> mean(const Var<T>&);                                                                     \
    X template Var<T> mean(const Var<T>&, int, bool);                                                          \
    X template Var<T> norm_per_sample(const Var<T>&);                                                          \
    X template Tensor<T> sum(const Tensor<T>&);                                                                \
    X template Tensor<T> sum(const Tensor<T>&, int, bool);                                                     \
    X template Tensor<T> mean(const Tensor<T>&);                                                               \
    /* ops/shape_ops.hpp */                                                                                    \
    X template Var<T> reshape(const Var<T>&, const Shape&);                                                    \
    X template Var<T> reshape(const Var<T>&, const std::vector<index_t>&);                                     \
    X template Var<T> transpose(const Var<T>&);                                                                \
    X template Var<T> slice(const Var<T>&, int, index_t, index_t);                                             \
    X template Var<T> pad(const Var<T>&, const Shape&, int, index_t);                                          \
    X template Var<T> concat(const std::vector<Var<T>>&, int);                                                 \
    X template std::vector<Var<T>> split(const Var<T>&, int, const std::vector<index_t>&);                     \
    X template std::vector<Var<T>> split(const Var<T>&, int, int);                                             \
    X template Tensor<T> transpose(const Tensor<T>&);                                                          \
    X template Tensor<T> slice(const Tensor<T>&, int, index_t, index_t);                                       \
    X template Tensor<T> pad(const Tensor<T>&, const Shape&, int, index_t);                                    \
    X template Tensor<T> concat(const std::vector<Tensor<T>>&, int);                                           \
    /* ops/matmul.hpp, ops/conv1d.hpp, ops/embedding.hpp, ops/softmax.hpp */                                   \
    X template Var<T> matmul(const Var<T>&, const Var<T>&);                                                    \
    X template Var<T> linear(const Var<T>&, const Var<T>&, const Var<T>&);                                     \
    X template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&);                                           \
    X template Tensor<T> linear(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);                         \
    X template Var<T> conv1d(const Var<T>&, const Var<T>&, const Var<T>&, Conv1dOptions);                      \
    X template Var<T> conv1d(const Var<T>&, const Var<T>&, Conv1dOptions);                                     \
    X template Tensor<T> conv1d(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Conv1dOptions);          \
    X template Var<T> embedding(const Var<T>&, const Tensor<std::int32_t>&);                                   \
    X template Tensor<T> embedding(const Tensor<T>&, const Tensor<std::int32_t>&);                             \
    X template Var<T> softmax(const Var<T>&);                                                                  \
    X template Var<T> log_softmax(const Var<T>&);                                                              \
    X template Tensor<T> softmax(const Tensor<T>&);                                                            \
    X template Tensor<T> log_softmax(const Tensor<T>&);                                                        \
    /* ops/losses.hpp, ops/linear_cross_entropy.hpp, ops/random.hpp */                                        \
    X template Var<T> cross_entropy(const Var<T>&, const Tensor<std::int32_t>&, CrossEntropyOptions);          \
    X template Var<T> cross_entropy(const Var<T>&, const Tensor<std::int32_t>&, Reduction);                    \
    X template Tensor<T> cross_entropy(const Tensor<T>&, const Tensor<std::int32_t>&, CrossEntropyOptions);    \
    X template Tensor<T> cross_entropy(const Tensor<T>&, const Tensor<std::int32_t>&, Reduction);              \
    X template Var<T> binary_cross_entropy_with_logits(const Var<T>&, const Tensor<T>&, Reduction);            \
    X template Var<T> binary_cross_entropy_with_logits(const Var<T>&, const Var<T>&, Reduction);               \
    X template Tensor<T> binary_cross_entropy_with_logits(const Tensor<T>&, const Tensor<T>&, Reduction);      \
    X template Var<T> mse(const Var<T>&, const Var<T>&, Reduction);                                            \
    X template Var<T> gaussian_kl(const Var<T>&, const Var<T>&);                                               \
    X template Var<T> linear_cross_entropy(const Var<T>&, const Var<T>&, const Var<T>&,                        \
                                           const Tensor<std::int32_t>&, Reduction);                            \
    X template Tensor<T> linear_cross_entropy(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,            \
                                              const Tensor<std::int32_t>&, Reduction);                         \
    X template Var<T> normal_sample(const Var<T>&, const Var<T>&, const Tensor<T>&);                           \
    X template Var<T> normal_sample(const Var<T>&, const Var<T>&, Rng&);                                       \
    /* nn, optim */                                                                                            \
    X template class nn::Module<T>;                                                                            \
    X template class nn::Linear<T>;                                                                            \
    X template class nn::Conv1d<T>;                                                                            \
    X template class nn::GatedConv1d<T>;                                                                       \
    X template class nn::Embedding<T>;                                                                         \
    X template class nn::Sequential<T>;                                                                        \
    X template void nn::Init::operator()(Tensor<T>&, index_t, index_t, Rng&) const;                            \
    X template class optim::Optimizer<T>;                                                                      \
    X template class optim::Adam<T>;                                                                           \
    X template class optim::AdamW<T>;                                                                          \
    X template class optim::RMSprop<T>;                                                                        \
    X template class optim::SGD<T>;                                                                            \
    }

#if defined(INK_COMPILED)
INK_COMPILED_TEMPLATES(extern, float)
INK_COMPILED_TEMPLATES(extern, double)
#endif
