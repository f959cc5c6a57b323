#pragma once
// The optim layer (see docs/design.md). Includes every header of include/ink/optim/.
