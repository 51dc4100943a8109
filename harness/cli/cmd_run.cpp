// gridlock run: every chosen scenario once per seed, each trial in a child process of its own, in
// parallel; then the report and the summary. Exit code 0 when every scenario's verdict is what it
// expects, 1 otherwise, 2 for bad input (all checked before the first trial starts).
#include <tbb/info.h>

#include <algorithm>
#include <iostream>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/confirmation.h"
#include "cli/console.h"
#include "cli/report_outputs.h"
#include "cli/session.h"
#include "cli/strategy_options.h"
#include "scenario.h"

namespace gridlock::cli {
namespace {

// Every trial's spec and result are kept in memory until the report is written.
constexpr std::uint64_t max_trials = 1'000'000;
constexpr std::uint64_t max_jobs = 1024;

/// The scenarios asked for, in the order given, each once; all of them when none is named.
std::vector<std::string> chosen_scenarios(const po::variables_map& vm) {
  std::vector<std::string> names;
  if (!vm.count("scenario")) {
    for (const scenarios::scenario* s : scenarios::all()) names.emplace_back(s->name);
    return names;
  }
  for (const std::string& name : vm["scenario"].as<std::vector<std::string>>()) {
    if (scenarios::find(name) == nullptr) throw usage_error("no scenario named '" + name + "' (see gridlock list)");
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

int run_command(const arguments& args) {
  po::options_description options("usage: gridlock run [--scenario NAME]... [options]\n\noptions");
  options.add_options()
      ("help,h", "show this help")
      ("scenario", po::value<std::vector<std::string>>()->value_name("NAME"), "run this scenario (repeatable; default: all)")
      ("seeds", po::value<std::string>()->value_name("N")->default_value("5"), "seeds per scenario")
      ("seed", po::value<std::string>()->value_name("S")->default_value("1"), "the first seed: runs seeds S .. S+N-1")
      ("timeout", po::value<std::string>()->value_name("SEC")->default_value("10"), "seconds a trial may run before its threads are recorded and it is killed")
      ("jobs", po::value<std::string>()->value_name("J"), "trials at once (default: the number of cores)");
  add_strategy_options(options, false);
  add_output_options(options);
  add_shard_option(options);
  add_confirm_option(options);
  const po::variables_map vm = parse_arguments(args, options);
  if (vm.count("help")) {
    std::cout << options << "\nWithout a report option the reports go to gridlock-report/.\n";
    return 0;
  }

  const std::vector<std::string> names = chosen_scenarios(vm);
  const std::uint64_t seeds = parse_count("--seeds", vm["seeds"].as<std::string>(), 1, max_trials);
  if (seeds * names.size() > max_trials)
    throw usage_error("that is " + std::to_string(seeds * names.size()) + " trials; at most " + std::to_string(max_trials) + " in one run");
  const std::uint64_t first_seed = parse_count("--seed", vm["seed"].as<std::string>(), 0, UINT64_MAX - (seeds - 1));
  const std::chrono::milliseconds timeout = parse_seconds("--timeout", vm["timeout"].as<std::string>());
  const auto jobs = static_cast<int>(vm.count("jobs") ? parse_count("--jobs", vm["jobs"].as<std::string>(), 1, max_jobs)
                                                      : static_cast<std::uint64_t>(tbb::info::default_concurrency()));
  const std::optional<runner::shard> shard = shard_option(vm);
  const std::uint64_t confirm_runs = confirm_option(vm);
  runner::trial_spec each;
  apply_strategy_options(vm, each);
  each.timeout = timeout;
  const report_outputs outputs = parse_report_outputs(vm, "gridlock-report");

  std::vector<runner::trial_spec> specs;
  for (const std::string& name : names)
    for (std::uint64_t i = 0; i < seeds; ++i) {
      runner::trial_spec spec = each;
      spec.name = name;
      spec.seed = first_seed + i;
      specs.push_back(std::move(spec));
    }

  const nlohmann::json report = run_session("run", specs, jobs, outputs, shard, confirm_runs);
  const std::vector<reports::verdict> verdicts = reports::verdicts(report);
  print_summary(outputs.console(), report, verdicts, outputs.paths());
  write_reports(report, outputs);
  const bool all_expected = std::all_of(verdicts.begin(), verdicts.end(), [](const reports::verdict& v) { return v.matches(); });
  return all_expected ? 0 : 1;
}

}  // namespace gridlock::cli
