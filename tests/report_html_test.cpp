// The HTML writer, on the hand-made report of report_fixture.h: every tag balanced and the page parses
// (xmllint's HTML parser), every piece of program text escaped (the fixture's names are full of < > &),
// nothing loaded from outside the file, each distinct finding once with its hit count, graph and
// stacks, and the page rendered by a real headless Chromium with no console error and its script run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "report_fixture.h"
#include "reports/baseline.h"
#include "reports/html_writer.h"
#include "reports/report_formats.h"

namespace {

using nlohmann::json;
using namespace report_fixture;
namespace fs = std::filesystem;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

/// Every element closed in order: the problems a tag-balance check finds, empty when there are none.
/// Script and style bodies are skipped; HTML's void elements and SVG's self-closing tags need no end.
std::string unbalanced(const std::string& html) {
  static const std::vector<std::string> void_elements = {"meta", "link", "br", "hr", "img", "input", "wbr", "col", "area", "base", "source"};
  std::vector<std::string> open;
  std::size_t at = 0;
  while ((at = html.find('<', at)) != std::string::npos) {
    if (html.compare(at, 4, "<!--") == 0) {
      at = html.find("-->", at);
      if (at == std::string::npos) return "an unclosed comment";
      continue;
    }
    const std::size_t end = html.find('>', at);
    if (end == std::string::npos) return "a tag that never ends";
    const std::string tag = html.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.starts_with("!")) continue;  // <!DOCTYPE html>
    const bool closing = tag.starts_with("/");
    const std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" \t\n/", closing ? 1 : 0) - (closing ? 1 : 0));
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
      return "a '<' that opens no tag: <" + tag.substr(0, 40);
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes <" + (open.empty() ? "nothing" : open.back()) + ">";
      open.pop_back();
    } else if (!tag.ends_with("/") && std::find(void_elements.begin(), void_elements.end(), name) == void_elements.end()) {
      open.push_back(name);
      if (name == "script" || name == "style") {  // raw text up to its end tag
        at = html.find("</" + name + ">", at);
        if (at == std::string::npos) return "<" + name + "> never ends";
      }
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

class ReportHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("report_html_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string render(const json& report) { return gridlock::reports::html_writer(source_root).render(report); }

  fs::path dir_;
};

TEST_F(ReportHtmlTest, EveryTagIsBalancedAndThePageParses) {
  const std::string html = render(report());
  EXPECT_EQ(unbalanced(html), "");
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  if (!have_tool("xmllint")) GTEST_SKIP() << "xmllint is not installed (Debian package libxml2-utils)";
  spit(dir_ / "report.html", html);
  // libxml2's HTML parser knows HTML 4: it calls HTML5's and inline SVG's elements unknown ("Tag svg
  // invalid"), and nothing else may be wrong.
  const result parse = shell("xmllint --html --noout " + quoted((dir_ / "report.html").string()), dir_ / "xmllint.out");
  std::istringstream lines(parse.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("parser error") == std::string::npos) continue;
    EXPECT_TRUE(std::regex_search(line, std::regex("Tag [a-z0-9]+ invalid"))) << line;
  }
}

TEST_F(ReportHtmlTest, ProgramTextIsEscapedEverywhere) {
  const std::string html = render(report());
  for (const char* raw : {"<int>", "B&co", "<worker>", "operator&(", "map<int", "<fatal>", "<c>"})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw << " appears unescaped";
  EXPECT_GT(count(html, "A&lt;int&gt;"), 3u);
  EXPECT_GT(count(html, "B&amp;co"), 1u);
  EXPECT_NE(html.find("app::worker&lt;std::map&lt;int, std::vector&lt;int&gt;&gt;&gt;(app::guard&lt;A&amp;B&gt;&amp;)"), std::string::npos)
      << "the demangled function in full, in the stacks";
  EXPECT_NE(html.find("<pre class=\"code mono\">std::lock_guard&lt;B&amp;co&gt; second(b);</pre>"), std::string::npos)
      << "a frame's line of source";
  EXPECT_NE(html.find("&lt;fatal&gt; &amp;"), std::string::npos) << "a child's stderr, control bytes replaced";
  EXPECT_EQ(html.find('\x01'), std::string::npos);
}

TEST_F(ReportHtmlTest, SelfContainedWithNothingFromOutside) {
  const std::string html = render(report());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos) << "no external script or image";
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("@font-face"), std::string::npos);
  EXPECT_EQ(count(html, "<style>"), 1u);
  EXPECT_EQ(count(html, "<script>"), 1u);
}

