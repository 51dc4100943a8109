#include "reports/report.h"

#include <algorithm>

#include "finding_json.h"
#include "runner/reproduce_token.h"
#include "symbolize.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;

json run_of(const runner::trial_result& r, const std::map<std::string, std::string>& expected, symbolizer& sym) {
  json run = {{"name", r.spec.name}, {"kind", runner::to_string(r.spec.kind)}, {"seed", r.spec.seed},
              {"strategy", r.spec.strategy}};
  if (r.spec.kind == runner::trial_kind::program) run["argv"] = r.spec.argv;
  if (const auto it = expected.find(r.spec.name); it != expected.end() && r.spec.kind == runner::trial_kind::scenario)
    run["expected"] = it->second;
  run["outcome"] = runner::to_string(r.outcome);
  if (r.exit_code) run["exit_code"] = *r.exit_code;
  if (r.signal) run["signal"] = *r.signal;
  run["duration_ms"] = r.duration_ms;

  runner::reproduce_request again{r.spec, {}};
  json findings = json::array();
  for (json f : r.findings) {
    symbolize_finding(f, sym);
    add_fingerprint(f);
    const std::string fp = f.value("fingerprint", "");
    if (std::find(again.fingerprints.begin(), again.fingerprints.end(), fp) == again.fingerprints.end())
      again.fingerprints.push_back(fp);
    findings.push_back(std::move(f));
  }
  if (r.outcome != runner::outcome::clean) run["reproduce"] = runner::reproduce_command(again);
  run["findings"] = std::move(findings);
  if (!r.stdout_tail.empty()) run["stdout"] = r.stdout_tail;
  if (!r.stderr_tail.empty()) run["stderr"] = r.stderr_tail;
  return run;
}

}  // namespace

json build_report(const std::vector<runner::trial_result>& results, const std::map<std::string, std::string>& expected) {
  symbolizer sym;  // one for the whole report: it caches each module's debug information
  json runs = json::array();
  for (const runner::trial_result& r : results) runs.push_back(run_of(r, expected, sym));
  return {{"tool", "gridlock"}, {"version", GRIDLOCK_VERSION}, {"runs", std::move(runs)}};
}

std::vector<verdict> verdicts(const json& report) {
  std::vector<verdict> out;
  for (const json& run : report.value("runs", json::array())) {
    const std::string name = run.value("name", "");
    auto it = std::find_if(out.begin(), out.end(), [&](const verdict& v) { return v.name == name; });
    if (it == out.end()) it = out.insert(out.end(), verdict{name, run.value("expected", "clean"), "clean"});
    if (run.value("outcome", "clean") != "clean" || !run.value("findings", json::array()).empty()) it->actual = "finding";
  }
  return out;
}

}  // namespace gridlock::reports
