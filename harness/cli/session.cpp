#include "cli/session.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

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

namespace {

/// Gives each trial a file name under `dir` for its output (trial_spec::output_file): its program's or
/// scenario's name, made safe, and its seed ("std_gtest_param-seed3"), numbered where two would meet.
void keep_outputs_in(std::vector<runner::trial_spec>& specs, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return;  // the reports keep the outputs' tails all the same
  std::set<std::string> taken;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::string name = std::filesystem::path(specs[i].name).filename().string();
    for (char& c : name)
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '_' && c != '-') c = '_';
    name += "-seed" + std::to_string(specs[i].seed);
    if (!taken.insert(name).second) name += "-" + std::to_string(i + 1);
    specs[i].output_file = (dir / name).string();
  }
}

}  // namespace

nlohmann::json run_session(const std::string& command, const std::vector<runner::trial_spec>& specs, int jobs,
                           const report_outputs& outputs, const std::optional<runner::shard>& shard,
                           std::uint64_t confirm_runs) {
  std::vector<runner::trial_spec> mine = shard ? runner::select_shard(specs, *shard) : specs;
  if (!outputs.out_dir.empty()) keep_outputs_in(mine, std::filesystem::path(outputs.out_dir) / "runs");
  runner::child_process::end_children_with_runner();
  progress_display progress;
  std::vector<runner::trial_result> results =
      runner::run_all(mine, jobs, [&](const runner::trial_result& r, std::size_t done, std::size_t total) {
        progress.trial_done(r, done, total);
      });
  progress.finish();
  if (!outputs.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(outputs.out_dir) / "runs", ec);  // only where it is empty
  }
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
