# Run by ctest: compile the README's program (tests/consumer/main.cpp) as a program linking
# ink::compiled does (-DINK_COMPILED), list what its object defines, and fail if that includes ink's
# ops, autograd nodes, engine, kernels, layers or optimizers: ink/compiled.hpp declares them extern,
# so the program compiles only its own code and the small inline pieces (Shape, the error helpers,
# destructors). The same program without INK_COMPILED must define them, or the check proves nothing.
# bench/compile_time.sh reports the seconds.
include(${CMAKE_CURRENT_LIST_DIR}/compiler_args.cmake)
list(APPEND args -O2 -c)
set(heavy "ink::kernels::|Node<|Engine<|ink::nn::[A-Za-z]+<[a-z]+>::[A-Za-z_]+\\(|ink::optim::[A-Za-z]+<[a-z]+>::[A-Za-z_]+\\(")

function(ink_symbols object defines out)
  execute_process(COMMAND ${CXX} ${args} ${defines} ${SOURCE} -o ${object} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling ${SOURCE} ${defines} failed (${rc}):\n${err}")
  endif()
  execute_process(COMMAND ${NM} -C --defined-only ${object} RESULT_VARIABLE rc OUTPUT_VARIABLE symbols)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} ${object} failed (${rc})")
  endif()
  string(REGEX REPLACE "[^\n]*::~[^\n]*" "" symbols "${symbols}")  # inline destructors stay
  string(REGEX MATCHALL "[^\n]*(${heavy})[^\n]*" found "${symbols}")
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

ink_symbols(${WORK_DIR}/header_only.o "" header_only)
list(LENGTH header_only count)
if(count LESS 10)
  message(FATAL_ERROR "expected the header-only object to define ink's ops and kernels, found ${count}")
endif()
ink_symbols(${WORK_DIR}/compiled.o "-DINK_COMPILED" compiled)
if(compiled)
  string(REPLACE ";" "\n" compiled "${compiled}")
  message(FATAL_ERROR "with INK_COMPILED the README program still compiles these (missing from ink/compiled.hpp?):\n${compiled}")
endif()
message(STATUS "compiled mode: the README program defines none of the ${count} ink functions it defines header-only")
