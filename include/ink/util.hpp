#pragma once
// The util layer (see docs/design.md). Includes every header of include/ink/util/.
#include "ink/util/csv.hpp"
#include "ink/util/bitmap_font.hpp"
#include "ink/util/grid.hpp"
#include "ink/util/image.hpp"
#include "ink/util/interrupt.hpp"
#include "ink/util/normal_quantile.hpp"
#include "ink/util/plot.hpp"
#include "ink/util/png.hpp"
#include "ink/util/progress.hpp"
#include "ink/util/text.hpp"
#include "ink/util/timer.hpp"
#include "ink/util/truetype.hpp"
