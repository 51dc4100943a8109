#include "reports/junit_writer.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "finding_text.h"
#include "report_file.h"
#include "reports/finding_view.h"
#include "reports/report.h"
#include "reports/xml_text.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;

constexpr int frames_shown = 3;

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string attr(const std::string& name, const std::string& value) { return " " + name + "=\"" + xml_escape(value) + "\""; }

std::string property(const std::string& name, const std::string& value) {
  return "      <property" + attr("name", name) + attr("value", value) + "/>\n";  // inside <properties>
}

/// A scenario's or program's runs, and what the testcase says about them.
struct testcase {
  const verdict* v = nullptr;
  std::vector<const json*> runs;
  std::int64_t duration_ms = 0;
};

struct distinct {
  const json* finding;
  std::vector<const json*> runs;
};

/// The testcase's findings, each fingerprint once, in the order first made; known ones apart.
void group_findings(const testcase& tc, std::vector<distinct>& fresh, std::vector<distinct>& known) {
  for (const json* run : tc.runs)
    for (const json& f : (*run)["findings"]) {
      std::vector<distinct>& into = f.value("known", false) ? known : fresh;
      auto it = std::find_if(into.begin(), into.end(), [&](const distinct& d) {
        return d.finding->value("fingerprint", "") == f.value("fingerprint", "");
      });
      if (it == into.end()) it = into.insert(into.end(), distinct{&f, {}});
      if (it->runs.empty() || it->runs.back() != run) it->runs.push_back(run);
    }
}

std::string seeds_of(const std::vector<const json*>& runs) {
  std::vector<std::uint64_t> seeds;
  for (const json* run : runs) seeds.push_back(run->value("seed", std::uint64_t{0}));
  return number_ranges(seeds);
}

std::string render_testcase(const testcase& tc, const std::string& source_root) {
  const verdict& v = *tc.v;
  std::vector<distinct> fresh, known;
  group_findings(tc, fresh, known);
  std::vector<const json*> broken;  // crashed or failed without anything to show for it
  for (const json* run : tc.runs)
    if ((*run)["findings"].empty() && run->value("outcome", "clean") != "clean") broken.push_back(run);

  // The failure, if this testcase fails by its rule.
  std::string message, type;
  if (!v.matches()) {
    if (!fresh.empty()) {
      message = finding_title(*fresh.front().finding) + " (" + std::to_string(fresh.front().runs.size()) + " of " +
                std::to_string(tc.runs.size()) + " runs)";
      type = fresh.front().finding->value("kind", "");
      if (fresh.size() > 1) message += " and " + std::to_string(fresh.size() - 1) + " more finding(s)";
    } else if (!broken.empty()) {
      message = broken.front()->value("outcome", "") + ": " + std::to_string(broken.size()) + " of " +
                std::to_string(tc.runs.size()) + " runs ended with " + ending_text(*broken.front());
      type = broken.front()->value("outcome", "");
    } else if (v.expected == "finding") {
      message = "expected a finding; all " + std::to_string(tc.runs.size()) + " runs were clean";
      type = "missed-finding";
    } else {
      message = "expected " + v.expected + ", got " + v.got();
      type = "verdict";
    }
  }

  std::string text;  // the failure's text: what a person needs to act
  for (const distinct& d : fresh) {
    text += render_text(*d.finding, frames_shown);
    text += "  in " + std::to_string(d.runs.size()) + " of " + std::to_string(tc.runs.size()) + " runs (seeds " +
            seeds_of(d.runs) + ")\n";
    if (const json base = d.finding->value("baseline", json()); base.is_object())
      text += "  its baseline entry expired on " + base.value("expires", "") + " (" + base.value("reason", "") + ")\n";
    text += "  reproduce: " + d.runs.front()->value("reproduce", "") + "\n\n";
  }
  for (const json* run : broken) {
    text += run->value("outcome", "") + ": seed " + std::to_string(run->value("seed", std::uint64_t{0})) +
            " ended with " + ending_text(*run) + "\n";
    text += broken_run_details(*run, "  ");
    text += "  reproduce: " + run->value("reproduce", "") + "\n\n";
  }

  std::string out;  // the log: every run, and known findings with their reasons
  out += v.kind + " " + v.name + ": expected " + v.expected + ", got " + v.got() + (v.known ? " (known findings only)" : "") +
         "; " + std::to_string(v.failed_runs) + " of " + std::to_string(v.runs) + " runs failed\n";
  for (const json* run : tc.runs) {
    out += "seed " + std::to_string(run->value("seed", std::uint64_t{0})) + " (" + run->value("strategy", "") +
           (run->contains("pct_depth") ? " d=" + std::to_string(run->value("pct_depth", 0)) : "") + "): " + run->value("outcome", "") + ", " + ending_text(*run) + ", " +
           std::to_string(run->value("duration_ms", std::int64_t{0})) + " ms";
    for (const json& f : (*run)["findings"])
      out += "; " + f.value("kind", "") + " [" + f.value("fingerprint", "") + "]" + (f.value("known", false) ? " (known)" : "");
    out += "\n";
  }
  for (const distinct& d : known)
    out += "known finding (baseline): " + finding_title(*d.finding) + " [" + d.finding->value("fingerprint", "") + "]: " +
           d.finding->at("baseline").value("reason", "") +
           (d.finding->at("baseline").contains("expires") ? ", until " + d.finding->at("baseline").value("expires", "") : "") +
           "\n";
  if (v.matches() && !fresh.empty()) {  // expected findings: shown, not failed
    out += "\n";
    for (const distinct& d : fresh) out += render_text(*d.finding, frames_shown) + "  reproduce: " + d.runs.front()->value("reproduce", "") + "\n";
  }

  // Located at the finding that fails it, or else the first one.
  std::string location;
  const json* locating = !fresh.empty() ? fresh.front().finding : !known.empty() ? known.front().finding : nullptr;
  if (locating != nullptr)
    if (const json frame = locating_frame(*locating, source_root); !frame.is_null()) {
      location = attr("file", display_path(frame.value("file", ""), source_root));
      if (frame.value("line", 0) > 0) location += attr("line", std::to_string(frame.value("line", 0)));
    }

  std::string xml = "    <testcase" + attr("name", v.name) + attr("classname", "gridlock." + v.kind) +
                    attr("time", seconds(tc.duration_ms)) + location + ">\n";
  if (!v.matches()) xml += "      <failure" + attr("message", message) + attr("type", type) + ">" + xml_escape(text) + "</failure>\n";
  xml += "      <system-out>" + xml_escape(out) + "</system-out>\n";
  xml += "    </testcase>\n";
  return xml;
}

}  // namespace

