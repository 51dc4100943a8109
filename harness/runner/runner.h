// Runs many trials in parallel on a oneTBB arena of `jobs` threads, each trial in its own child process
// (trial.h). Results come back in the order of the specs, whatever order the trials finish in.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "runner/trial.h"

namespace gridlock::runner {

/// Called once per finished trial with how many have finished so far. Calls never overlap.
using progress_fn = std::function<void(const trial_result& result, std::size_t done, std::size_t total)>;

/// Runs every spec, at most `jobs` (>= 1) at a time. Once the runner is interrupted
/// (child_process::interrupted), the trials it killed and those it did not start are results marked
/// `interrupted`, and `progress` hears of neither.
std::vector<trial_result> run_all(const std::vector<trial_spec>& specs, int jobs, const progress_fn& progress = {});

}  // namespace gridlock::runner
