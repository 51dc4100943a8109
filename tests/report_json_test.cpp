// The report model and its JSON writer, from trial results made up here (no processes): the fields of
// each run, symbolized and fingerprinted findings, reproduce lines that parse back to the same trial,
// verdicts, and atomic writing.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "finding_json.h"
#include "symbolize.h"
#include "reports/json_writer.h"
#include "reports/report.h"
#include "runner/reproduce_token.h"

namespace {

using gridlock::runner::outcome;
using gridlock::runner::trial_kind;
using gridlock::runner::trial_result;
using nlohmann::json;
namespace fs = std::filesystem;

[[gnu::noinline]] std::uintptr_t where_the_finding_was_made() {
  return reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
}

[[gnu::noinline]] json encoded_finding() {
  gridlock::finding f;
  f.kind = gridlock::finding_kind::recursive_lock;
  f.message = "thread 1 locks m again";
  f.locks.push_back({1, "m", "gridlock::mutex", 0x1000, {}});
  f.threads.push_back({1, 1234, "main", {}});
  f.stack = {where_the_finding_was_made()};
  return gridlock::encode_finding(f);
}

trial_result result(const std::string& name, std::uint64_t seed, outcome o) {
  trial_result r;
  r.spec.name = name;
  r.spec.seed = seed;
  r.outcome = o;
  r.duration_ms = 12;
  if (o == outcome::crash) r.signal = 11;
  else r.exit_code = o == outcome::failed ? 3 : o == outcome::finding ? 86 : 0;
  if (o == outcome::finding || o == outcome::crash) r.findings.push_back(encoded_finding());
  return r;
}

TEST(ReportJsonTest, RunsInTrialOrderWithEveryField) {
  trial_result prog = result("my-program", 7, outcome::failed);
  prog.spec.kind = trial_kind::program;
  prog.spec.argv = {"/bin/my-program", "--flag"};
  prog.stderr_tail = "oops\n";
  const std::vector<trial_result> results = {result("abba", 1, outcome::finding), result("abba", 2, outcome::clean),
                                             result("calm", 1, outcome::crash), prog};
  const json report = gridlock::reports::build_report(results, {{"abba", "finding"}, {"calm", "clean"}});

  EXPECT_EQ(report["tool"], "gridlock");
  EXPECT_EQ(report["version"], GRIDLOCK_VERSION);
  ASSERT_EQ(report["runs"].size(), 4u);

  const json& found = report["runs"][0];
  EXPECT_EQ(found["name"], "abba");
  EXPECT_EQ(found["kind"], "scenario");
  EXPECT_EQ(found["seed"], 1);
  EXPECT_EQ(found["strategy"], "none");
  EXPECT_EQ(found["expected"], "finding");
  EXPECT_EQ(found["outcome"], "finding");
  EXPECT_EQ(found["exit_code"], 86);
  EXPECT_FALSE(found.contains("signal"));
  EXPECT_EQ(found["duration_ms"], 12);
  ASSERT_EQ(found["findings"].size(), 1u);
  const json& f = found["findings"][0];
  EXPECT_EQ(f["kind"], "recursive-lock");
  EXPECT_EQ(f["fingerprint"].get<std::string>().size(), 16u);
  ASSERT_EQ(f["stack"].size(), 1u);
  EXPECT_NE(f["stack"][0].value("function", "").find("encoded_finding"), std::string::npos) << "symbolized: " << f["stack"][0];

  const auto again = gridlock::runner::parse_token(found["reproduce"].get<std::string>().substr(std::string("gridlock reproduce ").size()));
  EXPECT_EQ(again.spec.name, "abba");
  EXPECT_EQ(again.spec.seed, 1u);
  EXPECT_EQ(again.fingerprints, std::vector<std::string>{f["fingerprint"].get<std::string>()});

  const json& clean = report["runs"][1];
  EXPECT_EQ(clean["outcome"], "clean");
  EXPECT_FALSE(clean.contains("reproduce")) << "only runs that are not clean carry one";
  EXPECT_TRUE(clean["findings"].empty());

  const json& crash = report["runs"][2];
  EXPECT_EQ(crash["outcome"], "crash");
  EXPECT_EQ(crash["signal"], 11);
  EXPECT_FALSE(crash.contains("exit_code"));
  EXPECT_EQ(crash["findings"].size(), 1u) << "findings are kept whatever the outcome";

  const json& failed = report["runs"][3];
  EXPECT_EQ(failed["kind"], "program");
  EXPECT_EQ(failed["argv"], json::array({"/bin/my-program", "--flag"}));
  EXPECT_FALSE(failed.contains("expected"));
  EXPECT_EQ(failed["stderr"], "oops\n");
  EXPECT_TRUE(failed["reproduce"].get<std::string>().starts_with("gridlock reproduce gl1:"));
  EXPECT_EQ(gridlock::runner::parse_token(failed["reproduce"].get<std::string>().substr(19)).spec.argv,
            prog.spec.argv);
}

TEST(ReportJsonTest, VerdictsCompareEachScenarioWithItsExpectation) {
  std::vector<trial_result> results = {result("abba", 1, outcome::clean),    result("abba", 2, outcome::finding),
                                       result("calm", 1, outcome::clean),    result("calm", 2, outcome::failed),
                                       result("quiet", 1, outcome::clean),   result("missed", 1, outcome::clean),
                                       result("stuck", 1, outcome::timeout), result("fell", 1, outcome::crash)};
  results[6].findings.push_back(encoded_finding());  // the watchdog's, with every stack
  const json report = gridlock::reports::build_report(
      results,
      {{"abba", "finding"}, {"calm", "clean"}, {"quiet", "clean"}, {"missed", "finding"}, {"stuck", "clean"},
       {"fell", "clean"}});
  const auto verdicts = gridlock::reports::verdicts(report);
  ASSERT_EQ(verdicts.size(), 6u);
  EXPECT_EQ(verdicts[0].name, "abba");
  EXPECT_EQ(verdicts[0].actual, "finding");
  EXPECT_TRUE(verdicts[0].matches());
  EXPECT_EQ(verdicts[1].actual, "finding") << "a run that did not end clean counts, findings or not";
  EXPECT_FALSE(verdicts[1].matches());
  // Said as what it was: a program that exited non-zero is no finding.
  EXPECT_EQ(verdicts[0].got(), "finding in 1 of 2 runs");
  EXPECT_EQ(verdicts[1].got(), "failed in 1 of 2 runs");
  EXPECT_EQ(verdicts[2].got(), "clean");
  EXPECT_TRUE(verdicts[2].matches());
  EXPECT_EQ(verdicts[3].actual, "clean");
  EXPECT_FALSE(verdicts[3].matches());
  // As the run counts say them, though a timeout and this crash came with findings.
  EXPECT_EQ(verdicts[4].got(), "timeout in 1 of 1 runs");
  EXPECT_EQ(verdicts[5].got(), "crash in 1 of 1 runs");
}

TEST(ReportJsonTest, FindingsOfARunWithOneFingerprintAreOneWithACountOfTheOthers) {
  // A cycle through the same code for each row's lock of a table is one bug: Kyoto Cabinet's test made
  // 4,000 such findings a run, a 200 MB report that took minutes to write.
  trial_result r = result("rows", 1, outcome::finding);
  json other = encoded_finding();  // the same code, another lock
  other["locks"][0]["id"] = 2;
  other["locks"][0]["name"] = "m2";
  r.findings.push_back(other);
  r.findings.push_back(other);
  json different = encoded_finding();
  different["kind"] = "lock-upgrade";
  r.findings.push_back(different);
  const json run = gridlock::reports::build_report({r}, {})["runs"][0];
  ASSERT_EQ(run["findings"].size(), 2u) << run.dump(2);
  EXPECT_EQ(run["findings"][0]["kind"], "recursive-lock");
  EXPECT_EQ(run["findings"][0].value("repeats", 0), 2);
  EXPECT_EQ(run["findings"][1]["kind"], "lock-upgrade");
  EXPECT_FALSE(run["findings"][1].contains("repeats"));
}

TEST(ReportJsonTest, WriterWritesTheModelAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("report_json_test." + std::to_string(::getpid()));
  fs::create_directories(dir);
  trial_result r = result("abba", 1, outcome::failed);
  r.stdout_tail = std::string("cut mid-character: \xe2\x82", 22);  // not valid UTF-8
  const json report = gridlock::reports::build_report({r}, {});
  const gridlock::reports::json_writer writer;
  const gridlock::reports::report_writer& any = writer;
  ASSERT_TRUE(any.write(report, (dir / "report.json").string()));
  std::ifstream in(dir / "report.json");
  const json back = json::parse(in);
  EXPECT_EQ(back["runs"][0]["name"], "abba");
  EXPECT_EQ(back["runs"][0]["reproduce"], report["runs"][0]["reproduce"]);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1) << "no temporary left behind";
  EXPECT_FALSE(any.write(report, (dir / "missing" / "report.json").string()));
  fs::remove_all(dir);
}

}  // namespace

