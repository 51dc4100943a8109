#include "reports/html_writer.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "finding_json.h"
#include "report_file.h"
#include "reports/finding_graph.h"
#include "reports/finding_view.h"
#include "reports/report.h"
#include "reports/xml_text.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;

constexpr std::size_t user_frames_shown = 5;  // per stack; the whole stack is one click away
constexpr std::size_t other_runs_listed = 50;

std::string esc(const std::string& text) { return xml_escape(text); }

constexpr std::string_view style = R"(
:root { --fail: #b42318; --ok: #067647; --known: #6941c6; --muted: #667085; --line: #d0d5dd; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #101828;
       margin: 0 auto; padding: 16px 24px 48px; max-width: 1200px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
h1 { font-size: 22px; margin: 4px 0; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 4px; } h4 { font-size: 14px; margin: 14px 0 6px; } h5 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }
.meta, .muted { color: var(--muted); }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-size: 14px; vertical-align: middle; }
.status.fail { background: var(--fail); } .status.ok { background: var(--ok); }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px; background: var(--bg); }
.tile b { font-size: 18px; display: block; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eaecf0; vertical-align: top; }
th { font-weight: 600; color: #344054; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--fail); border-radius: 8px; padding: 12px 16px; margin: 14px 0; }
.finding.expected { border-left-color: #f79009; } .finding.known { border-left-color: var(--known); }
.badge { display: inline-block; font-size: 12px; padding: 0 8px; border-radius: 10px; border: 1px solid currentColor; margin-left: 6px; vertical-align: 2px; }
.badge.fails { color: var(--fail); } .badge.expected { color: #b54708; } .badge.known { color: var(--known); }
.kind { font-family: ui-monospace, "DejaVu Sans Mono", monospace; background: #fef3f2; color: var(--fail); padding: 0 6px; border-radius: 4px; }
.fp { color: var(--muted); font-size: 12px; font-weight: normal; }
.repro { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
.repro code { flex: 1; overflow-x: auto; white-space: nowrap; background: #f2f4f7; padding: 6px 8px; border-radius: 6px; }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button:hover { background: #f2f4f7; }
.graphbox { overflow-x: auto; margin: 6px 0; }
svg.graph { max-width: 100%; height: auto; font: 13px system-ui, "DejaVu Sans", sans-serif; }
svg.defs { position: absolute; }
.node rect { stroke-width: 1.5; } .node.lock rect { fill: #fffaeb; stroke: #b54708; } .node.thread rect { fill: #eff8ff; stroke: #175cd3; }
.node text { text-anchor: middle; font-weight: 600; fill: #101828; }
.edge { fill: none; stroke: var(--fail); stroke-width: 2; } .edge.holds { stroke: #98a2b3; stroke-width: 1.5; stroke-dasharray: 5 4; }
.arrowhead { fill: var(--fail); } .arrowhead.holds { fill: #98a2b3; }
.label { text-anchor: middle; fill: #101828; paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.label.holds { fill: var(--muted); } .label .detail { fill: #475467; font-size: 11px; }
.edges { display: grid; gap: 10px; }
.edgebox { border-top: 1px solid #eaecf0; padding-top: 8px; }
.stacks { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
.stack { background: var(--bg); border: 1px solid #eaecf0; border-radius: 6px; padding: 6px 10px; min-width: 0; }
ol.frames { margin: 0; padding-left: 22px; } ol.frames li { overflow-wrap: anywhere; }
ol.frames li.lib { color: var(--muted); }
.loc { color: #175cd3; white-space: nowrap; }
pre.code { margin: 2px 0 4px; padding: 2px 8px; background: #eff8ff; }
details summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
.bar { display: inline-block; width: 80px; height: 8px; background: #eaecf0; border-radius: 4px; vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--fail); }
td.fail { color: var(--fail); font-weight: 600; } td.ok { color: var(--ok); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f2f4f7; padding: 6px 8px; border-radius: 6px; margin: 4px 0; }
)";

// The copy button: the Clipboard API where the page is a secure context (file:// is), else a selection
// and execCommand. Every failure is caught, so the page never logs an error. The last line marks the
// page as scripted, which tests read to know the script ran to its end.
constexpr std::string_view script = R"(
document.addEventListener('click', function (event) {
  var button = event.target.closest ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  var code = document.getElementById(button.getAttribute('data-copy'));
  if (!code) return;
  var text = code.textContent;
  function show(ok) {
    button.textContent = ok ? 'Copied' : 'Select and copy';
    setTimeout(function () { button.textContent = 'Copy'; }, 1500);
  }
  function fallback() {
    try {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      show(document.execCommand('copy'));
    } catch (e) { show(false); }
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { show(true); }, fallback);
  } else {
    fallback();
  }
});
document.documentElement.setAttribute('data-script', 'ok');
)";

struct page {
  const json& report;
  std::string root;
  std::filesystem::path page_dir;  // absolute
  std::vector<verdict> verdicts;
  std::set<std::string> failing;  // names whose verdict does not match
  std::string html;
  int next_id = 0;

  std::string id() { return "c" + std::to_string(next_id++); }

  bool fails(const std::string& name) const { return failing.contains(name); }

  std::string frame_html(const json& frame) const {
    std::string fn = frame.value("function", "");
    if (fn.empty()) {
      const std::string module = frame.value("module", "");
      fn = module.substr(module.find_last_of('/') + 1) + "+" + frame.value("offset", "");
    }
    std::string out = "<code>" + esc(fn) + "</code>";
    if (const std::string file = frame.value("file", ""); !file.empty())
      out += " <span class=\"loc mono\">" + esc(display_path(file, root)) + ":" + std::to_string(frame.value("line", 0)) + "</span>";
    if (frame.value("inlined", false)) out += " <span class=\"muted\">(inlined)</span>";
    if (const std::string code = frame.value("code", ""); !code.empty()) out += "<pre class=\"code mono\">" + esc(code) + "</pre>";
    return out;
  }

  /// Links to the files a run kept its whole output in, relative to the page.
  void output_links(const json& run) {
    std::string links;
    for (const char* key : {"stdout_file", "stderr_file"}) {
      const std::string file = run.value(key, "");
      if (file.empty()) continue;
      const std::string href =
          std::filesystem::absolute(file).lexically_normal().lexically_relative(page_dir).generic_string();
      links += std::string(links.empty() ? "" : ", ") + "<a href=\"" + esc(href) + "\">" + std::string(key, 6) + "</a>";
    }
    if (!links.empty()) html += "<p>whole output: " + links + "</p>";
  }

  /// A stack: its first user frames, then the whole of it behind a click.
  void stack(const std::string& title, const json& frames) {
    html += "<div class=\"stack\"><h5>" + esc(title) + "</h5>";
    if (!frames.is_array() || frames.empty()) {
      html += "<p class=\"muted\">no stack</p></div>";
      return;
    }
    std::string user;
    std::size_t shown = 0;
    for (const json& frame : frames)
      if (!is_plumbing_frame(frame) && shown++ < user_frames_shown) user += "<li>" + frame_html(frame) + "</li>";
    html += user.empty() ? "<p class=\"muted\">no frames outside Gridlock and the standard library (build with -g)</p>"
                         : "<ol class=\"frames\">" + user + "</ol>";
    html += "<details><summary>whole stack (" + std::to_string(frames.size()) + " frames)</summary><ol class=\"frames\">";
    for (const json& frame : frames)
      html += std::string(is_plumbing_frame(frame) ? "<li class=\"lib\">" : "<li>") + frame_html(frame) + "</li>";
    html += "</ol></details></div>";
  }

  void reproduce_line(const std::string& command) {
    if (command.empty()) return;
    const std::string code_id = id();
    html += "<div class=\"repro\"><code id=\"" + code_id + "\">" + esc(command) + "</code><button type=\"button\" data-copy=\"" +
            code_id + "\" title=\"copy the command\">Copy</button></div>";
  }

  void finding(const finding_group& g, std::size_t total_runs) {
    const json& f = *g.finding;
    const bool known = f.value("known", false);
    bool failing = false;
    std::map<std::string, std::vector<std::uint64_t>> seeds;  // name -> seeds that hit it
    std::vector<std::string> names;
    for (const json* run : g.runs) {
      const std::string name = run->value("name", "");
      failing = failing || fails(name);
      if (!seeds.contains(name)) names.push_back(name);
      seeds[name].push_back(run->value("seed", std::uint64_t{0}));
    }
    const std::string state = known ? "known" : failing ? "fails" : "expected";
    html += "<article class=\"finding " + std::string(state == "fails" ? "" : state) + "\" id=\"f-" + esc(f.value("fingerprint", "")) + "\">";
    html += "<h3><span class=\"kind\">" + esc(f.value("kind", "")) + "</span> " + esc(finding_title(f).substr(f.value("kind", "").size())) +
            " <span class=\"fp mono\">" + esc(f.value("fingerprint", "")) + "</span>";
    html += state == "known" ? "<span class=\"badge known\">known (baseline)</span>"
            : state == "fails" ? "<span class=\"badge fails\">fails the run</span>"
                               : "<span class=\"badge expected\">expected by its scenario</span>";
    html += "</h3><p>" + esc(f.value("message", "")) + "</p>";
    if (const std::string tests = tests_phrase(f); !tests.empty()) html += "<p>" + esc(tests) + "</p>";
    if (const std::string one = one_thread_phrase(f); !one.empty()) html += "<p>" + esc(one) + "</p>";
    std::string where;
    for (const std::string& name : names)
      where += (where.empty() ? "" : "; ") + esc(name) + " (seeds " + esc(number_ranges(seeds[name])) + ")";
    html += "<p class=\"muted\">hit " + std::to_string(g.hits) + " time(s) in " + std::to_string(g.runs.size()) + " of " +
            std::to_string(total_runs) + " runs: " + where + "</p>";
    if (const std::string more = repeats_phrase(f); !more.empty()) html += "<p class=\"muted\">" + esc(more) + "</p>";
    if (f.contains("baseline") && f["baseline"].is_object())
      html += std::string("<p class=\"muted\">") + (known ? "baseline: " : "baseline entry expired on " + esc(f["baseline"].value("expires", "")) + ": ") +
              esc(f["baseline"].value("reason", "")) + "</p>";
    reproduce_line(g.runs.front()->value("reproduce", ""));
    if (f.value("confirmation", "") == "confirmed") {
      html += "<p><span class=\"badge fails\">confirmed</span> a steered run deadlocked on this cycle; it replays with:</p>";
      reproduce_line(f.value("confirmed_by", ""));
    } else if (f.value("confirmation", "") == "unconfirmed") {
      html += "<p class=\"muted\"><span class=\"badge expected\">unconfirmed</span> no steered run deadlocked on this "
              "cycle (its paths may never overlap)</p>";
    }

    if (const std::string svg = render_svg(graph_of(f)); !svg.empty()) html += "<div class=\"graphbox\">" + svg + "</div>";

    const json& edges = f.contains("edges") && f["edges"].is_array() ? f["edges"] : json::array();
    if (!edges.empty()) {
      const bool records = std::all_of(edges.begin(), edges.end(), [](const json& e) { return acquisition_record(e); });
      html += records ? "<h4>Where its locks were acquired</h4><div class=\"edges\">" : "<h4>Edges of the cycle</h4><div class=\"edges\">";
      for (const json& e : edges) {
        const std::string thread = thread_label(f, e.value("thread", 0u));
        const std::string from = lock_label(f, e.value("from", std::uint64_t{0}));
        const std::string to = lock_label(f, e.value("to", std::uint64_t{0}));
        if (acquisition_record(e)) {
          html += "<div class=\"edgebox\"><p><b>" + esc(from) + "</b> (" + esc(e.value("from_mode", "")) +
                  ") was acquired by <b>" + esc(thread) + "</b></p><div class=\"stacks\">";
          stack(from + " was acquired at", e.value("held_stack", json::array()));
          html += "</div></div>";
          continue;
        }
        html += "<div class=\"edgebox\"><p><b>" + esc(thread) + "</b> acquired <b>" + esc(to) + "</b> (" +
                esc(e.value("to_mode", "")) + ") while holding <b>" + esc(from) + "</b> (" + esc(e.value("from_mode", "")) + ")";
        if (const std::string fallback = fallback_phrase(e); !fallback.empty()) html += ", " + esc(fallback);
        if (const std::string also = also_taken_by(f, e); !also.empty()) html += "; " + esc(also);
        html += "</p><div class=\"stacks\">";
        stack("acquired " + to + " at", e.value("acquire_stack", json::array()));
        stack(from + " was acquired at", e.value("held_stack", json::array()));
        html += "</div></div>";
      }
      html += "</div>";
    }
    const json& waits = f.contains("waits") && f["waits"].is_array() ? f["waits"] : json::array();
    if (!waits.empty()) {
      html += "<h4>Threads</h4><div class=\"edges\">";
      for (const alike_waits& g : group_waits(f)) {
        const json& w = *g.wait;
        const bool one = g.threads.size() == 1;
        const std::string holds = lock_labels(f, w.value("holds", json::array()));
        html += "<div class=\"edgebox\"><p><b>" + esc(threads_label(f, g.threads)) + "</b> " +
                (w.value("waits_for", "").empty()
                     ? std::string(one ? "waits" : "wait") + " for nothing Gridlock can name"
                     : std::string(one ? "waits" : "wait") + " for <b>" + esc(w.value("waits_for", "")) + "</b>") +
                (holds.empty() ? "" : std::string(one ? ", holding" : ", each holding") + " <b>" + esc(holds) + "</b>");
        if (w.contains("state")) html += " <span class=\"muted\">(" + esc(w.value("state", "")) +
                                         (w.value("wchan", "").empty() ? "" : ", in " + esc(w.value("wchan", ""))) + ")</span>";
        html += "</p><div class=\"stacks\">";
        stack("where it waits", w.value("stack", json::array()));
        html += "</div></div>";
      }
      html += "</div>";
    }
    if (const std::vector<const json*> started = started_threads(f); !started.empty()) {
      html += "<details><summary>where its threads were started</summary><div class=\"stacks\">";
      for (const json* t : started) stack(thread_label(f, t->value("id", 0u)) + " was started at", (*t)["started_at"]);
      html += "</div></details>";
    }
    if (edges.empty() && waits.empty()) {
      html += "<div class=\"stacks\">";
      stack("where it was found", f.value("stack", json::array()));
      html += "</div>";
    } else if (f.contains("stack") && f["stack"].is_array() && !f["stack"].empty() && edges.empty()) {
      html += "<details><summary>where it was detected</summary><div class=\"stacks\">";
      stack("the reporting thread", f["stack"]);
      html += "</div></details>";
    }
    html += "</article>\n";
  }

  void render() {
    const json& runs = report.at("runs");
    const std::vector<finding_group> groups = distinct_findings(report);
    const bool ok = std::all_of(verdicts.begin(), verdicts.end(), [](const verdict& v) { return v.matches(); });
    for (const verdict& v : verdicts)
      if (!v.matches()) failing.insert(v.name);
    const std::string command = report.value("command", "");
    std::map<std::string, std::size_t> outcomes;
    for (const json& run : runs) ++outcomes[run.value("outcome", "")];

    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<title>Gridlock report" + (command.empty() ? "" : ": gridlock " + esc(command)) + " \xE2\x80\x94 " +
            std::to_string(groups.size()) + " finding(s)</title>\n<style>" + std::string(style) + "</style>\n</head>\n<body>\n";
    html += svg_defs();
    html += "<header><h1>Gridlock report " +
            std::string(ok ? "<span class=\"status ok\">passed</span>"
                           : "<span class=\"status fail\">failed: " + std::to_string(failing.size()) + " of " +
                                 std::to_string(verdicts.size()) + " " + (command == "exec" ? "program(s)" : "verdict(s)") + "</span>") +
            "</h1><p class=\"meta\">" + (command.empty() ? "" : "gridlock " + esc(command) + " \xC2\xB7 ") + "version " +
            esc(report.value("version", "")) + " \xC2\xB7 " + std::to_string(runs.size()) + " run(s)";
    if (report.contains("shard"))
      html += " \xC2\xB7 shard " + std::to_string(report["shard"].value("index", 0)) + "/" + std::to_string(report["shard"].value("count", 0));
    if (report.contains("baseline")) html += " \xC2\xB7 baseline " + esc(report["baseline"].value("file", ""));
    html += "</p></header>\n";

    // The numbers at a glance.
    std::size_t hits = 0;
    for (const finding_group& g : groups) hits += g.hits;
    html += "<section class=\"tiles\"><div class=\"tile\"><b>" + std::to_string(runs.size()) + "</b>runs</div>";
    for (const char* o : {"clean", "finding", "timeout", "crash", "failed"})
      if (outcomes[o] > 0) html += "<div class=\"tile\"><b>" + std::to_string(outcomes[o]) + "</b>" + o + "</div>";
    html += "<div class=\"tile\"><b>" + std::to_string(groups.size()) + "</b>distinct finding(s), " + std::to_string(hits) +
            " hit(s)</div></section>\n";

    // Findings first: those that fail the run, then those expected, then the known ones.
    std::vector<const finding_group*> ordered;
    for (int pass = 0; pass < 3; ++pass)
      for (const finding_group& g : groups) {
        const bool known = g.finding->value("known", false);
        const bool failing_group = !known && std::any_of(g.runs.begin(), g.runs.end(), [&](const json* r) { return fails(r->value("name", "")); });
        if ((pass == 0 && failing_group) || (pass == 1 && !known && !failing_group) || (pass == 2 && known)) ordered.push_back(&g);
      }
    html += "<h2>Findings</h2>\n";
    if (ordered.empty()) html += "<p>No findings.</p>\n";
    for (const finding_group* g : ordered) finding(*g, runs.size());

    // Runs that went wrong with nothing found.
    std::vector<const json*> broken;
    for (const json& run : runs)
      if (run.value("outcome", "clean") != "clean" && run["findings"].empty()) broken.push_back(&run);
    if (!broken.empty()) {
      html += "<h2>Runs that failed without a finding</h2>\n";
      for (std::size_t i = 0; i < broken.size() && i < other_runs_listed; ++i) {
        const json& run = *broken[i];
        html += "<div class=\"finding\"><h3>" + esc(run.value("name", "")) + " seed " + std::to_string(run.value("seed", std::uint64_t{0})) +
                ": " + esc(run.value("outcome", "")) + ", " + esc(ending_text(run)) + "</h3>";
        if (!run.value("stderr", "").empty()) html += "<pre>" + esc(run.value("stderr", "")) + "</pre>";
        if (const auto crash = run.find("crash"); crash != run.end() && crash->is_object())
          stack(crash_phrase(*crash), crash->value("stack", json::array()));
        if (const std::string failed = failed_tests_phrase(run.value("stdout", "")); !failed.empty())
          html += "<p>" + esc(failed) + "</p>";
        output_links(run);
        reproduce_line(run.value("reproduce", ""));
        html += "</div>\n";
      }
      if (broken.size() > other_runs_listed)
        html += "<p class=\"muted\">... and " + std::to_string(broken.size() - other_runs_listed) + " more in the JSON report</p>\n";
    }

    // The summary tables.
    html += "<h2>Summary</h2>\n<h4>Findings by kind</h4><table><tr><th>kind</th><th>distinct</th><th>hits</th><th>runs</th></tr>";
    std::map<std::string, std::array<std::size_t, 3>> by_kind;
    for (const finding_group& g : groups) {
      auto& k = by_kind[g.finding->value("kind", "")];
      ++k[0], k[1] += g.hits, k[2] += g.runs.size();
    }
    for (const auto& [kind, k] : by_kind)
      html += "<tr><td><span class=\"kind\">" + esc(kind) + "</span></td><td>" + std::to_string(k[0]) + "</td><td>" +
              std::to_string(k[1]) + "</td><td>" + std::to_string(k[2]) + "</td></tr>";
    if (by_kind.empty()) html += "<tr><td colspan=\"4\" class=\"muted\">none</td></tr>";
    html += "</table>\n<h4>Scenarios and programs</h4><table><tr><th>name</th><th>kind</th><th>expected</th><th>got</th>"
            "<th>failed runs</th><th>seeds</th><th>verdict</th></tr>";
    for (const verdict& v : verdicts) {
      std::vector<std::uint64_t> seeds;
      for (const json& run : runs)
        if (run.value("name", "") == v.name) seeds.push_back(run.value("seed", std::uint64_t{0}));
      const int percent = v.runs == 0 ? 0 : static_cast<int>(100 * v.failed_runs / v.runs);
      html += "<tr><td><code>" + esc(v.name) + "</code></td><td>" + esc(v.kind) + "</td><td>" + esc(v.expected) + "</td><td>" +
              esc(v.got()) + (v.known ? " (known)" : "") + "</td><td><span class=\"bar\"><i style=\"width:" +
              std::to_string(percent) + "%\"></i></span>" + std::to_string(v.failed_runs) + " of " + std::to_string(v.runs) +
              "</td><td>" + esc(number_ranges(seeds)) + "</td><td class=\"" + (v.matches() ? "ok\">as expected" : "fail\">FAILS") +
              "</td></tr>";
    }
    html += "</table>\n<script>" + std::string(script) + "</script>\n</body>\n</html>\n";
  }
};

}  // namespace

std::string html_writer::render(const json& report, const std::string& page_dir) const {
  page p{report, std::filesystem::absolute(source_root_).lexically_normal().generic_string(),
         std::filesystem::absolute(page_dir).lexically_normal(), verdicts(report), {}, {}};
  p.render();
  return std::move(p.html);
}

bool html_writer::write(const json& report, const std::string& path) const {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return write_report_file(path, render(report, dir.empty() ? "." : dir));
}

}  // namespace gridlock::reports
