// The runner: each trial in its own process, whatever it does (segfaults, aborts after a finding, spins
// forever, exits non-zero), recorded without disturbing the others; the watchdog's timeout finding; and
// the reproduce token.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "reports/report.h"
#include "runner/process_view.h"
#include "runner/finding_stream.h"
#include "runner/reproduce_token.h"
#include "runner/runner.h"
#include "runner/watchdog.h"

namespace {

using gridlock::runner::outcome;
using gridlock::runner::trial_kind;
using gridlock::runner::trial_result;
using gridlock::runner::trial_spec;
using nlohmann::json;
using namespace std::chrono_literals;

trial_spec program(const std::string& name, std::chrono::milliseconds timeout = 20s) {
  trial_spec spec;
  spec.kind = trial_kind::program;
  spec.name = name;
  spec.argv = {name.find('/') == std::string::npos && name.starts_with("trial_") ? std::string(TRIAL_PROGRAMS) + "/" + name : name};
  spec.timeout = timeout;
  return spec;
}

std::vector<std::string> kinds(const trial_result& r) {
  std::vector<std::string> out;
  for (const json& f : r.findings) out.push_back(f.value("kind", ""));
  return out;
}

/// The wait entry of the thread with this name in a timeout finding, or null.
json wait_of(const json& f, const std::string& name) {
  for (const json& t : f["threads"])
    if (t.value("name", "") == name)
      for (const json& w : f["waits"])
        if (w["thread"] == t["id"]) return w;
  return nullptr;
}

TEST(RunnerTest, EveryTrialIsRecordedAndNoneDisturbsAnother) {
  const std::vector<trial_spec> specs = {program("trial_segv"),          program("trial_abort_after_finding"),
                                         program("trial_spin", 1s),      program("trial_exit3"),
                                         program("trial_self_deadlock"), program("true"),
                                         program("/nonexistent/program")};
  std::vector<std::size_t> done;
  const std::vector<trial_result> results =
      gridlock::runner::run_all(specs, 2, [&](const trial_result&, std::size_t n, std::size_t total) {
        EXPECT_EQ(total, specs.size());
        done.push_back(n);
      });
  ASSERT_EQ(results.size(), specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) EXPECT_EQ(results[i].spec.argv, specs[i].argv) << "in spec order";
  EXPECT_EQ(done, (std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7}));

  const trial_result& segv = results[0];
  EXPECT_EQ(segv.outcome, outcome::crash);
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_FALSE(segv.exit_code);
  EXPECT_TRUE(segv.findings.empty());

  const trial_result& aborted = results[1];
  EXPECT_EQ(aborted.outcome, outcome::crash) << "a crash after a finding is a crash";
  EXPECT_EQ(aborted.signal, SIGABRT);
  EXPECT_EQ(kinds(aborted), std::vector<std::string>{"lock-order-cycle"}) << "the finding streamed before the abort is kept";

  const trial_result& spin = results[2];
  EXPECT_EQ(spin.outcome, outcome::timeout);
  EXPECT_EQ(spin.signal, SIGKILL);
  EXPECT_EQ(kinds(spin), std::vector<std::string>{"timeout"});

  const trial_result& exit3 = results[3];
  EXPECT_EQ(exit3.outcome, outcome::failed);
  EXPECT_EQ(exit3.exit_code, 3);
  EXPECT_TRUE(exit3.findings.empty());
  EXPECT_NE(exit3.stdout_tail.find("hello on stdout"), std::string::npos);
  EXPECT_NE(exit3.stderr_tail.find("something went wrong"), std::string::npos);

  const trial_result& deadlock = results[4];
  EXPECT_EQ(deadlock.outcome, outcome::finding) << "stopped for a deadlock after streaming it";
  EXPECT_EQ(deadlock.exit_code, 86);
  EXPECT_EQ(kinds(deadlock), std::vector<std::string>{"recursive-lock"});

  EXPECT_EQ(results[5].outcome, outcome::clean);
  EXPECT_EQ(results[5].exit_code, 0);

  EXPECT_EQ(results[6].outcome, outcome::failed);
  EXPECT_EQ(results[6].exit_code, 127);
  EXPECT_NE(results[6].stderr_tail.find("/nonexistent/program"), std::string::npos);
}

