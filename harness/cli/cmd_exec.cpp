// gridlock exec: an unmodified program, run N times under the LD_PRELOAD interposer, each run a trial of
// its own (child process, hard timeout, watchdog, findings streamed out). Exit code 0 when every run is
// clean, 1 when any run has findings, timed out, crashed or exited non-zero, 2 for bad input.
#include <tbb/info.h>

#include <algorithm>
#include <iostream>

#include "cli/arguments.h"
#include "cli/checkable_program.h"
#include "cli/commands.h"
#include "cli/confirmation.h"
#include "cli/console.h"
#include "cli/preload_library.h"
#include "cli/report_outputs.h"
#include "cli/session.h"
#include "cli/strategy_options.h"

namespace gridlock::cli {
namespace {

constexpr std::uint64_t max_runs = 1'000'000;
constexpr std::uint64_t max_jobs = 1024;

}  // namespace

int exec_command(const arguments& args) {
  const auto dashes = std::find(args.begin(), args.end(), "--");
  const arguments options_words(args.begin(), dashes);
  const std::vector<std::string> program(dashes == args.end() ? dashes : dashes + 1, args.end());

  po::options_description options("usage: gridlock exec [options] -- PROGRAM [ARGS...]\n\noptions");
  options.add_options()
      ("help,h", "show this help")
      ("runs", po::value<std::string>()->value_name("N")->default_value("10"), "how many times to run the program")
      ("seed", po::value<std::string>()->value_name("S")->default_value("1"), "the first run's seed: runs get S .. S+N-1")
      ("timeout", po::value<std::string>()->value_name("SEC")->default_value("60"), "seconds a run may take before its threads are recorded and it is killed")
      ("jobs", po::value<std::string>()->value_name("J"), "runs at once (default: the number of cores)");
  add_strategy_options(options, false);
  add_output_options(options);
  add_shard_option(options);
  add_confirm_option(options);
  const po::variables_map vm = parse_arguments(options_words, options);
  if (vm.count("help")) {
    std::cout << options << "\nWithout a report option all four reports go to gridlock-report/.\n";
    return 0;
  }
  if (program.empty()) throw usage_error("no program given: gridlock exec [options] -- PROGRAM [ARGS...]");
  const std::string preload = preload_library();
  require_checkable_program(program.front(), preload);

  const std::uint64_t runs = parse_count("--runs", vm["runs"].as<std::string>(), 1, max_runs);
  const std::uint64_t first_seed = parse_count("--seed", vm["seed"].as<std::string>(), 0, UINT64_MAX - (runs - 1));
  const std::chrono::milliseconds timeout = parse_seconds("--timeout", vm["timeout"].as<std::string>());
  const auto jobs = static_cast<int>(vm.count("jobs") ? parse_count("--jobs", vm["jobs"].as<std::string>(), 1, max_jobs)
                                                      : static_cast<std::uint64_t>(tbb::info::default_concurrency()));
  runner::trial_spec each;
  apply_strategy_options(vm, each);
  each.kind = runner::trial_kind::program;
  each.name = program.front();
  each.argv = program;
  each.timeout = timeout;
  each.preload = preload;
  const std::optional<runner::shard> shard = shard_option(vm);
  const std::uint64_t confirm_runs = confirm_option(vm);
  const report_outputs outputs = parse_report_outputs(vm, "gridlock-report");

  std::vector<runner::trial_spec> specs;
  for (std::uint64_t i = 0; i < runs; ++i) {
    runner::trial_spec spec = each;
    spec.seed = first_seed + i;
    specs.push_back(std::move(spec));
  }

  const nlohmann::json report = run_session("exec", specs, jobs, outputs, shard, confirm_runs);
  const std::vector<reports::verdict> verdicts = reports::verdicts(report);
  print_summary(outputs.console(), report, verdicts, outputs.paths());
  write_reports(report, outputs);
  const bool clean = std::all_of(verdicts.begin(), verdicts.end(), [](const reports::verdict& v) { return v.matches(); });
  return clean ? 0 : 1;
}

}  // namespace gridlock::cli
