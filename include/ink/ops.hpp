#pragma once
// The ops layer (see docs/design.md). Includes every header of include/ink/ops/.