TEST(RunnerTest, ResultsComeInSpecOrderWhateverFinishesFirst) {
  std::vector<trial_spec> specs;
  for (int i = 0; i < 6; ++i) specs.push_back(program(i % 2 ? "trial_exit3" : "true"));
  for (int jobs : {1, 3}) {
    const std::vector<trial_result> results = gridlock::runner::run_all(specs, jobs);
    ASSERT_EQ(results.size(), specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i)
      EXPECT_EQ(results[i].outcome, i % 2 ? outcome::failed : outcome::clean) << "jobs " << jobs << ", trial " << i;
  }
}

TEST(RunnerTest, ChildGetsSeedAndStrategy) {
  trial_spec spec = program("sh");
  spec.argv = {"sh", "-c", "test \"$GRIDLOCK_SEED/$GRIDLOCK_STRATEGY/$GRIDLOCK_STREAM_FD\" = 42/none/3"};
  spec.seed = 42;
  EXPECT_EQ(gridlock::runner::run_trial(spec).outcome, outcome::clean);
}

TEST(WatchdogTest, TimeoutRecordsEveryThreadWithWhatItHoldsAndWaitsFor) {
  const trial_result r = gridlock::runner::run_trial(program("trial_spin", 1s));
  ASSERT_EQ(r.outcome, outcome::timeout);
  ASSERT_EQ(r.findings.size(), 1u);
  json f = r.findings[0];
  EXPECT_EQ(f["kind"], "timeout");
  EXPECT_NE(f.value("message", "").find("timed out after 1 s"), std::string::npos) << f["message"];
  ASSERT_EQ(f["threads"].size(), 3u) << f.dump(2);
  ASSERT_EQ(f["waits"].size(), 3u);

  // What Gridlock knows, from the child's answer.
  const json spinner = wait_of(f, "spinner"), waiter = wait_of(f, "waiter"), main = wait_of(f, "main");
  ASSERT_TRUE(spinner.is_object() && waiter.is_object() && main.is_object()) << f.dump(2);
  ASSERT_EQ(f["locks"].size(), 1u);
  EXPECT_EQ(f["locks"][0]["name"], "held-by-spinner");
  EXPECT_EQ(spinner["holds"], json::array({f["locks"][0]["id"]}));
  EXPECT_TRUE(spinner["state"].get<std::string>().starts_with("R")) << spinner["state"];
  EXPECT_EQ(waiter["lock"], f["locks"][0]["id"]);
  EXPECT_NE(waiter.value("waits_for", "").find("held-by-spinner held by thread"), std::string::npos) << waiter["waits_for"];
  EXPECT_NE(main.value("waits_for", "").find("join of thread"), std::string::npos) << main["waits_for"];
  EXPECT_EQ(f["threads"][0]["name"], "main") << "the main thread first";

  // Stacks, from ptrace, symbolize like any finding's.
  if (spinner["stack"].empty()) GTEST_SKIP() << "ptrace refused here: no stack of a running thread to check";
  const json report = gridlock::reports::build_report({r}, {});
  const json& symbolized = report["runs"][0]["findings"][0];
  const json spinner_stack = wait_of(symbolized, "spinner")["stack"];
  EXPECT_TRUE(std::any_of(spinner_stack.begin(), spinner_stack.end(), [](const json& fr) {
    return fr.value("function", "").find("spin_forever") != std::string::npos;
  })) << spinner_stack.dump(2);
  EXPECT_EQ(symbolized.value("fingerprint", "").size(), 16u);
}

