#pragma once
// The whole of ink. Include a layer's header (ink/core.hpp, ink/kernels.hpp, ...) or a single
// concept's header instead to compile faster.
#include "ink/core.hpp"
#include "ink/kernels.hpp"
#include "ink/autograd.hpp"
#include "ink/ops.hpp"
#include "ink/nn.hpp"
#include "ink/optim.hpp"
#include "ink/io.hpp"
#include "ink/data.hpp"
#include "ink/util.hpp"
#include "ink/train.hpp"
#include "ink/metrics.hpp"