TEST_F(ReportHtmlTest, EachDistinctFindingOnceWithHitsGraphStacksAndReproduce) {
  const std::string html = render(report());
  EXPECT_EQ(count(html, "<article class=\"finding"), 3u) << "the cycle (hit twice), the deadlock, the bare finding";
  EXPECT_EQ(count(html, "id=\"f-" + std::string(cycle_fingerprint) + "\""), 1u);
  EXPECT_NE(html.find("hit 2 time(s) in 2 of 7 runs: abba (seeds 1,2)"), std::string::npos);
  // Findings first, the one that fails the run before the expected ones; the summary after them.
  EXPECT_LT(html.find(deadlock_fingerprint), html.find(cycle_fingerprint));
  EXPECT_LT(html.find("<article"), html.find("<h2>Summary</h2>"));
  // The cycle drawn: both locks as nodes, an edge per cycle edge labelled with its thread and function.
  const std::size_t cycle = html.find("id=\"f-" + std::string(cycle_fingerprint) + "\"");
  const std::string article = html.substr(cycle, html.find("</article>", cycle) - cycle);
  EXPECT_EQ(count(article, "<svg class=\"graph\""), 1u);
  EXPECT_EQ(count(article, "class=\"node lock\""), 2u);
  EXPECT_EQ(count(article, "<path class=\"edge\""), 2u);
  EXPECT_NE(article.find("</title>thread 2 (&lt;worker&gt;)<tspan class=\"detail\""), std::string::npos) << "edge label";
  EXPECT_NE(article.find("app::worker&lt;\xE2\x80\xA6&gt; \xC2\xB7 worker.cpp:42"), std::string::npos) << "function on the edge";
  // Both stacks of every edge, files relative to the source root, outside it in full.
  EXPECT_EQ(count(article, "<div class=\"stack\">"), 4u);
  EXPECT_NE(article.find("src/worker.cpp:42</span>"), std::string::npos);
  EXPECT_NE(article.find("/opt/vendor/lib.h:11</span>"), std::string::npos);
  EXPECT_NE(article.find("whole stack (4 frames)"), std::string::npos);
  // The reproduce line and its copy button.
  const std::regex copy("<code id=\"(c[0-9]+)\">gridlock reproduce gl1:abba-1</code><button type=\"button\" data-copy=\"(c[0-9]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(article, m, copy)) << article.substr(0, 2000);
  EXPECT_EQ(m[1], m[2]);
  // Every thread's wait, for the deadlock; the summary tables.
  EXPECT_NE(html.find("waits for <b>join of thread 2 (&lt;worker&gt;)</b>, holding <b>A&lt;int&gt;</b>"), std::string::npos);
  EXPECT_NE(html.find("1 of 2</td>"), std::string::npos) << "calm's flaky ratio";
  EXPECT_NE(html.find("failed: 3 of 5 verdict(s)"), std::string::npos);
}

// An edge that other threads took too says so beside the thread it shows (console: the same words).
TEST_F(ReportHtmlTest, AnEdgeOtherThreadsTookTooNamesThem) {
  json r = report();
  for (json& run : r["runs"])
    for (json& f : run["findings"])
      if (f.value("kind", "") == "lock-order-cycle") f["edges"][0]["also"] = json::array({{{"thread", 7}}});
  const std::string html = render(r);
  EXPECT_EQ(count(render(report()), "also taken by"), 0u);
  EXPECT_EQ(count(html, "; also taken by thread 7</p>"), 1u) << "one distinct cycle";
}

// A misuse finding's record of where its lock was taken reads as that: not as an edge of a cycle from
// the lock to itself, in the text or in the drawing, which shows the thread's hold instead.
TEST_F(ReportHtmlTest, AMisuseFindingSaysWhereItsLockWasAcquired) {
  const json r = {{"tool", "gridlock"}, {"version", "0.1.0"}, {"command", "exec"},
                  {"runs", {run("leaky", 1, "clean", "finding", {held_at_exit_finding()})}}};
  const std::string html = render(r);
  EXPECT_EQ(count(html, "<h4>Where its locks were acquired</h4>"), 1u);
  EXPECT_EQ(count(html, "<b>A&lt;int&gt;</b> (exclusive) was acquired by <b>thread 2 (&lt;worker&gt;)</b>"), 1u);
  EXPECT_NE(html.find("src/worker.cpp:30</span>"), std::string::npos) << "the acquisition's stack";
  EXPECT_EQ(count(html, "Edges of the cycle"), 0u);
  EXPECT_EQ(count(html, "</b> acquired <b>"), 0u) << "no edge from A<int> to itself";
  EXPECT_EQ(count(html, "<path class=\"edge\""), 0u) << "no loop from the lock to itself";
  EXPECT_EQ(count(html, "<path class=\"edge holds\""), 1u) << "A<int> held by thread 2";
}

// Where a finding's threads were started, folded away under the edges.
TEST_F(ReportHtmlTest, WhereAFindingsThreadsWereStartedIsShown) {
  json r = report();
  for (json& run : r["runs"])
    for (json& f : run["findings"])
      if (f.value("kind", "") == "lock-order-cycle")
        for (json& t : f["threads"])
          t["started_at"] = json::array({{{"function", "app::pool::start"}, {"file", "/src/pool.cpp"}, {"line", 12}}});
  const std::string html = render(r);
  EXPECT_EQ(count(render(report()), "was started at"), 0u);
  EXPECT_EQ(count(html, "<summary>where its threads were started</summary>"), 1u) << "one distinct cycle";
  EXPECT_NE(html.find("src/pool.cpp:12</span>"), std::string::npos);
}

// A finding in a GoogleTest binary says which test under its message.
TEST_F(ReportHtmlTest, AFindingSaysWhichTestItHappenedIn) {
  json r = report();
  for (json& run : r["runs"])
    for (json& f : run["findings"])
      if (f.value("kind", "") == "lock-order-cycle") f["tests"] = json::array({"Cache.Evict"});
  const std::string html = render(r);
  EXPECT_EQ(count(html, "<p>in test Cache.Evict</p>"), 1u) << "one distinct cycle";
  EXPECT_EQ(count(render(report()), "in test "), 0u);
}

// A finding that stands for others of its run (the same code over other locks) says how many, as
// the console does.
TEST_F(ReportHtmlTest, AFindingSaysHowManyMoreLikeItItsRunHad) {
  json r = report();
  json& cycle = r["runs"][0]["findings"][0];
  ASSERT_EQ(cycle.value("fingerprint", ""), cycle_fingerprint);
  cycle["repeats"] = 49;
  EXPECT_EQ(count(render(r), "<p class=\"muted\">and 49 more like it in its first run (the same code over other locks)</p>"), 1u);
  EXPECT_EQ(count(render(report()), "more like it"), 0u);
}

// A run that failed with nothing found says which of its tests failed, and links the files it kept
// its whole output in, relative to the page.
TEST_F(ReportHtmlTest, ARunThatFailedLinksItsWholeOutput) {
  json r = report();
  r["runs"].push_back({{"name", "cache_test"},
                       {"kind", "program"},
                       {"seed", 3},
                       {"strategy", "none"},
                       {"outcome", "failed"},
                       {"exit_code", 1},
                       {"duration_ms", 12},
                       {"findings", json::array()},
                       {"stdout", "[  FAILED  ] Cache.Evict (0 ms)\n"},
                       {"stdout_file", "out/runs/cache_test-seed3.stdout"}});
  const std::string html = gridlock::reports::html_writer(source_root).render(r, "out");
  EXPECT_EQ(unbalanced(html), "");
  EXPECT_NE(html.find("<p>failed test: Cache.Evict</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>whole output: <a href=\"runs/cache_test-seed3.stdout\">stdout</a></p>"), std::string::npos);
}

TEST_F(ReportHtmlTest, ThreadsWaitingAlikeAreOneEntry) {
  json r = report();
  json& deadlock = r["runs"][2]["findings"][0];
  ASSERT_EQ(deadlock.value("fingerprint", ""), deadlock_fingerprint);
  json parked = deadlock["waits"][1];
  for (std::uint32_t thread : {3u, 4u, 6u}) {
    parked["thread"] = thread;
    deadlock["waits"].push_back(parked);
  }
  const std::string html = render(r);
  EXPECT_NE(html.find("<b>4 threads (2-4,6)</b> wait for <b>lock A&lt;int&gt; held by thread 1 (main)</b>"),
            std::string::npos);
  EXPECT_EQ(count(html, "lock A&lt;int&gt; held by thread 1 (main)</b>"), 1u) << "one entry for the four";
}

// A graph node shows the particular end of a lock's name: no "(anonymous namespace)::", a static's
// initialization (its guard variable) as "static NAME"; the whole name is its tooltip.
TEST_F(ReportHtmlTest, GraphNodesShowTheEndOfLongLockNames) {
  json r = report();
  json& cycle = r["runs"][0]["findings"][0];
  ASSERT_EQ(cycle.value("fingerprint", ""), cycle_fingerprint);
  cycle["locks"][0]["name"] = "guard variable for (anonymous namespace)::the_registry()::r";
  cycle["locks"][1]["name"] = "(anonymous namespace)::plugins::registry::table_of_loaded_modules_mu";
  const std::string html = render(r);
  EXPECT_NE(html.find("<title>guard variable for (anonymous namespace)::the_registry()::r</title>"), std::string::npos);
  EXPECT_NE(html.find(">static the_registry()::r</text>"), std::string::npos);
  EXPECT_NE(html.find(">\xE2\x80\xA6table_of_loaded_modules_mu</text>"), std::string::npos);
}

// A wait inside a library built without debug information (GLib's mutexes, under the program's call):
// the graph's edge names the program's line, not the library's function.
// And under a header-only library's code (Boost's inline boost::mutex::lock), which has a line, but not
// one of the program's.
TEST_F(ReportHtmlTest, GraphEdgesShowTheProgramsLineUnderALibraryWithoutSourcesOrInItsHeaders) {
  for (const json& library : {json{{"address", "0x3000"}, {"module", "/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0"},
                                   {"offset", "0xa899c"}, {"function", "g_mutex_lock_slowpath"}},
                              json{{"address", "0x3000"}, {"module", "/src/app/build/app"}, {"offset", "0x3000"},
                                   {"function", "boost::posix::pthread_mutex_lock(pthread_mutex_t*)"},
                                   {"file", "/usr/include/boost/thread/pthread/pthread_helpers.hpp"}, {"line", 79}}}) {
    json r = report();
    json& deadlock = r["runs"][2]["findings"][0];
    ASSERT_EQ(deadlock.value("fingerprint", ""), deadlock_fingerprint);
    json& stack = deadlock["waits"][1]["stack"];
    const auto program = std::find_if(stack.begin(), stack.end(),
                                      [](const json& fr) { return fr.value("file", "").ends_with("worker.cpp"); });
    ASSERT_NE(program, stack.end());
    stack.insert(program, library);
    const std::string html = render(r);
    const std::size_t at = html.find("id=\"f-" + std::string(deadlock_fingerprint) + "\"");
    const std::string graph = html.substr(at, html.find("</svg>", at) - at);
    EXPECT_NE(graph.find("\xC2\xB7 worker.cpp:50</tspan>"), std::string::npos) << graph;
    EXPECT_EQ(graph.find("pthread_mutex_lock"), std::string::npos) << graph;
    EXPECT_EQ(graph.find("g_mutex_lock_slowpath"), std::string::npos) << graph;
  }
}

TEST_F(ReportHtmlTest, KnownFindingsAreMarkedAndComeLast) {
  json r = report();
  gridlock::reports::apply_baseline(
      r, gridlock::reports::parse_baseline(R"({"version":1,"known":[{"fingerprint":")" + std::string(deadlock_fingerprint) +
                                               R"(","reason":"see <ticket> & friends"}]})", "known.json"),
      "2030-01-01");
  const std::string html = render(r);
  EXPECT_NE(html.find("known (baseline)"), std::string::npos);
  EXPECT_NE(html.find("baseline: see &lt;ticket&gt; &amp; friends"), std::string::npos);
  EXPECT_GT(html.find(deadlock_fingerprint), html.find(cycle_fingerprint)) << "known findings after the others";
  EXPECT_NE(html.find("failed: 2 of 5 verdict(s)"), std::string::npos) << "calm passes now";
}