namespace {

// Symbolized waits with the first user frame at `where` (function, file, line).
json blocked_at(std::uint64_t thread, const std::string& function, const std::string& file, int line) {
  return {{"thread", thread},
          {"waits_for", "a wake of futex word#" + std::to_string(thread)},
          {"holds", json::array()},
          {"stack",
           {{{"function", "std::__detail::__platform_wait<int>(int const*, int)"}, {"file", "/usr/include/c++/12/bits/atomic_wait.h"}, {"line", 108}},
            {{"function", function}, {"file", file}, {"line", line}}}}};
}

json fingerprinted(json waits) {
  json f = {{"kind", "all-threads-blocked"}, {"edges", json::array()}, {"waits", std::move(waits)}};
  gridlock::add_fingerprint(f);
  return f.at("fingerprint");
}

}  // namespace

// A timeout lists every thread; one found running (a spinning scheduler's loop) was wherever the
// watchdog happened to look, and counts by its outermost frame of the program's own code instead: one
// hang is one fingerprint, run after run. Where a blocked thread waits still tells hangs apart.
TEST(FingerprintTest, ATimeoutsRunningThreadsCountByTheirBodyNotWhereTheyWereLooked) {
  const auto timeout = [](const std::string& spinning_in, const std::string& blocked_in) {
    json running = blocked_at(2, "worker_body", "/src/app/pool.cpp", 40);
    const json where = {{"function", spinning_in}, {"file", "/src/app/scheduler.cpp"}, {"line", 7}};
    running["stack"].insert(running["stack"].begin(), where);
    running["state"] = "R (running)";
    json blocked = blocked_at(1, blocked_in, "/src/app/main.cpp", 20);
    blocked["state"] = "S (sleeping)";
    json f = {{"kind", "timeout"}, {"edges", json::array()}, {"waits", {blocked, running}}};
    gridlock::add_fingerprint(f);
    return f.at("fingerprint");
  };
  EXPECT_EQ(timeout("scheduler::dispatch", "main"), timeout("scheduler::sleep_to_ready", "main"));
  EXPECT_NE(timeout("scheduler::dispatch", "main"), timeout("scheduler::dispatch", "shutdown"));
}

