// The doctest runner for ink-tests; every tests/<layer>/test_*.cpp adds its cases.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