TEST_F(ReportHtmlTest, RendersInHeadlessChromiumWithoutConsoleErrors) {
  std::string browser;
  for (const char* name : {"chromium", "chromium-browser"})
    if (browser.empty() && have_tool(name)) browser = name;
  if (browser.empty()) GTEST_SKIP() << "Chromium is not installed (Debian package chromium; ci/install-deps.sh installs it)";
  const auto writer = gridlock::reports::make_writer("html", {source_root});
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->write(report(), (dir_ / "report.html").string()));
  // --dump-dom prints the DOM after the page's scripts ran; --enable-logging=stderr shows every console
  // message and uncaught exception as a CONSOLE line. No network: the page needs none.
  const std::string command = "timeout 120 " + browser +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking "
                              "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage "
                              "--user-data-dir=" + quoted((dir_ / "profile").string()) +
                              " --enable-logging=stderr --v=0 --dump-dom " + quoted("file://" + (dir_ / "report.html").string());
  const result shown = shell(command, dir_ / "chromium.out");
  ASSERT_EQ(shown.code, 0) << shown.output;
  EXPECT_NE(shown.output.find("data-script=\"ok\""), std::string::npos) << "the page's script ran to its end:\n" << shown.output;
  EXPECT_NE(shown.output.find("Gridlock report"), std::string::npos);
  std::istringstream lines(shown.output);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find("Uncaught"), std::string::npos) << line;
    EXPECT_EQ(line.find(":CONSOLE("), std::string::npos) << line;
  }
}

}  // namespace
