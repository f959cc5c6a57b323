#pragma once
// The compute layers of ink: tensors, kernels, autograd, ops, modules, optimizers. Light to
// compile on purpose (no Eigen, nlohmann/json, zlib or stb: tests/core/test_umbrella_header checks
// it). The layers that touch files or pull heavy dependencies are opt-in headers:
//   ink/io.hpp      safetensors, checkpoints, atomic files (nlohmann/json)
//   ink/data.hpp    datasets and readers (nlohmann/json, zlib)
//   ink/util.hpp    PNG, plots, image grids, CSV, progress bar (stb)
//   ink/train.hpp   the training loop (needs io, data and util)
//   ink/metrics.hpp Frechet distance (Eigen)
#include "ink/core.hpp"
#include "ink/kernels.hpp"
#include "ink/autograd.hpp"
#include "ink/ops.hpp"
#include "ink/nn.hpp"
#include "ink/optim.hpp"
