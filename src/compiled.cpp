// The ink::compiled library: the templates of <ink/ink.hpp> for float and double, instantiated once
// (ink/compiled.hpp lists them; a program linking this library declares them extern).
#include "ink/compiled.hpp"

INK_COMPILED_TEMPLATES(, float)
INK_COMPILED_TEMPLATES(, double)
