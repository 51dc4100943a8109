// Process-wide settings of the detectors and access to what they found. A program linked with
// gridlock needs none of this: each finding is printed to stderr once as it is found, written as JSON
// at exit when GRIDLOCK_JSON=path is set, and streamed to the runner when it runs as a trial.
#pragma once

#include <stdexcept>
#include <vector>

#include "gridlock/finding.h"

namespace gridlock {

/// What happens after a fatal finding (is_fatal(): the reporting thread could never go on).
/// Environment: GRIDLOCK_ON_DEADLOCK=exit|throw|report.
enum class deadlock_policy {
  exit,    ///< default: report, flush every sink, end the process with exit code deadlock_exit_code
  throw_,  ///< throw finding_error in the thread that found it (tests use this to never hang)
  report,  ///< report and carry on (the thread then blocks as the program asked)
};

/// The exit code of a process ended by deadlock_policy::exit. The runner relies on it.
inline constexpr int deadlock_exit_code = 86;

/// Thrown under deadlock_policy::throw_.
class finding_error : public std::runtime_error {
 public:
  explicit finding_error(const finding& f);
  const finding& which() const noexcept { return finding_; }

 private:
  finding finding_;
};

void set_deadlock_policy(deadlock_policy policy) noexcept;
deadlock_policy current_deadlock_policy() noexcept;

/// Every finding reported so far in this process, in order. Thread-safe copy.
std::vector<finding> findings();
/// Forgets the findings so far and which cycles were already reported (tests use it between cases).
void reset_findings();

}  // namespace gridlock
