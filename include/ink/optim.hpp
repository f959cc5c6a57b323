#pragma once
// The optim layer: SGD, Adam/AdamW, RMSprop, with state that checkpoints can save.
#include "ink/optim/optimizer.hpp"
#include "ink/optim/sgd.hpp"
#include "ink/optim/adam.hpp"
#include "ink/optim/rmsprop.hpp"
