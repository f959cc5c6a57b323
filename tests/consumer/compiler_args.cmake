# The compiler arguments the consumer checks share: C++20, OpenMP, -march=native when NATIVE, and
# -I for each of INCLUDE_DIRS ("|"-separated, as ctest passes them).
string(REPLACE "|" ";" include_dirs "${INCLUDE_DIRS}")
set(args -std=c++20 -fopenmp)
if(NATIVE)
  list(APPEND args -march=native)
endif()
foreach(dir ${include_dirs})
  list(APPEND args -I${dir})
endforeach()
