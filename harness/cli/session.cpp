#include "cli/session.h"

#include <cstdio>
#include <cstring>

#include "cli/confirmation.h"
#include "cli/console.h"
#include "reports/report.h"
#include "runner/child_process.h"
#include "runner/runner.h"
#include "scenario.h"

namespace gridlock::cli {

void add_shard_option(po::options_description& options) {
  options.add_options()("shard", po::value<std::string>()->value_name("I/N"),
                        "run only shard I of N (1 <= I <= N): the trials whose index is I-1 modulo N; "
                        "gridlock merge joins the shards' reports");
}

std::optional<runner::shard> shard_option(const po::variables_map& vm) {
  if (!vm.count("shard")) return std::nullopt;
  try {
    return runner::parse_shard(vm["shard"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
}

nlohmann::json run_session(const std::string& command, const std::vector<runner::trial_spec>& specs, int jobs,
                           const report_outputs& outputs, const std::optional<runner::shard>& shard,
                           std::uint64_t confirm_runs) {
  const std::vector<runner::trial_spec> mine = shard ? runner::select_shard(specs, *shard) : specs;
  runner::child_process::end_children_with_runner();
  progress_display progress;
  std::vector<runner::trial_result> results =
      runner::run_all(mine, jobs, [&](const runner::trial_result& r, std::size_t done, std::size_t total) {
        progress.trial_done(r, done, total);
      });
  progress.finish();
  const int interrupted = runner::child_process::interrupted();
  if (interrupted != 0) {
    // A Ctrl-C or a cancelled CI job: the trials that ended still count, the ones it cut short do not.
    std::erase_if(results, [](const runner::trial_result& r) { return r.interrupted; });
    std::fprintf(stderr, "gridlock: interrupted by SIG%s: the reports cover the %zu of %zu trial(s) that ended\n",
                 sigabbrev_np(interrupted), results.size(), mine.size());
  }

  std::map<std::string, std::string> expected;
  for (const scenarios::scenario* s : scenarios::all())
    expected[std::string(s->name)] = s->expected == scenarios::verdict::finding ? "finding" : "clean";
  nlohmann::json report = reports::build_report(results, expected, {command, shard});
  if (confirm_runs > 0 && interrupted == 0) confirm_predictions(report, mine, confirm_runs, jobs);
  mark_known(report, outputs);
  return report;
}

}  // namespace gridlock::cli
