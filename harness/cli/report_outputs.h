// Where `run` and `reproduce` write the report: --json FILE and --out DIR (as DIR/report.json). Both are
// checked, and DIR created, before any trial runs, so a bad path is reported at once, not after an hour
// of trials.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace gridlock::cli {

/// Adds --json and --out to a command's options.
void add_output_options(po::options_description& options);

/// The report files to write. `default_out` is the --out used when neither option is given (empty:
/// none). Creates the --out directory; throws usage_error for a path that cannot be written.
std::vector<std::string> report_paths(const po::variables_map& vm, const std::string& default_out);

/// Writes the report to every path; throws std::runtime_error naming one it could not write.
void write_reports(const nlohmann::json& report, const std::vector<std::string>& paths);

}  // namespace gridlock::cli