// The fingerprint names the bug, not the run: ids, lines, directories and the order of the waits do
// not change it; the same functions in another source file (another test program's main and lambda)
// do.
TEST(FingerprintTest, SameBugSameFingerprintSameShapeElsewhereAnother) {
  const json a = fingerprinted({blocked_at(1, "main", "/src/a/latch_test.cpp", 12),
                                blocked_at(2, "main::{lambda}", "/src/a/latch_test.cpp", 11)});
  EXPECT_EQ(a, fingerprinted({blocked_at(7, "main::{lambda}", "/build/other/latch_test.cpp", 19),
                              blocked_at(3, "main", "/build/other/latch_test.cpp", 30)}));
  EXPECT_NE(a, fingerprinted({blocked_at(1, "main", "/src/a/barrier_test.cpp", 12),
                              blocked_at(2, "main::{lambda}", "/src/a/barrier_test.cpp", 11)}));
  EXPECT_NE(a, fingerprinted({blocked_at(1, "main", "/src/a/latch_test.cpp", 12),
                              blocked_at(2, "worker", "/src/a/latch_test.cpp", 11)}));
}

namespace {

// A symbolized stack: `function` at `line`, under `lock_functions` (innermost first: the program's
// lock function, and helpers above it).
json stack_at(const std::string& function, int line, const std::vector<std::string>& lock_functions) {
  json stack = {{{"function", "pthread_mutex_lock"}, {"file", ""}, {"line", 0}}};
  for (std::size_t i = 0; i < lock_functions.size(); ++i)
    stack.push_back({{"function", lock_functions[i]}, {"file", "/src/bank.cpp"}, {"line", 20 + static_cast<int>(i)}});
  stack.push_back({{"function", function}, {"file", "/src/bank.cpp"}, {"line", line}});
  stack.push_back({{"function", "main"}, {"file", "/src/bank.cpp"}, {"line", 90}});
  return stack;
}

// A two-lock cycle: `first` holds A (at line `at`) and takes B (at `at` + 1), `second` the other way;
// every lock taken through `lock_functions`.
json two_lock_cycle(const std::string& first, const std::string& second, int at,
                    const std::vector<std::string>& lock_functions = {"acquire(std::mutex&)"}) {
  json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
  for (const std::string& function : {first, second})
    f["edges"].push_back({{"held_stack", stack_at(function, at, lock_functions)},
                          {"acquire_stack", stack_at(function, at + 1, lock_functions)}});
  gridlock::add_fingerprint(f);
  return f.at("fingerprint");
}

}  // namespace

