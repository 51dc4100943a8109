// The report model (docs/report-format.md): a JSON document built from finished trials, one run per
// trial in trial order, each finding symbolized and fingerprinted, each run that did not end clean with
// the command that reproduces it. Every writer (report_writer.h) renders this one model.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/trial.h"

namespace gridlock::reports {

/// `expected` maps a scenario's name to its expected verdict ("clean" or "finding").
nlohmann::json build_report(const std::vector<runner::trial_result>& results,
                            const std::map<std::string, std::string>& expected);

/// What one scenario (or program) got over all its runs.
struct verdict {
  std::string name;
  std::string expected;  ///< "clean" or "finding"; programs expect "clean"
  std::string actual;    ///< "finding" if any run has findings or did not end clean, else "clean"
  bool matches() const { return expected == actual; }
};

/// One verdict per name, in the order names first appear in the report's runs.
std::vector<verdict> verdicts(const nlohmann::json& report);

}  // namespace gridlock::reports
