#include "reports/report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "finding_json.h"
#include "googletest_tests.h"
#include "runner/reproduce_token.h"
#include "symbolize.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;

json run_of(const runner::trial_result& r, const std::map<std::string, std::string>& expected, symbolizer& sym) {
  json run = {{"name", r.spec.name}, {"kind", runner::to_string(r.spec.kind)}, {"seed", r.spec.seed},
              {"strategy", r.spec.strategy}};
  if (r.spec.kind == runner::trial_kind::program) run["argv"] = r.spec.argv;
  if (r.spec.strategy == "pct") run["pct_depth"] = r.spec.pct_depth;
  if (!r.schedule.empty()) run["schedule"] = r.schedule;
  if (const auto it = expected.find(r.spec.name); it != expected.end() && r.spec.kind == runner::trial_kind::scenario)
    run["expected"] = it->second;
  run["outcome"] = runner::to_string(r.outcome);
  if (r.exit_code) run["exit_code"] = *r.exit_code;
  if (r.signal) run["signal"] = *r.signal;
  run["duration_ms"] = r.duration_ms;

  runner::reproduce_request again{r.spec, {}};
  if (!r.schedule.empty()) again.spec.schedule = r.schedule;  // replays what this trial did
  // One finding per fingerprint: a bug over many lock instances (a cycle through the same code for each
  // row's lock of a table) is one, with the count of the others (`repeats`), not thousands.
  json findings = json::array();
  std::map<std::string, std::size_t> first_of;  // fingerprint -> its finding's index
  for (json f : r.findings) {
    symbolize_finding(f, sym);
    add_fingerprint(f);
    const std::string fp = f.value("fingerprint", "");
    if (const auto [at, added] = first_of.emplace(fp, findings.size()); !added) {
      json& first = findings[at->second];
      first["repeats"] = first.value("repeats", 0) + 1 + f.value("repeats", 0);  // the stream's count too
      add_tests(first, f);  // the same bug, made by several tests of a GoogleTest binary
      continue;
    }
    again.fingerprints.push_back(fp);
    findings.push_back(std::move(f));
  }
  if (r.outcome != runner::outcome::clean) run["reproduce"] = runner::reproduce_command(again);
  run["findings"] = std::move(findings);
  if (!r.crash.is_null()) {
    run["crash"] = r.crash;
    symbolize_stack(run["crash"]["stack"], sym);
  }
  if (!r.stdout_tail.empty()) run["stdout"] = r.stdout_tail;
  if (!r.stderr_tail.empty()) run["stderr"] = r.stderr_tail;
  if (!r.stdout_file.empty()) run["stdout_file"] = r.stdout_file;
  if (!r.stderr_file.empty()) run["stderr_file"] = r.stderr_file;
  return run;
}

/// A whole number >= `min` (JSON from a file has unsigned ones, JSON built in code may have signed).
bool whole(const json& j, std::int64_t min) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= min);
}

[[noreturn]] void not_a_report(const std::string& why) { throw std::invalid_argument("not a Gridlock report: " + why); }

std::optional<runner::shard> shard_of(const json& report) {
  const auto it = report.find("shard");
  if (it == report.end()) return std::nullopt;
  return runner::shard{(*it)["index"].get<std::uint64_t>(), (*it)["count"].get<std::uint64_t>()};
}

}  // namespace

json build_report(const std::vector<runner::trial_result>& results, const std::map<std::string, std::string>& expected,
                  const report_info& info) {
  symbolizer sym;  // one for the whole report: it caches each module's debug information
  json runs = json::array();
  for (const runner::trial_result& r : results) runs.push_back(run_of(r, expected, sym));
  json report = {{"tool", "gridlock"}, {"version", GRIDLOCK_VERSION}};
  if (!info.command.empty()) report["command"] = info.command;
  if (info.shard) report["shard"] = {{"index", info.shard->index}, {"count", info.shard->count}};
  report["runs"] = std::move(runs);
  return report;
}

std::string verdict::got() const {
  std::string out;
  for (const auto& [what, n] : not_clean)
    out += (out.empty() ? "" : ", ") + what + " in " + std::to_string(n) + " of " + std::to_string(runs) + " runs";
  return out.empty() ? actual : out;
}

std::vector<verdict> verdicts(const json& report) {
  std::vector<verdict> out;
  std::vector<bool> troubled;  // per verdict: a run crashed or failed
  for (const json& run : report.value("runs", json::array())) {
    const std::string name = run.value("name", "");
    auto it = std::find_if(out.begin(), out.end(), [&](const verdict& v) { return v.name == name; });
    if (it == out.end()) {
      it = out.insert(out.end(), verdict{name, run.value("kind", "scenario"), run.value("expected", "clean"), "clean"});
      troubled.push_back(false);
    }
    const std::string outcome = run.value("outcome", "clean");
    const json& findings = run.value("findings", json::array());
    ++it->runs;
    if (outcome != "clean" || !findings.empty()) {
      it->actual = "finding";
      ++it->failed_runs;
      ++it->not_clean[outcome == "clean" ? "finding" : outcome];
    }
    if (outcome == "crash" || outcome == "failed") troubled[static_cast<std::size_t>(it - out.begin())] = true;
    for (const json& f : findings)
      if (!f.value("known", false)) it->new_finding = true;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    verdict& v = out[i];
    v.known = v.actual == "finding" && !v.new_finding && !troubled[i];
  }
  return out;
}