// A program that makes thousands of one finding (Kyoto Cabinet: a cycle through the same code for each
// record's lock) kept them all in the runner until the report: up to 450 MB.
TEST(FindingStreamTest, KeepsOneFindingOfEachShapeWithACountOfTheOthers) {
  auto cycle = [](int first_lock, const std::string& offset) {
    const json stack = json::array({{{"address", "0x1"}, {"module", "/bin/db"}, {"offset", offset}}});
    const json f = {{"kind", "lock-order-cycle"},
                    {"message", "lock #" + std::to_string(first_lock)},
                    {"locks", json::array({{{"id", first_lock}}, {{"id", first_lock + 1}}})},
                    {"edges", json::array({{{"held_stack", stack}, {"acquire_stack", stack}}})}};
    return f.dump() + "\n";
  };
  const std::string lines = cycle(1, "0x10") + cycle(3, "0x10") + cycle(5, "0x10") + cycle(7, "0x20");
  gridlock::runner::finding_stream stream;
  stream.feed(lines.data(), lines.size());
  ASSERT_EQ(stream.findings.size(), 2u);
  EXPECT_EQ(stream.findings[0].value("message", ""), "lock #1");
  EXPECT_EQ(stream.findings[0].value("repeats", 0), 2);
  EXPECT_FALSE(stream.findings[1].contains("repeats"));
}

// The same cycle made by two tests of a GoogleTest binary through a helper of theirs differs only in
// where its threads were started: both are kept, so that the report can name both tests.
TEST(FindingStreamTest, FindingsWhoseThreadsStartedElsewhereAreKeptApart) {
  auto cycle = [](const std::string& started_offset) {
    const json stack = json::array({{{"address", "0x1"}, {"module", "/bin/db"}, {"offset", "0x10"}}});
    const json started = json::array({{{"address", "0x2"}, {"module", "/bin/db"}, {"offset", started_offset}}});
    const json f = {{"kind", "lock-order-cycle"},
                    {"message", "started at " + started_offset},
                    {"locks", json::array({{{"id", 1}}, {{"id", 2}}})},
                    {"threads", json::array({{{"id", 2}, {"started_at", started}}})},
                    {"edges", json::array({{{"held_stack", stack}, {"acquire_stack", stack}}})}};
    return f.dump() + "\n";
  };
  const std::string lines = cycle("0x30") + cycle("0x40") + cycle("0x30");
  gridlock::runner::finding_stream stream;
  stream.feed(lines.data(), lines.size());
  ASSERT_EQ(stream.findings.size(), 2u);
  EXPECT_EQ(stream.findings[0].value("repeats", 0), 1);
  EXPECT_EQ(stream.findings[1].value("message", ""), "started at 0x40");
}

// A crash's line (crash_report.h) is kept apart from the findings, with its process; one whose stack the
// reports could not read (another writer's line on the descriptor) is dropped, not thrown on later.
TEST(FindingStreamTest, KeepsWellFormedCrashLinesApartFromFindings) {
  const json frame = {{"address", "0x5555"}, {"module", "/bin/db"}, {"offset", "0x55"}};
  const std::string lines =
      json{{"crash", {{"signal", 11}, {"tid", 43}, {"stack", json::array({frame})}}}, {"pid", 42}}.dump() + "\n" +
      json{{"crash", {{"signal", 6}, {"tid", 44}, {"stack", json::array({{{"module", 5}}})}}}, {"pid", 42}}.dump() + "\n" +
      json{{"crash", {{"signal", 6}, {"tid", 45}}}, {"pid", 42}}.dump() + "\n";
  gridlock::runner::finding_stream stream;
  stream.feed(lines.data(), lines.size());
  EXPECT_TRUE(stream.findings.empty());
  ASSERT_EQ(stream.crashes.size(), 1u);
  EXPECT_EQ(stream.crashes[0], (json{{"signal", 11}, {"tid", 43}, {"stack", json::array({frame})}, {"pid", 42}}));
}

TEST(ReproduceTokenTest, RoundTrips) {
  gridlock::runner::reproduce_request scenario{{}, {"0123456789abcdef"}};
  scenario.spec.name = "abba";
  scenario.spec.seed = 18446744073709551615ull;
  scenario.spec.timeout = 2500ms;
  gridlock::runner::reproduce_request prog{program("trial_exit3"), {}};
  prog.spec.argv.push_back("an argument with spaces and 'quotes'");
  for (const auto& request : {scenario, prog}) {
    const std::string token = gridlock::runner::make_token(request);
    EXPECT_TRUE(token.starts_with("gl1:"));
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 4), std::string::npos)
        << "one shell word";
    EXPECT_EQ(gridlock::runner::reproduce_command(request), "gridlock reproduce " + token);
    const auto back = gridlock::runner::parse_token(token);
    EXPECT_EQ(back.spec.kind, request.spec.kind);
    EXPECT_EQ(back.spec.name, request.spec.name);
    EXPECT_EQ(back.spec.argv, request.spec.argv);
    EXPECT_EQ(back.spec.seed, request.spec.seed);
    EXPECT_EQ(back.spec.strategy, request.spec.strategy);
    EXPECT_EQ(back.spec.timeout, request.spec.timeout);
    EXPECT_EQ(back.fingerprints, request.fingerprints);
  }
}