// Every stack of a program that locks through a function of its own starts at that function (at a
// helper above it, in LibreOffice's): it names none of the lines, so the functions above it do. Every
// cycle of such a program had one fingerprint before (the console and the reports showed one of them,
// and a baseline entry for one hid all).
TEST(FingerprintTest, ALockFunctionBothLocksOfAnEdgeWentThroughDoesNotNameIt) {
  const json deposit_audit = two_lock_cycle("deposit()", "audit()", 40);
  EXPECT_EQ(deposit_audit, two_lock_cycle("audit()", "deposit()", 52));
  EXPECT_NE(deposit_audit, two_lock_cycle("transfer()", "audit()", 40));
  const std::vector<std::string> two_levels = {"osl_acquireMutex", "lock_helper()"};
  EXPECT_NE(two_lock_cycle("deposit()", "audit()", 40, two_levels),
            two_lock_cycle("transfer()", "audit()", 40, two_levels));
  // Locked directly at two lines of one function (transfer(from, to), whose two calls in opposite
  // orders make the cycle), the function names each edge, whoever called it: a run whose edges came
  // from two callers is the same bug as one whose edges came from one.
  const auto transfers = [](const std::string& first_caller, const std::string& second_caller) {
    json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
    for (const std::string& caller : {first_caller, second_caller}) {
      json held = stack_at("transfer()", 40, {}), acquire = stack_at("transfer()", 41, {});
      held[2]["function"] = acquire[2]["function"] = caller;
      f["edges"].push_back({{"held_stack", held}, {"acquire_stack", acquire}});
    }
    gridlock::add_fingerprint(f);
    return f.at("fingerprint");
  };
  EXPECT_EQ(transfers("teller()", "teller()"), transfers("teller()", "nightly_batch()"));
}

