# Run by ctest: preprocess the README's program (tests/consumer/main.cpp, which includes only
# <ink/ink.hpp>) with -H, which lists every header the compiler opens, and fail if any of them
# belongs to a heavy dependency, or is one of ink's bf16 kernels. <ink/ink.hpp> must stay cheap to
# compile (about 1.5 s instead of 9 s when it pulled in Eigen); the heavy layers are opt-in headers
# (see the comment in ink.hpp), and so is the bf16 mixed-precision guard (<ink/precision.hpp>), so
# that a program that never asks for bf16 does not compile the GEMM twice.
# A deterministic check on the include graph, not a timing assertion: bench/compile_time.sh
# reports the seconds.
include(${CMAKE_CURRENT_LIST_DIR}/compiler_args.cmake)
list(APPEND args -E -H -o /dev/null)
execute_process(COMMAND ${CXX} ${args} ${SOURCE} RESULT_VARIABLE rc ERROR_VARIABLE headers)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ${SOURCE} failed (${rc}):\n${headers}")
endif()
set(heavy "/Eigen/|/eigen3/|/nlohmann/|/zlib\\.h|/stb/|/httplib\\.h|/CLI/|/ink/kernels/gemm_bf16\\.hpp|/ink/kernels/conv1d_bf16\\.hpp")
string(REGEX MATCHALL "[^\n]*(${heavy})[^\n]*" offenders "${headers}")
if(offenders)
  string(REPLACE ";" "\n" offenders "${offenders}")
  message(FATAL_ERROR "<ink/ink.hpp> includes heavy headers (the -H lines, dots = depth):\n${offenders}")
endif()
string(REGEX MATCHALL "\n\\.+ [^\n]*include/ink/" ink_headers "\n${headers}")
list(LENGTH ink_headers count)
if(count LESS 10)
  message(FATAL_ERROR "expected the -H list to show ink's headers, found ${count}:\n${headers}")
endif()
message(STATUS "<ink/ink.hpp>: ${count} ink headers opened, none of Eigen, nlohmann/json, zlib, stb, the bf16 kernels")
