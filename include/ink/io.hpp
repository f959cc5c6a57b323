#pragma once
// The io layer: safetensors files, checkpoints, atomic writes.
#include "ink/io/atomic_file.hpp"
#include "ink/io/safetensors.hpp"
#include "ink/io/checkpoint.hpp"
