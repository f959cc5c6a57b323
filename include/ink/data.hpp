#pragma once
// The data layer (see docs/data.md). Includes every header of include/ink/data/.
#include "ink/data/batches.hpp"
#include "ink/data/class_names.hpp"
#include "ink/data/idx.hpp"
#include "ink/data/images.hpp"
#include "ink/data/json_file.hpp"
#include "ink/data/mnist_json.hpp"
#include "ink/data/opencc.hpp"
#include "ink/data/poetry.hpp"
#include "ink/data/split.hpp"
#include "ink/data/utf8.hpp"
#include "ink/data/vocab.hpp"
