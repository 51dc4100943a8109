// gridlock::check: runs a test body many times under a schedule-perturbation strategy, each iteration in
// a forked child process of its own under a hard timeout, and says what the first failing iteration
// found and how to replay just that one (docs/check.md). Link the CMake target gridlock_check; in a
// GoogleTest test use gridlock/gtest.h, which names the test in the replay line.
//
// Call it from a thread with no other threads running in the process (a test's own thread): fork()
// copies only the calling thread, so a lock another thread held at that moment would stay held forever
// in the child.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gridlock {

struct check_options {
  int iterations = 50;               ///< iteration i (from 0) runs with seed `seed + i`
  std::string strategy = "random";   ///< any name set_strategy() accepts (gridlock/strategy.h)
  std::uint64_t seed = 1;
  std::chrono::milliseconds timeout{10'000};  ///< per iteration; past it the iteration is killed and fails
  /// Appended to the replay command after the test binary, to run just this test again
  /// (gridlock/gtest.h sets --gtest_filter=Suite.Name). Empty: the binary alone. (Initialized, so that
  /// designated initializers may leave it out without -Wmissing-field-initializers.)
  std::string rerun_arguments{};
};

/// The environment variable that makes check() run just one iteration, from the value a failure prints.
inline constexpr const char* reproduce_variable = "GRIDLOCK_REPRODUCE";

enum class check_outcome {
  passed,   ///< every iteration ended cleanly with no finding
  finding,  ///< an iteration reported findings (whether it then ended by itself or by a deadlock)
  crash,    ///< a signal ended an iteration
  timeout,  ///< an iteration ran past check_options::timeout and was killed
  failed,   ///< the body threw, or the iteration exited non-zero, with no finding
  error,    ///< nothing ran: a malformed GRIDLOCK_REPRODUCE, bad options, an unknown strategy, no fork
};

/// One distinct finding of the failing iteration.
struct check_finding {
  std::string kind;                ///< "lock-order-cycle", "deadlock", "timeout", ... (docs/detectors.md)
  std::string fingerprint;         ///< the same in every run of the same code (docs/report-format.md)
  std::vector<std::string> locks;  ///< as reports name them: "A", or "gridlock::mutex#3" when unnamed
  std::string text;                ///< as printed: the message, then each thread's first frames with file:line
};

struct check_result {
  check_outcome outcome = check_outcome::passed;
  int iterations = 0;       ///< iterations run, the failing one included
  std::string strategy;     ///< of the last iteration run: the failing one, if any
  std::uint64_t seed = 0;   ///< likewise
  std::vector<check_finding> findings;  ///< the failing iteration's, in the order found, each once
  std::string reproduce;    ///< GRIDLOCK_REPRODUCE's value that replays the failing iteration; else empty
  std::string message;      ///< what a failing test prints: what happened, the findings, the replay line
  bool passed() const noexcept { return outcome == check_outcome::passed; }
  explicit operator bool() const noexcept { return passed(); }
};

/// Thrown by a body (or the gtest adapter on its behalf) to fail the iteration with this text.
class iteration_failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs `body` options.iterations times, each in a forked child under the strategy with its seed,
/// stopping at the first iteration that does not pass. With GRIDLOCK_REPRODUCE set (and not empty),
/// runs just the iteration it names instead. Never throws for anything the body does.
check_result check(const std::function<void()>& body, const check_options& options = {});

}  // namespace gridlock
