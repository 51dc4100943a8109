// The schedule-perturbation options that `run`, `exec` and `reproduce` share (docs/injectors.md):
//   --strategy NAME   which strategy each trial runs under (one of gridlock::strategy_names)
//   --pct-depth D     PCT's depth d, 1..max_pct_depth (only with pct)
// Checked before any trial runs: a bad value is a usage_error.
#pragma once

#include "cli/arguments.h"
#include "runner/trial.h"

namespace gridlock::cli {

/// Adds the options above; with `from_token` (reproduce) an option left out keeps the token's value.
void add_strategy_options(po::options_description& options, bool from_token);

/// Applies the options given to `spec` (those left out keep its values; a schedule goes with any other
/// strategy than controlled); usage_error for an unknown strategy, a depth out of range, or a depth for
/// a strategy other than pct.
void apply_strategy_options(const po::variables_map& vm, runner::trial_spec& spec);

}  // namespace gridlock::cli
