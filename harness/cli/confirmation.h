// Confirming predictions (`--confirm N` on run and exec; docs/detectors.md, "Confirming predictions").
// A lock-order cycle is a prediction: the program can deadlock. For each distinct one in a report, up to
// N more runs of the trial that predicted it are steered toward it (harness/src/steering.h: a thread
// that has just taken the held side of one of the cycle's edges pauses, holding it), and every copy of
// the finding is marked: "confirmation": "confirmed" with "confirmed_by", the reproduce line of a run
// whose actual deadlock is that cycle (a run of the report itself, when one already deadlocked there),
// or "unconfirmed" once the budget is spent. Confirmation runs are not runs of the report: they change
// no verdict.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/arguments.h"
#include "runner/trial.h"

namespace gridlock::cli {

/// Adds --confirm N.
void add_confirm_option(po::options_description& options);
/// The runs per predicted cycle asked for: 0 without --confirm; usage_error for a malformed count.
std::uint64_t confirm_option(const po::variables_map& vm);

/// Confirms each distinct lock-order cycle of `report` as above, with at most `runs_per_cycle` trials
/// each, `jobs` at a time. `specs` are the report's trials, in the report's run order.
void confirm_predictions(nlohmann::json& report, const std::vector<runner::trial_spec>& specs,
                         std::uint64_t runs_per_cycle, int jobs);

}  // namespace gridlock::cli
