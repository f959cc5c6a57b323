#pragma once
// The io layer (see docs/design.md). Includes every header of include/ink/io/.