// An edge several paths make keeps the stacks of the first (the detector does not look again at an
// edge it knows), and which path comes first is timing: RocksDB's DB mutex, held by a compaction thread
// or by a manual compaction's caller when a comparator takes its own lock, gave one cycle two
// fingerprints, and a baseline written from one run failed the next. Where the edge's second lock is
// taken names it; where the first was taken does not.
TEST(FingerprintTest, AnEdgesHeldSideDoesNotChangeIt) {
  const auto cycle = [](const std::string& holder) {
    json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
    f["edges"].push_back({{"held_stack", stack_at(holder, 10, {})}, {"acquire_stack", stack_at("compare()", 30, {})}});
    f["edges"].push_back({{"held_stack", stack_at("stats()", 40, {})}, {"acquire_stack", stack_at("stats()", 41, {})}});
    gridlock::add_fingerprint(f);
    return f.at("fingerprint");
  };
  EXPECT_EQ(cycle("background_compaction()"), cycle("manual_compaction()"));
  json other = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
  other["edges"].push_back({{"held_stack", stack_at("background_compaction()", 10, {})},
                            {"acquire_stack", stack_at("merge()", 30, {})}});
  other["edges"].push_back({{"held_stack", stack_at("stats()", 40, {})}, {"acquire_stack", stack_at("stats()", 41, {})}});
  gridlock::add_fingerprint(other);
  EXPECT_NE(cycle("background_compaction()"), other.at("fingerprint")) << "another line takes the second lock";
}

namespace {

// A two-lock cycle whose edges main took first: A -> B holding A since `open()` and taking B at
// `b_taken`, and B -> A; `sighting`, where not null, is another thread's (2) take of A -> B. Symbolized
// (its frames already are) and fingerprinted as the reports do it.
json cycle_main_took_first(const json& b_taken, const json& sighting) {
  json f = {{"kind", "lock-order-cycle"}, {"message", ""}, {"waits", json::array()}, {"locks", json::array()},
            {"stack", json::array()}, {"threads", {{{"id", 1}, {"name", "main"}}, {{"id", 2}, {"name", ""}}}},
            {"edges", json::array()}};
  json ab = {{"from", 1}, {"to", 2}, {"thread", 1}, {"held_stack", stack_at("open()", 10, {})}, {"acquire_stack", b_taken}};
  if (!sighting.is_null()) ab["also"] = json::array({sighting});
  f["edges"].push_back(std::move(ab));
  f["edges"].push_back({{"from", 2}, {"to", 1}, {"thread", 1}, {"held_stack", stack_at("put()", 70, {})},
                        {"acquire_stack", stack_at("put()", 71, {})}});
  gridlock::symbolizer s;
  gridlock::symbolize_finding(f, s);
  gridlock::add_fingerprint(f);
  return f;
}

json take_by_thread_2(const json& held_stack, const json& acquire_stack) {
  return {{"thread", 2}, {"held_stack", held_stack}, {"acquire_stack", acquire_stack}};
}

}  // namespace

// The interposer's own frames inside a stack (the thunk that starts each thread, a pthread_once hook
// calling the program's initializer) are not the program's calls: reports leave them out, as they do
// the frames at the top where the runtime took the stack.
TEST(SymbolizeFindingTest, TheRuntimesOwnFramesLeaveEveryStack) {
  const json thunk = {{"function", "gridlock::preload::(anonymous namespace)::start_thunk(void*)"},
                      {"file", "/src/gridlock/harness/preload/hooks_thread.cpp"},
                      {"line", 88},
                      {"module", "/opt/gridlock/lib/libgridlock_preload.so"}};
  json started = stack_at("worker()", 12, {});
  started.insert(started.begin() + 2, thunk);
  json f = {{"kind", "deadlock"},
            {"message", "m"},
            {"threads", {{{"id", 2}, {"started_at", started}}}},
            {"waits", {{{"thread", 2}, {"stack", json::array({thunk})}}}}};
  gridlock::symbolizer s;
  gridlock::symbolize_finding(f, s);
  for (const json& fr : f["threads"][0]["started_at"]) EXPECT_NE(fr.value("line", 0), 88) << f.dump(2);
  EXPECT_EQ(f["threads"][0]["started_at"].size(), started.size() - 1) << f.dump(2);
  EXPECT_EQ(f["waits"][0]["stack"].size(), 1u) << "a stack of nothing else keeps them";
}

