// Where `run`, `exec`, `reproduce` and `merge` write their reports, and what shapes them:
//   --json FILE, --junit FILE, --html FILE, --sarif FILE   one format each (reports/report_formats.h)
//   --out DIR            all four, as DIR/report.json, junit.xml, report.html, report.sarif
//   --source-root DIR    source paths under DIR are written relative to it (default: the current directory)
//   --baseline FILE      findings it lists are reported as known and do not fail (reports/baseline.h)
// Everything is checked (and DIR created, and the baseline read) before any trial runs, so a bad path
// is reported at once, not after an hour of trials. Each report is written atomically.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/arguments.h"
#include "reports/baseline.h"

namespace gridlock::cli {

struct report_outputs {
  struct target {
    std::string format;  ///< a reports::report_formats name
    std::string path;
  };
  std::vector<target> targets;              ///< in the order: explicit options, then --out's files
  std::string source_root;                  ///< absolute
  /// --out's directory (or the default one), where the runs that do not end clean keep their whole
  /// output (DIR/runs/); empty where only single files were asked for.
  std::string out_dir;
  std::optional<reports::baseline> baseline;

  /// The files, for the summary's "report:" lines.
  std::vector<std::string> paths() const;
  /// Where the console summary goes: standard error when a report goes to standard output
  /// (`--json /dev/stdout | jq ...`), so that what reads it gets the report alone; else standard output.
  std::ostream& console() const;
};

/// Adds the options above to a command's options.
void add_output_options(po::options_description& options);

/// The outputs asked for. `default_out` is the --out used when no report option is given (empty:
/// none). Creates the --out directory, reads the baseline; throws usage_error for a path that cannot be
/// written, a source root that is not a directory, or a baseline that cannot be read or is malformed.
report_outputs parse_report_outputs(const po::variables_map& vm, const std::string& default_out);

/// Marks the report's known findings by the baseline, if one was given (today's date decides expiry).
void mark_known(nlohmann::json& report, const report_outputs& outputs);
/// Writes every target; throws std::runtime_error naming a file it could not write.
void write_reports(const nlohmann::json& report, const report_outputs& outputs);

}  // namespace gridlock::cli
