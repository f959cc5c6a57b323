#pragma once
// The core layer: shapes, tensors, errors, memory, random numbers and threads.
#include "ink/core/error.hpp"
#include "ink/core/file.hpp"
#include "ink/core/memory.hpp"
#include "ink/core/parse.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/shape.hpp"
#include "ink/core/tensor.hpp"
#include "ink/core/threads.hpp"
