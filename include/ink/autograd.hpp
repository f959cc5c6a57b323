#pragma once
// The autograd layer (see docs/design.md). Includes every header of include/ink/autograd/.