std::string base64url(const std::string& text) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : text) {
    bits = (bits << 8) | c;
    for (count += 8; count >= 6;) out += alphabet[(bits >> (count -= 6)) & 63];
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 63];
  return out;
}

TEST(ReproduceTokenTest, RejectsMalformedTokens) {
  const json good = {{"kind", "scenario"}, {"name", "abba"}, {"seed", 1}, {"strategy", "none"}, {"timeout", 10}, {"fingerprints", json::array()}};
  ASSERT_NO_THROW(gridlock::runner::parse_token("gl1:" + base64url(good.dump())));
  auto with = [&](const char* key, json value) {
    json j = good;
    if (value.is_discarded()) j.erase(key);
    else j[key] = std::move(value);
    return "gl1:" + base64url(j.dump());
  };
  const json missing(json::value_t::discarded);
  const std::vector<std::string> bad = {
      "", "gl1:", "gl2:" + base64url(good.dump()), base64url(good.dump()), "gl1:" + base64url(good.dump()) + "=",
      "gl1:" + base64url(good.dump()) + "A", "gl1:!!!!", "gl1:" + base64url("not json"), "gl1:" + base64url("[1,2]"),
      with("kind", missing), with("kind", "daemon"), with("name", missing), with("name", ""), with("name", 7),
      with("seed", missing), with("seed", -1), with("seed", "1"), with("seed", 1.5), with("strategy", missing),
      with("timeout", missing), with("timeout", 0), with("timeout", -2), with("timeout", "10"), with("fingerprints", missing),
      with("fingerprints", "abc"), with("fingerprints", json::array({1})), with("argv", json::array({"x"})),
      with("surprise", true), with("kind", "program") /* without argv */};
  for (const std::string& token : bad) {
    try {
      gridlock::runner::parse_token(token);
      ADD_FAILURE() << "accepted " << token;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

}  // namespace

namespace {

TEST(RunnerTest, ChildGetsPctDepth) {
  trial_spec spec = program("sh");
  spec.argv = {"sh", "-c", "test \"$GRIDLOCK_STRATEGY/$GRIDLOCK_PCT_DEPTH\" = pct/7"};
  spec.strategy = "pct";
  spec.pct_depth = 7;
  EXPECT_EQ(gridlock::runner::run_trial(spec).outcome, outcome::clean);
}

TEST(ReproduceTokenTest, CarriesStrategyAndDepth) {
  gridlock::runner::reproduce_request request{{}, {"0123456789abcdef"}};
  request.spec.name = "abba";
  for (const char* strategy : {"none", "random", "pct"}) {
    request.spec.strategy = strategy;
    request.spec.pct_depth = 9;
    const auto back = gridlock::runner::parse_token(gridlock::runner::make_token(request));
    EXPECT_EQ(back.spec.strategy, strategy);
    // The depth travels with pct only; other strategies come back with the default.
    EXPECT_EQ(back.spec.pct_depth, request.spec.strategy == "pct" ? 9u : gridlock::default_pct_depth) << strategy;
  }
}

TEST(ReproduceTokenTest, OlderTokensWithoutNewFieldsParseWithDefaults) {
  const json old = {{"kind", "scenario"}, {"name", "abba"}, {"seed", 4}, {"strategy", "pct"}, {"timeout", 10}, {"fingerprints", json::array()}};
  const auto r = gridlock::runner::parse_token("gl1:" + base64url(old.dump()));
  EXPECT_EQ(r.spec.strategy, "pct");
  EXPECT_EQ(r.spec.pct_depth, gridlock::default_pct_depth);
}

TEST(ReproduceTokenTest, RejectsUnknownStrategiesAndDepthsOutOfRange) {
  json good = {{"kind", "scenario"}, {"name", "abba"}, {"seed", 1}, {"strategy", "pct"}, {"pct_depth", 64}, {"timeout", 10}, {"fingerprints", json::array()}};
  ASSERT_NO_THROW(gridlock::runner::parse_token("gl1:" + base64url(good.dump())));
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"strategy", "chaos"}, {"strategy", ""}, {"pct_depth", 0}, {"pct_depth", 65}, {"pct_depth", -1}, {"pct_depth", "3"}, {"pct_depth", 2.5}}) {
    json j = good;
    j[key] = value;
    EXPECT_THROW(gridlock::runner::parse_token("gl1:" + base64url(j.dump())), std::invalid_argument) << key << "=" << value;
  }
}

}  // namespace

