#include "cli/session.h"

#include "cli/console.h"
#include "cli/report_outputs.h"
#include "reports/report.h"
#include "runner/runner.h"
#include "scenario.h"

namespace gridlock::cli {

nlohmann::json run_session(const std::vector<runner::trial_spec>& specs, int jobs, const std::vector<std::string>& paths) {
  progress_display progress;
  const std::vector<runner::trial_result> results =
      runner::run_all(specs, jobs, [&](const runner::trial_result& r, std::size_t done, std::size_t total) {
        progress.trial_done(r, done, total);
      });
  progress.finish();

  std::map<std::string, std::string> expected;
  for (const scenarios::scenario* s : scenarios::all())
    expected[std::string(s->name)] = s->expected == scenarios::verdict::finding ? "finding" : "clean";
  nlohmann::json report = reports::build_report(results, expected);
  write_reports(report, paths);
  return report;
}

}  // namespace gridlock::cli
