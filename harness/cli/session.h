// What `run`, `exec` and `reproduce` share: run the trials (a shard's share of them, with --shard I/N)
// with progress on the console, build the report and mark the findings the baseline knows. Each prints
// its own summary, then writes the report (write_reports): a report that cannot be written is an error
// after the summary, not instead of it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/report_outputs.h"
#include "runner/shard.h"
#include "runner/trial.h"

namespace gridlock::cli {

/// Adds --shard I/N (run, exec): this machine runs the trials whose index, in the run's order, is I-1
/// modulo N (runner/shard.h).
void add_shard_option(po::options_description& options);
/// The --shard asked for, if any; usage_error for a malformed one.
std::optional<runner::shard> shard_option(const po::variables_map& vm);

/// Runs `specs` (only the shard's share, if `shard` is given) at most `jobs` at a time; builds the
/// report, recording `command` ("run", "exec", "reproduce") and the shard; with `confirm_runs`, confirms
/// its predicted cycles (confirmation.h); marks the findings `outputs`' baseline knows and returns it.
nlohmann::json run_session(const std::string& command, const std::vector<runner::trial_spec>& specs, int jobs,
                           const report_outputs& outputs, const std::optional<runner::shard>& shard = std::nullopt,
                           std::uint64_t confirm_runs = 0);

}  // namespace gridlock::cli
