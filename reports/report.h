// The report model (docs/report-format.md): a JSON document built from finished trials, one run per
// trial in trial order, each finding symbolized and fingerprinted, each run that did not end clean with
// the command that reproduces it. Every writer (report_writer.h) renders this one model; what they all
// need to read from it (verdicts, each distinct finding once) is here, so they agree.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runner/shard.h"
#include "runner/trial.h"

namespace gridlock::reports {

/// What the report says about how it was made, beside its runs.
struct report_info {
  /// The command that ran the trials: "run" (built-in scenarios, judged by their expected verdicts) or
  /// "exec" (programs, which must find nothing), or "reproduce". Empty: not recorded.
  std::string command;
  std::optional<runner::shard> shard;  ///< the share of the trials this report holds, if not all
};

/// `expected` maps a scenario's name to its expected verdict ("clean" or "finding").
nlohmann::json build_report(const std::vector<runner::trial_result>& results,
                            const std::map<std::string, std::string>& expected, const report_info& info = {});

/// What one scenario (or program) got over all its runs.
struct verdict {
  std::string name;
  std::string kind;      ///< "scenario" or "program"
  std::string expected;  ///< "clean" or "finding"; programs expect "clean"
  std::string actual;    ///< "finding" if any run has findings or did not end clean, else "clean"
  /// `actual` is "finding" only through findings the baseline knows: every finding is known, and no
  /// run crashed or failed (those are problems of their own, whatever the baseline says).
  bool known = false;
  bool new_finding = false;      ///< some run has a finding the baseline does not know
  std::size_t runs = 0;
  std::size_t failed_runs = 0;   ///< runs with findings, or that did not end clean (the flaky ratio)
  /// Those runs by their outcome, as the run counts say it ("finding"; "failed": the program exited
  /// non-zero; "timeout", "crash": whatever findings came with them, a timeout's own included).
  std::map<std::string, std::size_t> not_clean{};

  /// What it got, as people read it: "clean", or "finding in 2 of 3 runs", "failed in 1 of 2 runs".
  /// (`actual` is "finding" for both: a program that fails its own tests is no finding of ours.)
  std::string got() const;

  /// Whether it passes: as expected, or "finding" where "clean" was expected only through known
  /// findings. A scenario fails when its verdict is not what it expects (`gridlock run`); a program,
  /// which expects "clean", when any run has a finding the baseline does not know, or crashes or fails
  /// (`gridlock exec`).
  bool matches() const { return expected == actual || (expected == "clean" && known); }
};

/// One verdict per name, in the order names first appear in the report's runs.
std::vector<verdict> verdicts(const nlohmann::json& report);
/// Whether every verdict matches: the run succeeded (exit code 0).
bool passes(const nlohmann::json& report);

/// One distinct finding (by fingerprint) and every run that made it.
struct finding_group {
  const nlohmann::json* finding = nullptr;  ///< the first one made
  std::vector<const nlohmann::json*> runs;  ///< each run that made it, once, in report order
  std::size_t hits = 0;                     ///< how many times it was made, over all runs
};
/// Every distinct finding, in the order first made. Pointers into `report`: keep it alive.
std::vector<finding_group> distinct_findings(const nlohmann::json& report);

/// Throws std::invalid_argument with a one-line reason unless `report` is a Gridlock run report: tool
/// "gridlock", a list of runs, each an object with a name, a kind, a seed, an outcome and findings.
void check_report(const nlohmann::json& report);

/// Reads a JSON report file and checks it (check_report); throws std::invalid_argument with a one-line
/// reason naming `path`.
nlohmann::json read_report(const std::string& path);

/// One report from several (shards of one run, or any reports): every run of every input. Shards of one
/// run (all inputs carry a "shard" with the same count, no index twice) are interleaved back into the
/// run's own trial order; anything else is concatenated in the order given. The command is the inputs'
/// common one ("merge" if they differ). Each input must pass check_report; two copies of one shard
/// throw std::invalid_argument.
nlohmann::json merge_reports(const std::vector<nlohmann::json>& inputs);

}  // namespace gridlock::reports
