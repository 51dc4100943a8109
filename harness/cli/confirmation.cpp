#include "cli/confirmation.h"

#include <map>
#include <set>
#include <string>

#include "finding_json.h"
#include "runner/reproduce_token.h"
#include "runner/runner.h"
#include "steering.h"
#include "symbolize.h"

namespace gridlock::cli {
namespace {

using nlohmann::json;

constexpr std::uint64_t max_runs_per_cycle = 1000;

/// The function of a symbolized stack's first frame outside Gridlock and the standard library (its
/// file:line when unknown). Not the line: in optimized code the contended and uncontended paths of one
/// acquisition may be attributed to neighbouring lines; fingerprints name functions for the same reason.
std::string user_site(const json& stack) {
  const json fr = first_user_frame(stack);
  if (!fr.is_object()) return {};
  const std::string function = fr.value("function", "");
  return !function.empty() ? function : fr.value("file", "") + ":" + std::to_string(fr.value("line", 0));
}

/// The program call that took an edge's held lock: the located address of its stack's first user frame
/// (the return address of the lock call, which is what steering compares with).
bool held_call(const json& stack, steering::site& out) {
  const json fr = first_user_frame(stack);
  if (!fr.is_object() || fr.value("module", "").empty()) return false;
  out.module = fr.value("module", "");
  out.offset = std::stoull(fr.value("offset", "0x0"), nullptr, 16);
  return true;
}

struct prediction {
  std::size_t run = 0;                  // the first report run that made it
  std::vector<steering::site> held;     // the held-side calls of its edges
  std::set<std::string> acquire_sites;  // where each edge's next lock is taken: where a deadlock waits
  std::string confirmed_by;
  std::string deadlocked_in;  // a report run that deadlocked on it by chance: the fallback confirmation
};

/// Whether `deadlock` (a symbolized `deadlock` finding) is the predicted cycle: two or more threads,
/// each waiting where one of the cycle's edges takes its next lock.
bool is_the_cycle(const json& deadlock, const prediction& p) {
  const json& waits = deadlock.at("waits");
  if (waits.size() < 2) return false;
  for (const json& w : waits)
    if (p.acquire_sites.count(user_site(w.value("stack", json::array()))) == 0) return false;
  return true;
}

/// How long a steered thread waits for its partners in the cycle: 20, 80 or 320 ms by the run's place
/// in the budget. A short wait keeps a run with a hot held-side site fast; a long one lets a partner
/// that only gets there after slow work (I/O, a sleep) arrive.
std::uint32_t pause_us(std::uint64_t attempt) { return 20'000u << (2 * (attempt % 3)); }

}  // namespace

void add_confirm_option(po::options_description& options) {
  options.add_options()("confirm", po::value<std::string>()->value_name("N"),
                        "for each predicted lock-order cycle, up to N more runs steered toward it: the finding "
                        "is marked confirmed (with the reproduce line of the run that deadlocked) or unconfirmed");
}

std::uint64_t confirm_option(const po::variables_map& vm) {
  if (!vm.count("confirm")) return 0;
  return parse_count("--confirm", vm["confirm"].as<std::string>(), 1, max_runs_per_cycle);
}

void confirm_predictions(json& report, const std::vector<runner::trial_spec>& specs, std::uint64_t runs_per_cycle,
                         int jobs) {
  json& runs = report.at("runs");
  std::map<std::string, prediction> predictions;  // by fingerprint
  for (std::size_t i = 0; i < runs.size() && i < specs.size(); ++i)
    for (const json& f : runs[i].at("findings")) {
      if (f.value("kind", "") != "lock-order-cycle" || predictions.count(f.value("fingerprint", ""))) continue;
      prediction p;
      p.run = i;
      bool located = true;
      for (const json& e : f.at("edges")) {
        steering::site held;
        located = located && held_call(e.value("held_stack", json::array()), held);
        p.held.push_back(held);
        p.acquire_sites.insert(user_site(e.value("acquire_stack", json::array())));
      }
      if (!located) p.held.clear();  // an edge without a program call to steer at: no confirmation runs
      predictions.emplace(f.value("fingerprint", ""), std::move(p));
    }

  // A run of the report may have deadlocked on the cycle already. That confirms it, but its line
  // replays only as reliably as the chance that made it: steered runs still go first, for a line that
  // deadlocks again, and this one is kept for when none does.
  for (auto& [fingerprint, p] : predictions)
    for (const json& run : runs) {
      for (const json& f : run.at("findings"))
        if (f.value("kind", "") == "deadlock" && is_the_cycle(f, p)) p.deadlocked_in = run.value("reproduce", "");
      if (!p.deadlocked_in.empty()) break;
    }

  std::vector<runner::trial_spec> steered;
  std::vector<prediction*> steered_for;
  for (auto& [fingerprint, p] : predictions) {
    if (p.held.empty()) continue;
    for (std::uint64_t k = 0; k < runs_per_cycle; ++k) {
      runner::trial_spec spec = specs[p.run];
      spec.seed += k;
      spec.schedule.clear();  // a controlled trial's own schedule would replay the run that did not deadlock
      spec.output_file.clear();  // not a run of the report's: its output must not replace the run's own
      spec.confirm = steering::format_target({pause_us(k), p.held});
      steered.push_back(std::move(spec));
      steered_for.push_back(&p);
    }
  }
  const std::vector<runner::trial_result> results = runner::run_all(steered, jobs);
  symbolizer symbols;
  for (std::size_t i = 0; i < results.size(); ++i) {
    prediction& p = *steered_for[i];
    if (!p.confirmed_by.empty()) continue;  // an earlier run of its budget did
    for (json f : results[i].findings) {
      if (f.value("kind", "") != "deadlock") continue;
      symbolize_finding(f, symbols);
      if (!is_the_cycle(f, p)) continue;
      add_fingerprint(f);
      p.confirmed_by = runner::reproduce_command({results[i].spec, {f.value("fingerprint", "")}});
      break;
    }
  }
  for (auto& [fingerprint, p] : predictions)
    if (p.confirmed_by.empty()) p.confirmed_by = p.deadlocked_in;

  for (json& run : runs)
    for (json& f : run.at("findings")) {
      const auto it = predictions.find(f.value("fingerprint", ""));
      if (f.value("kind", "") != "lock-order-cycle" || it == predictions.end()) continue;
      f["confirmation"] = it->second.confirmed_by.empty() ? "unconfirmed" : "confirmed";
      if (!it->second.confirmed_by.empty()) f["confirmed_by"] = it->second.confirmed_by;
    }
}

}  // namespace gridlock::cli
