#include "cli/console.h"

#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>

#include "finding_text.h"

namespace gridlock::cli {
namespace {

using nlohmann::json;

// What fits one screen: a few findings in full, with their top frames; the next ones a line each.
constexpr std::size_t shown_in_full = 3;
constexpr int frames_shown = 2;
constexpr std::size_t listed = 10;

constexpr runner::outcome outcome_order[] = {runner::outcome::clean, runner::outcome::finding, runner::outcome::timeout,
                                             runner::outcome::crash, runner::outcome::failed};

std::string run_label(const json& run) {
  return run.value("name", "") + " seed " + std::to_string(run.value("seed", std::uint64_t{0}));
}

std::string ending(const json& run) {
  if (run.contains("signal")) {
    const int sig = run["signal"].get<int>();
    const char* name = ::sigabbrev_np(sig);
    return "signal " + std::to_string(sig) + (name != nullptr ? std::string(" (SIG") + name + ")" : "");
  }
  return "exit code " + std::to_string(run.value("exit_code", 0));
}

struct finding_group {
  json finding;                  // the first one seen
  std::vector<const json*> runs; // the runs that hit it
};

}  // namespace

progress_display::progress_display() : live_(::isatty(STDERR_FILENO) != 0) {}

void progress_display::trial_done(const runner::trial_result& r, std::size_t done, std::size_t total) {
  ++counts_[static_cast<std::size_t>(r.outcome)];
  const std::string what = r.spec.name + " seed " + std::to_string(r.spec.seed) + ": " + std::string(to_string(r.outcome));
  if (!live_) {
    std::fprintf(stderr, "gridlock: [%zu/%zu] %s (%lld ms)\n", done, total, what.c_str(),
                 static_cast<long long>(r.duration_ms));
    return;
  }
  std::string tally;
  for (runner::outcome o : outcome_order)
    if (const std::size_t n = counts_[static_cast<std::size_t>(o)]) tally += " " + std::to_string(n) + " " + std::string(to_string(o));
  // \r and "erase to end of line": the line is rewritten in place.
  std::fprintf(stderr, "\r\033[K[%zu/%zu]%s | %s", done, total, tally.c_str(), what.c_str());
  std::fflush(stderr);
}

void progress_display::finish() {
  if (live_) std::fputs("\r\033[K", stderr);
}

void print_summary(std::ostream& out, const json& report, const std::vector<reports::verdict>& verdicts,
                   const std::vector<std::string>& paths) {
  const json& runs = report.at("runs");
  std::map<std::string, std::size_t> by_outcome;
  std::vector<finding_group> groups;
  std::vector<const json*> other_failures;  // not clean, but no finding to show
  for (const json& run : runs) {
    ++by_outcome[run.value("outcome", "")];
    const json& findings = run["findings"];
    if (findings.empty() && run.value("outcome", "clean") != "clean") other_failures.push_back(&run);
    for (const json& f : findings) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const finding_group& g) {
        return g.finding.value("fingerprint", "") == f.value("fingerprint", "");
      });
      if (it == groups.end()) it = groups.insert(groups.end(), finding_group{f, {}});
      if (it->runs.empty() || it->runs.back() != &run) it->runs.push_back(&run);
    }
  }

  // Findings where none was expected first: those are what a person has to look at.
  std::stable_partition(groups.begin(), groups.end(), [&](const finding_group& g) {
    return std::any_of(g.runs.begin(), g.runs.end(), [&](const json* run) {
      return std::any_of(verdicts.begin(), verdicts.end(), [&](const reports::verdict& v) {
        return !v.matches() && v.name == run->value("name", "");
      });
    });
  });

  out << runs.size() << " trial(s):";
  for (runner::outcome o : outcome_order) out << " " << by_outcome[std::string(to_string(o))] << " " << to_string(o);
  out << "\n";

  for (std::size_t i = 0; i < groups.size() && i < shown_in_full; ++i) {
    const finding_group& g = groups[i];
    out << "\n" << render_text(g.finding, frames_shown);
    out << "  in " << g.runs.size() << " of " << runs.size() << " run(s), first " << run_label(*g.runs.front()) << "\n";
    if (const std::string more = repeats_phrase(g.finding); !more.empty()) out << "  " << more << "\n";
    out << "  reproduce: " << g.runs.front()->value("reproduce", "") << "\n";
  }
  if (groups.size() > shown_in_full) out << "\nmore findings (the report has each in full):\n";
  for (std::size_t i = shown_in_full; i < groups.size() && i < shown_in_full + listed; ++i) {
    const finding_group& g = groups[i];
    out << "  " << g.finding.value("kind", "") << " [" << g.finding.value("fingerprint", "") << "] in " << g.runs.size()
        << " run(s), first " << run_label(*g.runs.front()) << "\n";
  }
  if (groups.size() > shown_in_full + listed) out << "  ... and " << groups.size() - shown_in_full - listed << " more\n";

  for (std::size_t i = 0; i < other_failures.size() && i < listed; ++i) {
    const json& run = *other_failures[i];
    out << "\n" << run.value("outcome", "") << ": " << run_label(run) << " ended with " << ending(run) << "\n";
    out << broken_run_details(run, "  ");
    out << "  reproduce: " << run.value("reproduce", "") << "\n";
  }
  if (other_failures.size() > listed) out << "\n... and " << other_failures.size() - listed << " more such run(s) in the report\n";

  const auto as_expected = std::count_if(verdicts.begin(), verdicts.end(), [](const reports::verdict& v) { return v.matches(); });
  if (!verdicts.empty()) out << "\n" << verdicts.size() << " verdict(s), " << as_expected << " as expected\n";
  for (const reports::verdict& v : verdicts)
    if (!v.matches()) out << "  UNEXPECTED " << v.name << ": expected " << v.expected << ", got " << v.got() << "\n";
  for (const std::string& path : paths) out << "report: " << path << "\n";
}

}  // namespace gridlock::cli