std::string junit_writer::render(const json& report) const {
  const std::vector<verdict> all = verdicts(report);
  std::vector<testcase> cases;
  for (const verdict& v : all) cases.push_back({&v, {}, 0});
  std::vector<std::uint64_t> seeds;
  std::set<std::string> strategies;
  std::int64_t total_ms = 0;
  for (const json& run : report.at("runs")) {
    const auto tc = std::find_if(cases.begin(), cases.end(), [&](const testcase& t) { return t.v->name == run.value("name", ""); });
    tc->runs.push_back(&run);
    tc->duration_ms += run.value("duration_ms", std::int64_t{0});
    total_ms += run.value("duration_ms", std::int64_t{0});
    seeds.push_back(run.value("seed", std::uint64_t{0}));
    strategies.insert(run.value("strategy", ""));
  }
  const std::size_t failures = static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](const verdict& v) { return !v.matches(); }));

  // Every testsuite is named: some readers crash on a nameless one.
  std::string name = "gridlock " + report.value("command", "run");
  if (report.contains("shard"))
    name += " (shard " + std::to_string(report["shard"].value("index", 0)) + "/" + std::to_string(report["shard"].value("count", 0)) + ")";
  const std::string counts = attr("tests", std::to_string(cases.size())) + attr("failures", std::to_string(failures)) +
                             attr("errors", "0") + attr("skipped", "0") + attr("time", seconds(total_ms));

  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites" + attr("name", name) + counts + ">\n";
  xml += "  <testsuite" + attr("name", name) + counts + ">\n";
  xml += "    <properties>\n";
  xml += property("gridlock.version", report.value("version", ""));
  if (report.contains("command")) xml += property("gridlock.command", report.value("command", ""));
  std::string strategy;
  for (const std::string& s : strategies) strategy += (strategy.empty() ? "" : ",") + s;
  xml += property("gridlock.strategy", strategy);
  xml += property("gridlock.seeds", number_ranges(seeds));
  if (report.contains("shard"))
    xml += property("gridlock.shard", std::to_string(report["shard"].value("index", 0)) + "/" + std::to_string(report["shard"].value("count", 0)));
  if (report.contains("baseline")) xml += property("gridlock.baseline", report["baseline"].value("file", ""));
  xml += "    </properties>\n";
  for (const testcase& tc : cases) xml += render_testcase(tc, source_root_);
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

bool junit_writer::write(const json& report, const std::string& path) const {
  return write_report_file(path, render(report));
}

}  // namespace gridlock::reports
