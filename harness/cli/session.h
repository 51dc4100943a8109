// What `run` and `reproduce` share: run the trials with progress on the console, build the report and
// write it everywhere asked. Each prints its own summary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/trial.h"

namespace gridlock::cli {

/// Runs `specs` at most `jobs` at a time, writes the report to `paths` (report_outputs.h) and returns it.
nlohmann::json run_session(const std::vector<runner::trial_spec>& specs, int jobs, const std::vector<std::string>& paths);

}  // namespace gridlock::cli
