# Run by ctest: install ink to a scratch prefix, then build and run tests/consumer against it, first
# through find_package(ink CONFIG), then through add_subdirectory.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${INK_BINARY_DIR} --prefix ${prefix} --config ${CONFIG})
foreach(mode package subdirectory)
  set(build ${WORK_DIR}/build-${mode})
  if(mode STREQUAL "package")
    set(how -DCMAKE_PREFIX_PATH=${prefix})
  else()
    set(how -DINK_SOURCE_DIR=${INK_SOURCE_DIR})
  endif()
  # The installed ink::compiled was built with this build's flags: a sanitizer build's library needs
  # its runtime at link time (LINK_FLAGS, empty in the release build).
  run(${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR} -B ${build} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}" ${how})
  run(${CMAKE_COMMAND} --build ${build})
  run(${build}/consumer)
  run(${build}/consumer-compiled)
  message(STATUS "consumer via ${mode}: ok")
endforeach()
