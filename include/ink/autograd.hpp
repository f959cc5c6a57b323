#pragma once
// The autograd layer: Var<T>, graph nodes, backward(), grad(), NoGradGuard (see docs/autograd.md).
#include "ink/autograd/node_pool.hpp"
#include "ink/autograd/var.hpp"
#include "ink/autograd/engine.hpp"
