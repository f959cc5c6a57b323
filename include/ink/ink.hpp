#pragma once
// The compute layers of ink: tensors, kernels, autograd, ops, modules, optimizers. Light to
// compile on purpose (no Eigen, nlohmann/json, zlib or stb: the ctest consumer/umbrella_header_is_light
// checks it); linking ink::compiled instead of ink::ink also takes their instantiation out of the
// program's files (ink/compiled.hpp). The layers that touch files or pull heavy dependencies are
// opt-in headers:
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
#if defined(INK_COMPILED)  // linking ink::compiled: its templates are compiled there, not here
#include "ink/compiled.hpp"
#endif
