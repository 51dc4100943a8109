# gridlock_add_test(NAME name COMMAND target [ARGS ...] [RUNS n] [TIMEOUT s] [STRATEGY s])
#
# Registers the ctest test `name`, labelled `deadlock`, that runs the executable target `target` (with
# ARGS) under `gridlock exec`: RUNS times (default 10), each run in a child process of its own under the
# LD_PRELOAD interposer and bounded by TIMEOUT whole seconds (default 60), with the schedule-perturbation
# strategy STRATEGY if given (exec's default otherwise). The test fails on any finding, crash or failed
# run (exec exits 1; 2 for bad input). Its reports go to <build dir>/gridlock-reports/<name>/, where CI
# collects them for `gridlock merge`.
#
# The same function serves Gridlock's own build tree and the installed package (GridlockConfig.cmake
# includes this file): both have the gridlock executable as the target Gridlock::cli.
include_guard(GLOBAL)

function(gridlock_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;COMMAND;RUNS;TIMEOUT;STRATEGY" "ARGS")
  if(NOT arg_NAME OR NOT arg_COMMAND OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "usage: gridlock_add_test(NAME name COMMAND target [ARGS ...] [RUNS n] [TIMEOUT s] [STRATEGY s])")
  endif()
  if(NOT DEFINED arg_RUNS)
    set(arg_RUNS 10)
  endif()
  if(NOT DEFINED arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  # Whole numbers, so that the ctest timeout below can be worked out.
  if(NOT arg_RUNS MATCHES "^[1-9][0-9]*$" OR NOT arg_TIMEOUT MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "gridlock_add_test(${arg_NAME}): RUNS and TIMEOUT take positive whole numbers")
  endif()
  set(strategy)
  if(DEFINED arg_STRATEGY)
    set(strategy --strategy ${arg_STRATEGY})
  endif()
  add_test(NAME ${arg_NAME}
    COMMAND $<TARGET_FILE:Gridlock::cli> exec --runs ${arg_RUNS} --timeout ${arg_TIMEOUT} ${strategy}
      --out ${CMAKE_BINARY_DIR}/gridlock-reports/${arg_NAME} --source-root ${PROJECT_SOURCE_DIR}
      -- $<TARGET_FILE:${arg_COMMAND}> ${arg_ARGS})
  # The watchdog bounds every run; ctest's own timeout is only a backstop for gridlock itself, set high
  # enough (every run one after the other, each to its limit) that a default `ctest --timeout` never
  # cuts a long stress test short.
  math(EXPR backstop "${arg_RUNS} * ${arg_TIMEOUT} + 60")
  set_tests_properties(${arg_NAME} PROPERTIES LABELS deadlock TIMEOUT ${backstop})
endfunction()
