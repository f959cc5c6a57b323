#pragma once
// Testing helpers for users and ink's own tests: finite-difference gradient checks.
#include "ink/testing/gradcheck.hpp"
