# ctest step of web/poem_page: installs playwright-core (pinned, npm ci) into the build folder when it
# is missing there, then runs the test. Nothing is downloaded by the test itself.
foreach(f package.json package-lock.json)
  configure_file(${TEST_DIR}/${f} ${WORK_DIR}/${f} COPYONLY)
endforeach()
if(NOT EXISTS ${WORK_DIR}/node_modules/playwright-core/package.json)
  execute_process(COMMAND ${NPM} ci --no-audit --no-fund WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "npm ci failed in ${WORK_DIR} (exit ${rc})")
  endif()
endif()
execute_process(
  COMMAND ${NODE} ${TEST_DIR}/poem_page.test.mjs --binary ${INK_POEM} --source ${SOURCE_DIR} --chromium ${CHROMIUM}
    --work ${WORK_DIR}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "web/poem_page failed (exit ${rc})")
endif()
