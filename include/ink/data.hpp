#pragma once
// The data layer (see docs/design.md). Includes every header of include/ink/data/.
