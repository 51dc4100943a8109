// gridlock reproduce TOKEN: re-runs exactly the trial a report's reproduce line names (reproduce_token.h)
// and says whether what it found comes back. Exit code 1 when it does (a finding with one of the
// token's fingerprints, or the trial times out again; for a token without fingerprints, a crash or
// failure: the run does not end clean), 0 when it does not, 2 for a malformed token or one whose program
// cannot be run and checked (checkable_program.h).
#include <algorithm>
#include <iostream>

#include "cli/arguments.h"
#include "cli/checkable_program.h"
#include "cli/commands.h"
#include "cli/preload_library.h"
#include "cli/console.h"
#include "cli/report_outputs.h"
#include "cli/session.h"
#include "cli/strategy_options.h"
#include "runner/reproduce_token.h"
#include "scenario.h"

namespace gridlock::cli {
namespace {

using nlohmann::json;

bool came_back(const json& run, const std::vector<std::string>& fingerprints) {
  const std::string outcome = run.value("outcome", "clean");
  if (outcome == "timeout") return true;
  if (fingerprints.empty()) return outcome != "clean";
  for (const json& f : run["findings"])
    if (std::find(fingerprints.begin(), fingerprints.end(), f.value("fingerprint", "")) != fingerprints.end()) return true;
  return false;
}

}  // namespace

int reproduce_command(const arguments& args) {
  po::options_description options("usage: gridlock reproduce TOKEN [options]\n\noptions");
  options.add_options()("help,h", "show this help");
  add_strategy_options(options, true);
  add_output_options(options);
  po::options_description all;
  all.add(options).add_options()("token", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("token", 1);
  const po::variables_map vm = parse_arguments(args, all, positional);
  if (vm.count("help")) {
    std::cout << options << "\nTOKEN is the gl1:... word of a report's reproduce line.\n";
    return 0;
  }
  if (!vm.count("token")) throw usage_error("reproduce needs the token of a report's reproduce line (gl1:...)");

  runner::reproduce_request request;
  try {
    request = runner::parse_token(vm["token"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  if (request.spec.kind == runner::trial_kind::scenario && scenarios::find(request.spec.name) == nullptr)
    throw usage_error("the token names no built-in scenario '" + request.spec.name + "'");
  apply_strategy_options(vm, request.spec);
  if (request.spec.kind == runner::trial_kind::program) {
    request.spec.preload = preload_library();
    // A program that is gone (or a relative path from another directory) would fail and read "not reproduced".
    require_checkable_program(request.spec.argv.at(0), request.spec.preload);
  }
  const report_outputs outputs = parse_report_outputs(vm, "");

  const json report = run_session("reproduce", {request.spec}, 1, outputs);
  print_summary(outputs.console(), report, {}, outputs.paths());
  write_reports(report, outputs);
  const bool again = came_back(report["runs"][0], request.fingerprints);
  outputs.console() << (again ? "reproduced: " : "not reproduced: ") << request.spec.name << " seed " << request.spec.seed
            << " under " << request.spec.strategy
            << (request.spec.strategy == "pct" ? " d=" + std::to_string(request.spec.pct_depth) : std::string())
            << (again ? " shows the problem again\n" : " did not show the problem this time\n");
  return again ? 1 : 0;
}

}  // namespace gridlock::cli
