# The wasm preset (emcmake, docs/wasm.md): ink's headers compiled to WebAssembly with Debian's
# emscripten. Builds the kernels' tests (run under node by ctest) and the static poem page
# (examples/poem_vae/wasm). Included by the top CMakeLists.txt instead of the native build: there is
# no OpenMP (ink runs single-threaded), no zlib (only ink/data/idx.hpp needs it, and nothing here
# includes it) and no emscripten port is used, so nothing is downloaded.
#
# The header-only libraries come from the host (Debian's packages), each through a link of its own
# in the build folder: adding /usr/include itself would put glibc's headers in front of emscripten's.
set(INK_WASM_HOST_INCLUDE /usr/include CACHE PATH "Where the host's nlohmann/, doctest/, stb/ and eigen3/ headers are")
set(host_include ${CMAKE_BINARY_DIR}/host-include)
file(MAKE_DIRECTORY ${host_include})
foreach(dir nlohmann doctest stb)
  if(NOT EXISTS ${INK_WASM_HOST_INCLUDE}/${dir})
    message(FATAL_ERROR "wasm: ${INK_WASM_HOST_INCLUDE}/${dir} not found (Debian: nlohmann-json3-dev, doctest-dev, libstb-dev)")
  endif()
  file(CREATE_LINK ${INK_WASM_HOST_INCLUDE}/${dir} ${host_include}/${dir} SYMBOLIC)
endforeach()

add_library(ink INTERFACE)
add_library(ink::ink ALIAS ink)
target_include_directories(ink INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_include_directories(ink SYSTEM INTERFACE ${host_include})
target_compile_features(ink INTERFACE cxx_std_20)

# -msimd128 selects ink/simd/isa/wasm_simd128.hpp. -fwasm-exceptions: ink reports bad input by
# throwing ink::Error, and emscripten's default build aborts on any throw. Its other way to catch,
# -fexceptions, calls through JavaScript trampolines, which cannot pass SIMD values ("type
# incompatibility when transforming from/to JS" in the element-wise tests) and are slower.
add_library(ink_build_flags INTERFACE)
target_compile_options(ink_build_flags INTERFACE -Wall -Wextra -msimd128 -fwasm-exceptions)
target_link_options(ink_build_flags INTERFACE -msimd128 -fwasm-exceptions -sALLOW_MEMORY_GROWTH=1)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

find_program(INK_NODE node REQUIRED)
enable_testing()

# ---- the kernels' tests, as in tests/CMakeLists.txt: one binary, one ctest test per source file ----
# Eigen (the tests' reference) is header-only and portable; its own SIMD stays off in wasm.
file(GLOB kernel_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernels/test_*.cpp)
add_executable(ink-wasm-tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/main.cpp ${kernel_tests})
target_link_libraries(ink-wasm-tests PRIVATE ink::ink ink_build_flags)
target_include_directories(ink-wasm-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
target_include_directories(ink-wasm-tests SYSTEM PRIVATE ${INK_WASM_HOST_INCLUDE}/eigen3)
target_compile_definitions(ink-wasm-tests PRIVATE DOCTEST_CONFIG_SUPER_FAST_ASSERTS)
# Node's fetch (on by default in node 18+) makes emscripten's loader try to fetch the .wasm as a URL.
target_link_options(ink-wasm-tests PRIVATE -sENVIRONMENT=node -sEXIT_RUNTIME=1)
foreach(src ${kernel_tests})
  get_filename_component(file ${src} NAME)
  string(REGEX REPLACE "\\.cpp$" "" name ${file})
  add_test(NAME wasm/kernels/${name}
    COMMAND ${INK_NODE} --no-experimental-fetch $<TARGET_FILE:ink-wasm-tests> --source-file=*${file} --no-intro --no-version)
endforeach()

add_subdirectory(examples/poem_vae/wasm)

# ---- the static page in headless Chromium (tests/web/wasm_page.test.mjs) ----------------------------
# It compares the page's couplets with the native ink-poem's: INK_NATIVE_POEM names that binary (the
# release preset's build/release/bin/ink-poem; scripts/wasm.sh passes it).
set(INK_NATIVE_POEM "" CACHE FILEPATH "A native ink-poem, for the browser test's comparison")
find_program(INK_NPM npm)
find_program(INK_CHROMIUM NAMES chromium chromium-browser)
if(INK_NATIVE_POEM AND INK_NPM AND INK_CHROMIUM)
  add_test(NAME wasm/poem_page
    COMMAND ${CMAKE_COMMAND}
      -DNODE=${INK_NODE} -DNPM=${INK_NPM} -DTEST_DIR=${CMAKE_CURRENT_SOURCE_DIR}/tests/web
      -DWORK_DIR=${CMAKE_BINARY_DIR}/web-test -DSCRIPT=wasm_page.test.mjs
      "-DARGS=--page|${CMAKE_BINARY_DIR}/poem-page|--native|${INK_NATIVE_POEM}|--chromium|${INK_CHROMIUM}"
      -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/web/run_browser_test.cmake)
  set_tests_properties(wasm/poem_page PROPERTIES TIMEOUT 300)
else()
  message(STATUS "wasm/poem_page (browser test) skipped: needs INK_NATIVE_POEM, npm and chromium")
endif()
