#pragma once
// The metrics layer: measures of generated samples (the Fréchet distance of FID). Uses Eigen.
#include "ink/metrics/frechet.hpp"
