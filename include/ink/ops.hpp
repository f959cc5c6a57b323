#pragma once
// The ops layer: differentiable functions on Var<T>, and their tensor-level forwards (see
// docs/autograd.md).
#include "ink/ops/broadcast.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/activations.hpp"
#include "ink/ops/shape_ops.hpp"
#include "ink/ops/reductions.hpp"
#include "ink/ops/matmul.hpp"
