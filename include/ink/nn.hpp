#pragma once
// The nn layer (see docs/design.md). Includes every header of include/ink/nn/.
