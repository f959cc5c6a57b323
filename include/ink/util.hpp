#pragma once
// The util layer (see docs/design.md). Includes every header of include/ink/util/.
