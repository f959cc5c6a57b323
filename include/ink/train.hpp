#pragma once
// The train layer: a training loop with hooks (epochs, batch order, progress, history, checkpoints,
// resume, Ctrl-C) for the examples' models and the user's own.
#include "ink/train/history.hpp"
#include "ink/train/loop.hpp"