// Main's start-up path took both edges of a cycle first (LevelDB's main thread logs under the DB mutex
// before the compaction thread does), and thread 2 took one of them too, at the same place: the report
// shows thread 2 there, so that the cycle names the two threads that can deadlock, and keeps main's take
// in `also`. The fingerprint is the one the witnesses alone give.
TEST(FingerprintTest, AnEdgeIsShownByAnotherThreadWhereOneThreadTookEveryEdge) {
  const json plain = cycle_main_took_first(stack_at("log()", 30, {}), nullptr);
  const json shown =
      cycle_main_took_first(stack_at("log()", 30, {}), take_by_thread_2(stack_at("compact()", 50, {}), stack_at("log()", 30, {})));
  EXPECT_EQ(shown.at("fingerprint"), plain.at("fingerprint"));
  const json& ab = shown["edges"][0];
  EXPECT_EQ(ab["thread"], 2);
  EXPECT_EQ(gridlock::first_user_frame(ab["held_stack"])["function"], "compact()");
  ASSERT_EQ(ab["also"].size(), 1u);
  EXPECT_EQ(ab["also"][0]["thread"], 1);
  EXPECT_EQ(gridlock::first_user_frame(ab["also"][0]["held_stack"])["function"], "open()");
  EXPECT_EQ(shown["edges"][1]["thread"], 1);
  EXPECT_FALSE(shown["edges"][1].contains("also"));
  EXPECT_EQ(plain["edges"][0]["thread"], 1);
  EXPECT_FALSE(plain["edges"][0].contains("also"));
}

namespace {

json take(int thread, const std::string& function, int line) {
  return json{{"thread", thread}, {"held_stack", stack_at(function, line, {})}, {"acquire_stack", stack_at(function, line + 1, {})}};
}

// A cycle of A -> B, taken first by `witness` and also by `sighting` (if not null), and B -> A by
// `closer`; symbolized and fingerprinted as the reports do it.
json cycle_of_takes(json witness, const json& sighting, const json& closer) {
  json f = {{"kind", "lock-order-cycle"}, {"message", ""}, {"waits", json::array()}, {"locks", json::array()},
            {"stack", json::array()}, {"threads", {{{"id", 1}, {"name", "a"}}, {{"id", 2}, {"name", "b"}}, {{"id", 3}, {"name", "c"}}}},
            {"edges", json::array()}};
  witness["from"] = 1;
  witness["to"] = 2;
  if (!sighting.is_null()) witness["also"] = json::array({sighting});
  f["edges"].push_back(std::move(witness));
  json back = closer;
  back["from"] = 2;
  back["to"] = 1;
  f["edges"].push_back(std::move(back));
  gridlock::symbolizer s;
  gridlock::symbolize_finding(f, s);
  gridlock::add_fingerprint(f);
  return f;
}

}  // namespace

// Two request handlers take a session's lock, then its account's, on two threads, and whichever runs
// first is the edge's witness: the edge counts by the place that sorts first, so the fingerprint and
// the take shown are the same either way. With one take only, the fingerprint followed it.
TEST(FingerprintTest, AnEdgeTakenAtTwoPlacesCountsByTheFirstWhicheverThreadCameFirst) {
  const json closer = take(3, "close()", 70);
  const json a_first = cycle_of_takes(take(1, "handle_a()", 10), take(2, "handle_b()", 20), closer);
  const json b_first = cycle_of_takes(take(2, "handle_b()", 20), take(1, "handle_a()", 10), closer);
  EXPECT_EQ(a_first.at("fingerprint"), b_first.at("fingerprint"));
  for (const json& f : {a_first, b_first}) {
    EXPECT_EQ(f["edges"][0]["thread"], 1);
    EXPECT_EQ(f["edges"][0]["also"][0]["thread"], 2);
    EXPECT_EQ(gridlock::first_user_frame(f["edges"][0]["acquire_stack"])["function"], "handle_a()");
  }
  EXPECT_NE(cycle_of_takes(take(2, "handle_b()", 20), nullptr, closer).at("fingerprint"), a_first.at("fingerprint"));
}

