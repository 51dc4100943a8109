// One trial: a built-in scenario or a program, run once with one seed, in a child process of its own
// under a hard timeout. The child streams each finding to us as it makes it (reporter.cpp), so what it
// found before it crashed, aborted or was killed is kept, and nothing it does can hang or kill us.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gridlock/strategy.h"

namespace gridlock::runner {

enum class trial_kind { scenario, program };
/// "scenario" | "program", as in reports and reproduce tokens.
std::string_view to_string(trial_kind kind) noexcept;

/// Bounds on a trial's timeout (command lines and reproduce tokens check them): at least 1 ms, at most a
/// week, which keeps every deadline computation far from overflow.
inline constexpr std::chrono::milliseconds min_timeout{1};
inline constexpr std::chrono::milliseconds max_timeout{7LL * 24 * 3600 * 1000};

struct trial_spec {
  trial_kind kind = trial_kind::scenario;
  std::string name;               ///< the scenario's name, or how reports name the program
  std::vector<std::string> argv;  ///< programs only: argv[0] is the executable (searched on PATH)
  std::uint64_t seed = 1;
  std::string strategy = "none";  ///< the schedule-perturbation strategy (GRIDLOCK_STRATEGY)
  unsigned pct_depth = default_pct_depth;  ///< PCT's depth d (GRIDLOCK_PCT_DEPTH), 1..max_pct_depth
  std::string schedule;           ///< controlled: a schedule to replay (GRIDLOCK_SCHEDULE), empty for none
  std::string preload;            ///< programs: the interposer library to LD_PRELOAD, empty for none
  /// A confirmation run (--confirm): the predicted cycle to steer toward, as GRIDLOCK_CONFIRM's text
  /// (harness/src/steering.h); empty otherwise.
  std::string confirm;
  std::chrono::milliseconds timeout{10'000};
  /// Where to keep the child's whole stdout and stderr (PATH.stdout, PATH.stderr; up to 64 MiB each),
  /// if the run does not end clean; empty: their tails only.
  std::string output_file;
};

/// How the trial's process ended, in this order of precedence: it ran past its timeout; a signal ended
/// it; it reported findings (whether it then exited, or was stopped for a deadlock with exit code 86);
/// it exited non-zero; it exited 0.
enum class outcome { timeout, crash, finding, failed, clean };
/// "timeout" | "crash" | "finding" | "failed" | "clean", as in reports.
std::string_view to_string(outcome o) noexcept;

struct trial_result {
  trial_spec spec;
  runner::outcome outcome = outcome::clean;
  std::optional<int> exit_code;  ///< when it exited
  std::optional<int> signal;     ///< when a signal ended it (SIGKILL after a timeout)
  std::int64_t duration_ms = 0;
  /// In the order found, as encode_finding() writes them (located, not yet symbolized); a timeout adds
  /// the watchdog's finding last.
  std::vector<nlohmann::json> findings;
  /// Where the child died of a signal, as it reported it (crash_report.h: signal, tid, stack located,
  /// and its pid). Null where it did not, or could not say (a program that handles the signal itself).
  nlohmann::json crash;
  std::string stdout_tail;  ///< the last few KiB the child wrote to stdout
  std::string stderr_tail;  ///< and to stderr
  std::string stdout_file;  ///< the file with all it wrote to stdout (trial_spec::output_file), or ""
  std::string stderr_file;  ///< and to stderr
  /// controlled: the schedule the child made, as far as it got (it writes each step as it makes it, so
  /// a crash or a kill keeps them); replaying it reruns the trial's interleaving. Empty otherwise.
  std::string schedule;
  /// Ended (or never started) because the runner was interrupted (child_process::interrupted): it
  /// says nothing of the program, and reports leave it out.
  bool interrupted = false;
};

/// Runs one trial to its end. Never throws for anything the child does; a program that cannot be
/// started is outcome failed with exit code 127, as a shell reports it.
trial_result run_trial(const trial_spec& spec);

}  // namespace gridlock::runner