bool passes(const json& report) {
  const std::vector<verdict> all = verdicts(report);
  return std::all_of(all.begin(), all.end(), [](const verdict& v) { return v.matches(); });
}

std::vector<finding_group> distinct_findings(const json& report) {
  std::vector<finding_group> groups;
  std::map<std::string, std::size_t> by_fingerprint;
  for (const json& run : report.at("runs"))
    for (const json& f : run.at("findings")) {
      const auto [it, added] = by_fingerprint.try_emplace(f.value("fingerprint", ""), groups.size());
      if (added) groups.push_back({&f, {}, 0});
      finding_group& g = groups[it->second];
      ++g.hits;
      if (g.runs.empty() || g.runs.back() != &run) g.runs.push_back(&run);
    }
  return groups;
}

void check_report(const json& report) {
  if (!report.is_object() || report.value("tool", json()) != "gridlock") not_a_report("no \"tool\": \"gridlock\"");
  if (!report.contains("runs") || !report["runs"].is_array()) not_a_report("no list of runs");
  if (report.contains("command") && !report["command"].is_string()) not_a_report("\"command\" is not a string");
  if (report.contains("shard")) {
    const json& s = report["shard"];
    if (!s.is_object() || !s.contains("index") || !s.contains("count") || !whole(s["index"], 1) || !whole(s["count"], 1) ||
        s["index"] == 0 || s["index"] > s["count"])
      not_a_report("\"shard\" is not {\"index\": I, \"count\": N} with 1 <= I <= N");
  }
  static const std::set<std::string> outcomes = {"timeout", "crash", "finding", "failed", "clean"};
  std::size_t i = 0;
  for (const json& run : report["runs"]) {
    const std::string where = "run " + std::to_string(i++);
    if (!run.is_object()) not_a_report(where + " is not an object");
    if (!run.contains("name") || !run["name"].is_string() || run["name"].get<std::string>().empty())
      not_a_report(where + " has no name");
    if (run.value("kind", json()) != "scenario" && run.value("kind", json()) != "program")
      not_a_report(where + " is neither a scenario nor a program");
    if (!run.contains("seed") || !whole(run["seed"], 0)) not_a_report(where + " has no seed");
    if (!run.contains("outcome") || !run["outcome"].is_string() || !outcomes.contains(run["outcome"].get<std::string>()))
      not_a_report(where + " has no outcome");
    if (!run.contains("findings") || !run["findings"].is_array()) not_a_report(where + " has no list of findings");
    for (const json& f : run["findings"])
      if (!f.is_object() || !f.contains("kind") || !f["kind"].is_string() || !f.contains("fingerprint") ||
          !f["fingerprint"].is_string())
        not_a_report(where + " has a finding without a kind and a fingerprint");
  }
}

json read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("'" + path + "' cannot be read");
  json report;
  try {
    report = json::parse(in);
    check_report(report);
  } catch (const json::exception&) {
    throw std::invalid_argument("'" + path + "' is not JSON");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("'" + path + "': " + e.what());
  }
  return report;
}

json merge_reports(const std::vector<json>& inputs) {
  for (const json& input : inputs) check_report(input);

  // Shards of one run go back into the run's trial order; anything else is concatenated as given.
  bool shards = !inputs.empty();
  std::set<std::uint64_t> indexes;
  for (const json& input : inputs) {
    const std::optional<runner::shard> s = shard_of(input);
    shards = shards && s && s->count == shard_of(inputs.front())->count;
    if (s && !indexes.insert(s->index).second && shards)
      throw std::invalid_argument("shard " + std::to_string(s->index) + "/" + std::to_string(s->count) + " is given twice");
  }
  std::vector<std::pair<std::uint64_t, const json*>> ordered;  // (trial index, run)
  for (const json& input : inputs) {
    const std::optional<runner::shard> s = shard_of(input);
    std::uint64_t position = 0;
    for (const json& run : input["runs"])
      ordered.emplace_back(shards ? s->trial_at(position++) : ordered.size(), &run);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  json runs = json::array();
  for (const auto& [index, run] : ordered) runs.push_back(*run);
  std::set<std::string> commands;
  for (const json& input : inputs) commands.insert(input.value("command", ""));
  json merged = {{"tool", "gridlock"}, {"version", GRIDLOCK_VERSION}};
  if (commands.size() == 1 && !commands.begin()->empty()) merged["command"] = *commands.begin();
  else if (!inputs.empty()) merged["command"] = "merge";
  for (const json& input : inputs)
    if (input.contains("baseline") && !merged.contains("baseline")) merged["baseline"] = input["baseline"];
  merged["runs"] = std::move(runs);
  return merged;
}

}  // namespace gridlock::reports
