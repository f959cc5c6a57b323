#pragma once
// The ops layer: differentiable functions on Var<T>, and their tensor-level forwards (see
// docs/autograd.md).
#include "ink/ops/broadcast.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/activations.hpp"
#include "ink/ops/shape_ops.hpp"
#include "ink/ops/reductions.hpp"
#include "ink/ops/matmul.hpp"
#include "ink/ops/conv1d.hpp"
#include "ink/ops/embedding.hpp"
#include "ink/ops/softmax.hpp"
#include "ink/ops/losses.hpp"
#include "ink/ops/random.hpp"
#include "ink/ops/linear_cross_entropy.hpp"
