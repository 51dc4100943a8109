// One iteration of gridlock::check: the body in a child made by fork() without exec (the body is a lambda
// of the test process: there is nothing to exec), in a process group of its own. The child streams each
// finding to us over a pipe as a runner's trial does (reporter.cpp), so what it found before it crashed,
// deadlocked or was killed is kept; we enforce the timeout, and before the kill the runner's watchdog
// (runner/watchdog.h) records what its threads were doing. Nothing the body does can hang or kill us.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gridlock/check.h"
#include "reproduce_value.h"

namespace gridlock {

struct iteration_result {
  /// timeout, crash, finding, failed, passed in that order of precedence; error when the child could not
  /// set the strategy, or there was no child.
  check_outcome outcome = check_outcome::passed;
  std::optional<int> exit_code;  ///< when it exited
  std::optional<int> signal;     ///< when a signal ended it (SIGKILL after a timeout)
  /// Encoded (finding_json.h), not yet symbolized, in the order found; a timeout adds the watchdog's last.
  std::vector<nlohmann::json> findings;
  std::string failure;  ///< why the body failed or could not start, as the child (or fork) said; may be empty
};

iteration_result run_iteration(const std::function<void()>& body, const iteration_key& key,
                               std::chrono::milliseconds timeout);

}  // namespace gridlock
