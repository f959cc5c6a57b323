#pragma once
// The kernels layer: hand-written compute on raw pointers and sizes.
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/gemm.hpp"
#include "ink/kernels/softmax.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/kernels/reduce.hpp"
