// gridlock baseline REPORT.json... > FILE: a baseline (reports/baseline.h) that knows every finding of
// the given reports, so a team can adopt Gridlock on an existing codebase and gate on "no new deadlock"
// from the first day: `gridlock run --baseline FILE` then fails only on findings the file does not list
// (or whose entry has expired). Exit code 0, or 2 for bad input.
#include <iostream>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "reports/baseline.h"
#include "reports/report.h"

namespace gridlock::cli {

int baseline_command(const arguments& args) {
  po::options_description options("usage: gridlock baseline REPORT.json... [options] > FILE\n\noptions");
  options.add_options()
      ("help,h", "show this help")
      ("reason", po::value<std::string>()->value_name("TEXT"), "every entry's reason (default: the finding's kind and message)")
      ("expires", po::value<std::string>()->value_name("YYYY-MM-DD"), "every entry expires after this day (UTC); default: never");
  const po::variables_map vm = parse_arguments_with_inputs(args, options);
  if (vm.count("help")) {
    std::cout << options << "\nWrites the baseline to stdout: one entry per distinct finding of the reports.\n";
    return 0;
  }
  if (!vm.count("input")) throw usage_error("baseline needs the JSON reports whose findings it should know");
  const std::string reason = vm.count("reason") ? vm["reason"].as<std::string>() : "";
  if (vm.count("reason") && reason.empty()) throw usage_error("--reason needs a text");
  const std::string expires = vm.count("expires") ? vm["expires"].as<std::string>() : "";
  if (vm.count("expires") && !reports::is_date(expires)) throw usage_error("--expires must be a date, YYYY-MM-DD, not '" + expires + "'");

  std::vector<nlohmann::json> inputs;
  try {
    for (const std::string& path : vm["input"].as<std::vector<std::string>>()) inputs.push_back(reports::read_report(path));
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  std::cout << reports::make_baseline(inputs, reason, expires).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}

}  // namespace gridlock::cli