namespace {

TEST(RunnerTest, AControlledTrialKeepsTheScheduleItsChildWroteHoweverItEnded) {
  // The child writes its schedule to GRIDLOCK_SCHEDULE_OUT step by step; a child killed meanwhile keeps
  // what it wrote. A spec's schedule reaches the child as GRIDLOCK_SCHEDULE.
  trial_spec spec = program("sh");
  spec.strategy = "controlled";
  spec.seed = 7;
  spec.schedule = "schedule-v1:seed=7:.0.1";
  spec.argv = {"sh", "-c",
               "test \"$GRIDLOCK_SCHEDULE\" = schedule-v1:seed=7:.0.1 || exit 3; "
               "printf 'schedule-v1:seed=7:' > \"$GRIDLOCK_SCHEDULE_OUT\"; printf '.0!1' >> \"$GRIDLOCK_SCHEDULE_OUT\"; kill -9 $$"};
  const trial_result r = gridlock::runner::run_trial(spec);
  EXPECT_EQ(r.outcome, outcome::crash) << r.stderr_tail;
  EXPECT_EQ(r.schedule, "schedule-v1:seed=7:.0!1");

  spec.strategy = "random";  // no schedule file for other strategies
  spec.schedule.clear();
  spec.argv = {"sh", "-c", "test -z \"$GRIDLOCK_SCHEDULE_OUT$GRIDLOCK_SCHEDULE\""};
  const trial_result other = gridlock::runner::run_trial(spec);
  EXPECT_EQ(other.outcome, outcome::clean);
  EXPECT_EQ(other.schedule, "");
}

TEST(ReproduceTokenTest, CarriesAControlledTrialsSchedule) {
  gridlock::runner::reproduce_request request{{}, {"0123456789abcdef"}};
  request.spec.name = "abba";
  request.spec.strategy = "controlled";
  request.spec.seed = 5;
  request.spec.schedule = "schedule-v1:seed=5:.0.1!1+2.0";
  const auto back = gridlock::runner::parse_token(gridlock::runner::make_token(request));
  EXPECT_EQ(back.spec.strategy, "controlled");
  EXPECT_EQ(back.spec.schedule, request.spec.schedule);

  const json good = {{"kind", "scenario"}, {"name", "abba"}, {"seed", 5}, {"strategy", "controlled"},
                     {"schedule", request.spec.schedule}, {"timeout", 10}, {"fingerprints", json::array()}};
  ASSERT_NO_THROW(gridlock::runner::parse_token("gl1:" + base64url(good.dump())));
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"schedule", "schedule-v1:seed=6:.0"},  // another seed than the token's
           {"schedule", "schedule-v2:seed=5:.0"},
           {"schedule", "schedule-v1:seed=5:.x"},
           {"schedule", 3},
           {"strategy", "random"}}) {  // a schedule replays controlled only
    json j = good;
    j[key] = value;
    EXPECT_THROW(gridlock::runner::parse_token("gl1:" + base64url(j.dump())), std::invalid_argument) << key << "=" << value;
  }
}

