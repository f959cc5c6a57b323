#pragma once
// The nn layer: Module, initialisers and layers.
#include "ink/nn/module.hpp"
#include "ink/nn/init.hpp"
#include "ink/nn/linear.hpp"
#include "ink/nn/embedding.hpp"
#include "ink/nn/conv1d.hpp"
#include "ink/nn/gated_conv1d.hpp"
#include "ink/nn/activation.hpp"
#include "ink/nn/sequential.hpp"