// Thread 3 takes A -> B at the place that sorts first and B -> A too; thread 1 takes A -> B elsewhere.
// The report shows thread 1's take, the pair that can deadlock, not thread 3 twice; the fingerprint still
// counts the edge by its first place, so it is that of thread 3 alone taking both.
TEST(FingerprintTest, AnotherThreadsTakeIsShownEvenWhereItsPlaceSortsLater) {
  const json closer = take(3, "rotate()", 70);
  const json f = cycle_of_takes(take(1, "handle_b()", 20), take(3, "handle_a()", 10), closer);
  EXPECT_EQ(f["edges"][0]["thread"], 1);
  EXPECT_EQ(gridlock::first_user_frame(f["edges"][0]["acquire_stack"])["function"], "handle_b()");
  EXPECT_EQ(f["edges"][0]["also"][0]["thread"], 3);
  EXPECT_EQ(f.at("fingerprint"), cycle_of_takes(take(3, "handle_a()", 10), nullptr, closer).at("fingerprint"));
}

// Two cycles through the same functions (one takes A then B, later A then C; the other the reverse)
// are two bugs when their locks are different variables; another element of one array of locks is
// the same bug again.
TEST(FingerprintTest, LockVariablesTellCyclesThroughTheSameFunctionsApart) {
  const auto cycle = [](const std::string& first, const std::string& second) {
    json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()},
              {"locks", json::array()}};
    for (const std::string& symbol : {first, second})
      f["locks"].push_back({{"name", ""}, {"type", "pthread_mutex_t"}, {"symbol", symbol}});
    f["edges"].push_back({{"held_stack", stack_at("nest()", 37, {"acquire(std::mutex&)"})},
                          {"acquire_stack", stack_at("nest()", 38, {"acquire(std::mutex&)"})}});
    f["edges"].push_back({{"held_stack", stack_at("other()", 47, {"acquire(std::mutex&)"})},
                          {"acquire_stack", stack_at("other()", 48, {"acquire(std::mutex&)"})}});
    gridlock::add_fingerprint(f);
    return f.at("fingerprint");
  };
  EXPECT_NE(cycle("A", "B"), cycle("A", "C"));
  EXPECT_EQ(cycle("A", "B"), cycle("B", "A"));
  EXPECT_EQ(cycle("shards+64", "index"), cycle("shards+448", "index"));
}

// A stripped library's lock wrappers have a name and no source file; every program that uses the
// library goes through them. Kyoto Cabinet's kctreetest and kchashtest cycles shared a fingerprint:
// their first user frames were RWLock::lock_writer() and lock_reader() in both.
TEST(FingerprintTest, AFunctionWithoutSourceIsToldApartByItsCaller) {
  auto cycle = [](const std::string& writer_caller, const std::string& reader_caller) {
    auto through = [](const std::string& wrapper, const std::string& caller) {
      return json::array({{{"function", wrapper}, {"file", ""}, {"line", 0}},
                          {{"function", caller}, {"file", "/src/db.cc"}, {"line", 12}},
                          {{"function", "main"}, {"file", "/src/db.cc"}, {"line", 90}}});
    };
    json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
    for (int i = 0; i < 2; ++i)
      f["edges"].push_back({{"held_stack", through("kyotocabinet::RWLock::lock_writer()", writer_caller)},
                            {"acquire_stack", through("kyotocabinet::RWLock::lock_reader()", reader_caller)}});
    gridlock::add_fingerprint(f);
    return f.at("fingerprint");
  };
  EXPECT_NE(cycle("PlantDB::iterate", "PlantDB::accept"), cycle("HashDB::Cursor::accept", "HashDB::accept"));
  EXPECT_EQ(cycle("HashDB::Cursor::accept", "HashDB::accept"), cycle("HashDB::Cursor::accept", "HashDB::accept"));
}