// Two processes' views share one timeout finding: the second's ids move past the first's, in its
// fields and in the words of its waits that name them, and nothing else in those words changes.
TEST(ProcessViewTest, RenumberingMovesEveryIdAndTheTextThatNamesIt) {
  json view = {
      {"threads", {{{"id", 1}, {"tid", 100}, {"name", "main"}}, {{"id", 2}, {"tid", 101}, {"name", "pool thread 2"}}}},
      {"locks",
       {{{"id", 1}, {"name", ""}, {"type", "pthread_mutex_t"}},
        {{"id", 2}, {"name", ""}, {"type", "pthread_mutex_t (recursive)"}},
        {{"id", 12}, {"name", "jobs"}, {"type", "channel"}}}},
      {"waits",
       {{{"thread", 1}, {"lock", 1}, {"holds", {2}}, {"waits_for", "lock pthread_mutex_t#1 held by thread 2 (pool thread 2)"}},
        {{"thread", 2}, {"lock", 12}, {"holds", {1, 12}}, {"waits_for", "join of thread 1, not of my_thread 1 or mutex_t#1"}},
        {{"thread", 2}, {"holds", json::array()}, {"waits_for", "lock pthread_mutex_t (recursive)#2 held by thread 11"}}}}};
  gridlock::runner::renumber_view(view, 10, 3);
  EXPECT_EQ(view["threads"][0]["id"], 11);
  EXPECT_EQ(view["threads"][1]["id"], 12);
  EXPECT_EQ(view["threads"][1]["name"], "pool thread 2");  // a name is the program's, never renumbered
  EXPECT_EQ(view["locks"][0]["id"], 4);
  EXPECT_EQ(view["locks"][2]["id"], 15);
  EXPECT_EQ(view["waits"][0]["thread"], 11);
  EXPECT_EQ(view["waits"][0]["lock"], 4);
  EXPECT_EQ(view["waits"][1]["holds"], json::array({4, 15}));
  EXPECT_EQ(view["waits"][0]["waits_for"], "lock pthread_mutex_t#4 held by thread 12 (pool thread 2)");
  EXPECT_EQ(view["waits"][1]["waits_for"], "join of thread 11, not of my_thread 1 or mutex_t#1");
  EXPECT_EQ(view["waits"][2]["waits_for"], "lock pthread_mutex_t (recursive)#5 held by thread 21");
}

TEST(WatchdogTest, AcrossProcessesAWaitNamesTheChildItWaitsForAndAHolderByThreadId) {
  // A parent (pid 100) waits for its children: 200 hangs on a process-shared lock the parent's main
  // thread holds, 300 has ended (a zombie not yet reaped), 400 belongs to 200.
  const std::vector<gridlock::runner::thread_snapshot> threads = {
      {100, 1, 100, "app", "S (sleeping)", "do_wait", json::array()},
      {200, 100, 200, "app", "S (sleeping)", "futex_wait_queue", json::array()},
      {300, 100, 300, "app", "Z (zombie)", "", json::array()},
      {400, 200, 400, "app", "S (sleeping)", "do_wait", json::array()},
      {400, 200, 401, "helper", "S (sleeping)", "do_wait", json::array()}};
  const json parent_view = {{"threads", {{{"id", 1}, {"tid", 100}, {"name", "main"}}}},
                            {"locks", {{{"id", 1}, {"name", ""}, {"type", "pthread_mutex_t"}}}},
                            {"waits", {{{"thread", 1}, {"holds", {1}}, {"waits_for", ""}}}}};
  const json child_view = {
      {"threads", {{{"id", 1}, {"tid", 200}, {"name", "main"}}}},
      {"locks", {{{"id", 1}, {"name", ""}, {"type", "pthread_mutex_t"}}}},
      {"waits", {{{"thread", 1}, {"lock", 1}, {"holds", json::array()}, {"waits_for", "lock pthread_mutex_t#1 held by tid 100"}}}}};
  const json f = gridlock::runner::timeout_finding(threads, {{100, parent_view}, {200, child_view}}, 1s);
  ASSERT_EQ(f.at("waits").size(), 5u) << f.dump(2);
  EXPECT_EQ(f["waits"][0]["waits_for"], "its child process pid 200 (do_wait)");  // not the zombie, not a grandchild
  EXPECT_EQ(f["waits"][1]["waits_for"], "lock pthread_mutex_t#2 held by thread 1 (main)");
  EXPECT_EQ(f["waits"][3]["waits_for"], "the kernel (do_wait)");  // 400 has no children in the run
}

}  // namespace
