// What `gridlock run` and `gridlock reproduce` show a person: progress while trials run (on stderr: one
// live line on a terminal, plain lines otherwise, so logs stay readable) and, at the end, a one-screen
// summary on stdout: each distinct finding once, with how many runs hit it and how to reproduce it; runs
// that went wrong without a finding; each scenario's verdict.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/report.h"
#include "runner/trial.h"

namespace gridlock::cli {

class progress_display {
 public:
  progress_display();
  /// A runner::progress_fn: one call per finished trial.
  void trial_done(const runner::trial_result& r, std::size_t done, std::size_t total);
  /// Ends the live line, if any.
  void finish();

 private:
  bool live_;
  std::size_t counts_[5] = {};  // by runner::outcome
};

/// The summary of a report, with the verdicts given (none: no verdict block); `paths` are the report
/// files written.
void print_summary(std::ostream& out, const nlohmann::json& report, const std::vector<reports::verdict>& verdicts,
                   const std::vector<std::string>& paths);

}  // namespace gridlock::cli