namespace {

/// The fingerprint of a two-lock cycle made in `first` and `second` (held at line 5, the other taken at
/// 6) through `wrapper`'s frames (innermost first), inlined into each: at another address in every
/// function, as a compiler puts them, in `module`; the functions are in `file`.
json cycle_through(const json& wrapper, const std::string& module, const std::string& file, const std::string& first,
                   const std::string& second) {
  const auto stack = [&](const std::string& function, int line) {
    json frames = wrapper;
    frames.push_back({{"function", function}, {"file", file}, {"line", line}});
    for (json& frame : frames) frame.update({{"module", module}, {"offset", function + std::to_string(line)}});
    return frames;
  };
  json f = {{"kind", "lock-order-cycle"}, {"waits", json::array()}, {"edges", json::array()}};
  for (const std::string& function : {first, second})
    f["edges"].push_back({{"held_stack", stack(function, 5)}, {"acquire_stack", stack(function, 6)}});
  gridlock::add_fingerprint(f);
  return f.at("fingerprint");
}

}  // namespace

// Boost's mutex::lock and lock_guard are inlined from installed headers into every function that locks:
// the first frame past the standard library's is the same header line in every Boost program. Two
// cycles over other heap mutexes in other functions shared a fingerprint, and the report counted the
// second as a repeat of the first ("the same code over other locks").
TEST(FingerprintTest, InstalledHeaderCodeIsToldApartByTheProgramsOwnCaller) {
  const json boost = json::array(
      {{{"function", "boost::mutex::lock()"}, {"file", "/usr/include/boost/thread/pthread/mutex.hpp"}, {"line", 61}},
       {{"function", "boost::lock_guard<boost::mutex>::lock_guard(boost::mutex&)"},
        {"file", "/usr/include/boost/thread/lock_guard.hpp"}, {"line", 38}}});
  const auto cycle = [&](const std::string& first, const std::string& second) {
    return cycle_through(boost, "/usr/src/app/accounts", "/usr/src/app/accounts.cpp", first, second);
  };
  EXPECT_NE(cycle("transfer()", "refund()"), cycle("audit()", "close()"));
  EXPECT_EQ(cycle("transfer()", "refund()"), cycle("refund()", "transfer()"));
}

// The program's own lock class, inlined into every function that locks (ZeroMQ's mutex_t::lock under
// its scoped_lock_t; LevelDB's port::Mutex::Lock), is the first frame of every acquisition, each at
// another address: every two-lock cycle of ZeroMQ had one fingerprint, and a baseline entry for the
// sockets' cycle hid the context's.
TEST(FingerprintTest, TheProgramsLockClassIsToldApartByItsCaller) {
  const json zmq_lock_class = json::array(
      {{{"function", "zmq::mutex_t::lock()"}, {"file", "/src/zmq/mutex.hpp"}, {"line", 135}},
       {{"function", "zmq::scoped_lock_t::scoped_lock_t(zmq::mutex_t&)"}, {"file", "/src/zmq/mutex.hpp"}, {"line", 172}}});
  const auto cycle = [&](const std::string& first, const std::string& second) {
    return cycle_through(zmq_lock_class, "/src/zmq/libzmq.so", "/src/zmq/ctx.cpp", first, second);
  };
  EXPECT_NE(cycle("zmq::ctx_t::find_endpoint()", "zmq::mailbox_safe_t::send()"),
            cycle("zmq::socket_base_t::in_event()", "zmq::mailbox_safe_t::send()"));
  EXPECT_EQ(cycle("zmq::ctx_t::find_endpoint()", "zmq::mailbox_safe_t::send()"),
            cycle("zmq::mailbox_safe_t::send()", "zmq::ctx_t::find_endpoint()"));
}
