// The gridlock executable, run as a user runs it: each built-in scenario's verdict over several seeds
// (the scenarios come from `gridlock list`, so new ones are covered as they appear), reproducing a
// failing trial, the report's destinations, and a table of bad invocations that must each exit 2 with
// one line on stderr.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

std::string quoted(const std::string& word) {
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("cli_test." + std::to_string(::getpid()) + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs gridlock with these arguments in the test's own directory.
  outcome gridlock(const std::vector<std::string>& args) const {
    std::string command = "cd " + quoted(dir_.string()) + " && " + quoted(GRIDLOCK_BIN);
    for (const std::string& a : args) command += " " + quoted(a);
    command += " >" + quoted((dir_ / "stdout").string()) + " 2>" + quoted((dir_ / "stderr").string());
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }

  /// Each invocation exits 2 with one line on stderr and runs nothing.
  void expect_bad_invocations(const std::vector<std::vector<std::string>>& table) const {
    for (const auto& args : table) {
      std::string shown;
      for (const std::string& a : args) shown += " '" + a + "'";
      SCOPED_TRACE("gridlock" + shown);
      const outcome bad = gridlock(args);
      EXPECT_EQ(bad.code, 2);
      EXPECT_TRUE(bad.err.starts_with("gridlock: error: ")) << bad.err;
      EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
      EXPECT_EQ(bad.out, "") << "nothing ran";
    }
  }

  /// name -> expected verdict, from `gridlock list`.
  std::map<std::string, std::string> listed() const {
    const outcome list = gridlock({"list"});
    EXPECT_EQ(list.code, 0) << list.err;
    std::map<std::string, std::string> scenarios;
    std::istringstream lines(list.out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string name, expected;
      words >> name >> expected;
      EXPECT_TRUE(expected == "clean" || expected == "finding") << line;
      scenarios[name] = expected;
    }
    return scenarios;
  }

  json read_json(const fs::path& path) const {
    std::ifstream in(dir_ / path);
    return json::parse(in);
  }

  fs::path dir_;
};

TEST_F(CliTest, EveryScenarioGetsItsExpectedVerdictOverSeveralSeeds) {
  const std::map<std::string, std::string> scenarios = listed();
  if (scenarios.empty()) GTEST_SKIP() << "no built-in scenarios yet";
  std::vector<std::string> args = {"run", "--seeds", "3", "--json", "all.json"};
  for (const auto& [name, expected] : scenarios) args.insert(args.end(), {"--scenario", name});
  const outcome run = gridlock(args);
  EXPECT_EQ(run.code, 0) << run.out << run.err;

  const json report = read_json("all.json");
  std::map<std::string, std::vector<const json*>> runs;
  for (const json& r : report["runs"]) runs[r["name"]].push_back(&r);
  for (const auto& [name, expected] : scenarios) {
    SCOPED_TRACE(name);
    ASSERT_EQ(runs[name].size(), 3u);
    bool found = false;
    for (std::size_t i = 0; i < 3; ++i) {
      const json& r = *runs[name][i];
      EXPECT_EQ(r["seed"], i + 1);
      EXPECT_EQ(r["expected"], expected);
      found = found || r["outcome"] != "clean" || !r["findings"].empty();
      EXPECT_EQ(r.contains("reproduce"), r["outcome"] != "clean");
    }
    EXPECT_EQ(found ? "finding" : "clean", expected);
  }
  EXPECT_FALSE(fs::exists(dir_ / "gridlock-report")) << "--json alone writes only that file";
}

TEST_F(CliTest, ReproduceOfAFailingTrialFindsTheSameFingerprint) {
  std::string scenario;
  for (const auto& [name, expected] : listed())
    if (expected == "finding" && scenario.empty()) scenario = name;
  if (scenario.empty()) GTEST_SKIP() << "no scenario expects a finding yet";
  ASSERT_EQ(gridlock({"run", "--scenario", scenario, "--seeds", "2"}).code, 0);

  const json report = read_json("gridlock-report/report.json");
  const json* failing = nullptr;
  for (const json& r : report["runs"])
    if (!failing && !r["findings"].empty()) failing = &r;
  ASSERT_NE(failing, nullptr) << report.dump(2);
  std::istringstream line((*failing)["reproduce"].get<std::string>());
  std::string program, command, token, extra;
  line >> program >> command >> token;
  ASSERT_EQ(program, "gridlock");
  ASSERT_EQ(command, "reproduce");
  ASSERT_FALSE(line >> extra);

  const outcome again = gridlock({"reproduce", token, "--json", "again.json"});
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("reproduced"), std::string::npos);
  const json rerun = read_json("again.json")["runs"][0];
  EXPECT_EQ(rerun["name"], scenario);
  EXPECT_EQ(rerun["seed"], (*failing)["seed"]);
  ASSERT_FALSE(rerun["findings"].empty());
  EXPECT_EQ(rerun["findings"][0]["fingerprint"], (*failing)["findings"][0]["fingerprint"]);
}

TEST_F(CliTest, ReproduceOfAFindingThatDoesNotComeBackExitsZero) {
  std::string scenario;
  for (const auto& [name, expected] : listed())
    if (expected == "clean" && scenario.empty()) scenario = name;
  if (scenario.empty()) GTEST_SKIP() << "no scenario expects to be clean yet";
  const json token = {{"kind", "scenario"}, {"name", scenario}, {"seed", 1}, {"strategy", "none"},
                      {"timeout", 10}, {"fingerprints", {"0123456789abcdef"}}};
  // The token of an imagined finding: base64url by hand, so this test does not trust the encoder.
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text = token.dump(), encoded;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : text) {
    bits = (bits << 8) | c;
    for (count += 8; count >= 6;) encoded += alphabet[(bits >> (count -= 6)) & 63];
  }
  if (count > 0) encoded += alphabet[(bits << (6 - count)) & 63];
  const outcome again = gridlock({"reproduce", "gl1:" + encoded});
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("not reproduced"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "gridlock-report")) << "reproduce writes reports only when asked";
}

TEST_F(CliTest, ReportGoesWhereAsked) {
  const std::map<std::string, std::string> scenarios = listed();
  if (scenarios.empty()) GTEST_SKIP() << "no built-in scenarios yet";
  const std::string name = scenarios.begin()->first;
  gridlock({"run", "--scenario", name, "--seeds", "1"});
  EXPECT_EQ(read_json("gridlock-report/report.json")["runs"].size(), 1u) << "the default --out";
  gridlock({"run", "--scenario", name, "--seeds", "2", "--out", "a/b", "--json", "c.json"});
  EXPECT_EQ(read_json("a/b/report.json")["runs"].size(), 2u);
  EXPECT_EQ(read_json("c.json"), read_json("a/b/report.json"));
}

// `--json /dev/stdout` or a pipe a tool reads: a report written beside it and renamed over it took the
// pipe's (as root, the device's) name and reached no reader. A report that cannot be written (a full
// disk) exited 0, after that rename, or stopped the summary.
TEST_F(CliTest, AReportIsWrittenIntoAPipeAndOneThatCannotBeWrittenIsAnErrorAfterTheSummary) {
  const fs::path pipe = dir_ / "report.pipe";
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = slurp(pipe); });
  const outcome piped = gridlock({"exec", "--runs", "1", "--json", pipe.string(), "--", "true"});
  // A reader still waiting (nothing opened the pipe to write) gets its end of file.
  if (const int fd = ::open(pipe.c_str(), O_WRONLY | O_NONBLOCK); fd >= 0) ::close(fd);
  reader.join();
  EXPECT_EQ(piped.code, 0) << piped.err;
  EXPECT_TRUE(fs::is_fifo(pipe)) << "a file took the pipe's name";
  ASSERT_TRUE(json::accept(received)) << received;
  EXPECT_EQ(json::parse(received)["runs"].size(), 1u);

  const outcome full = gridlock({"exec", "--runs", "1", "--json", "/dev/full", "--", "true"});
  EXPECT_EQ(full.code, 2);
  EXPECT_EQ(full.err.substr(full.err.find("gridlock: error: ")),
            "gridlock: error: cannot write the report to '/dev/full': No space left on device\n");
  EXPECT_NE(full.out.find("1 trial(s): 1 clean"), std::string::npos) << "the summary comes first";
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

// `gridlock exec --json /dev/stdout -- prog | jq ...`: the summary went to standard output too, and
// what read it got text before the JSON.
TEST_F(CliTest, AReportToStandardOutputHasItToItself) {
  const outcome r = gridlock({"exec", "--runs", "2", "--json", "/dev/stdout", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(json::accept(r.out)) << r.out;
  EXPECT_EQ(json::parse(r.out)["runs"].size(), 2u);
  EXPECT_NE(r.err.find("2 trial(s): 2 clean"), std::string::npos) << r.err;
}

TEST_F(CliTest, HelpAndVersion) {
  const outcome help = gridlock({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* command : {"run", "list", "reproduce"}) EXPECT_NE(help.out.find(command), std::string::npos);
  EXPECT_EQ(help.out.find("__trial"), std::string::npos) << "the runner's own command is not for people";
  const outcome version = gridlock({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, "gridlock " GRIDLOCK_VERSION "\n");
  for (const char* command : {"run", "list", "reproduce"}) {
    const outcome sub = gridlock({command, "--help"});
    EXPECT_EQ(sub.code, 0) << command;
    EXPECT_NE(sub.out.find("usage: gridlock " + std::string(command)), std::string::npos) << sub.out;
  }
}

TEST_F(CliTest, BadInvocationsExitTwoWithOneLine) {
  std::ofstream(dir_ / "a-file") << "not a directory";
  const std::vector<std::vector<std::string>> table = {
      {},
      {"frobnicate"},
      {"--bogus"},
      {"run", "--bogus"},
      {"run", "stray-word"},
      {"run", "--scenario", "no-such-scenario"},
      {"run", "--scenario"},
      {"run", "--seeds", "0"},
      {"run", "--seeds", "-3"},
      {"run", "--seeds", "abc"},
      {"run", "--seeds", "2", "--seeds", "3"},
      {"run", "--seeds", "99999999999"},
      {"run", "--see", "3"},
      {"run", "--seed", "-1"},
      {"run", "--seed", "18446744073709551615", "--seeds", "2"},
      {"run", "--jobs", "0"},
      {"run", "--jobs", "many"},
      {"run", "--timeout", "0"},
      {"run", "--timeout", "-1"},
      {"run", "--timeout", "nan"},
      {"run", "--timeout", "10s"},
      {"run", "--out", "a-file"},
      {"run", "--out", "a-file/sub"},
      {"run", "--out", "/proc/gridlock-cannot-create-this"},
      {"run", "--out", ""},
      {"run", "--json", "missing-dir/report.json"},
      {"run", "--json", "."},
      {"run", "--json", ""},
      {"list", "--bogus"},
      {"list", "extra"},
      {"reproduce"},
      {"reproduce", "not-a-token"},
      {"reproduce", "gl1:***"},
      {"reproduce", "gl1:bm90IGpzb24"},                                  // "not json"
      {"reproduce", "gl1:eyJraW5kIjoic2NlbmFyaW8ifQ"},                   // {"kind":"scenario"}
      {"reproduce", "gl1:e30", "extra"},
      {"reproduce", "gl1:eyJmaW5nZXJwcmludHMiOltdLCJraW5kIjoic2NlbmFyaW8iLCJuYW1lIjoibm8tc3VjaC1zY2VuYXJpbyIsInNlZWQiOjEsInN0cmF0ZWd5Ijoibm9uZSIsInRpbWVvdXQiOjEwfQ"},  // names no scenario
      {"reproduce", "gl1:e30", "--json", "missing-dir/r.json"},
      {"__trial", "--scenario", "no-such-scenario", "--seed", "1"},
  };
  expect_bad_invocations(table);
  EXPECT_FALSE(fs::exists(dir_ / "gridlock-report")) << "no report for a bad invocation";
}

}  // namespace

namespace {

const std::string std_programs = GRIDLOCK_STD_PROGRAMS;

/// Every finding of every run in an exec report.
std::vector<json> exec_findings(const json& report) {
  std::vector<json> all;
  for (const json& run : report.at("runs")) {
    EXPECT_EQ(run.at("kind"), "program");
    for (const json& f : run.at("findings")) all.push_back(f);
  }
  return all;
}

}  // namespace

TEST_F(CliTest, ExecFindsALockOrderCycleInAnUnmodifiedProgram) {
  const outcome r = gridlock({"exec", "--runs", "2", "--json", "report.json", "--", std_programs + "/std_lock_order_inversion"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json report = read_json("report.json");
  ASSERT_EQ(report.at("runs").size(), 2u);
  const std::vector<json> found = exec_findings(report);
  ASSERT_FALSE(found.empty());
  for (const json& f : found) {
    EXPECT_EQ(f.at("kind"), "lock-order-cycle");
    ASSERT_EQ(f.at("edges").size(), 2u);
    const json top = f.at("edges")[0].at("acquire_stack");
    const bool names_the_source = std::any_of(top.begin(), top.end(), [](const json& fr) {
      return fr.value("file", "").ends_with("std_lock_order_inversion.cpp");
    });
    EXPECT_TRUE(names_the_source) << f.dump(2);
  }
  EXPECT_NE(r.out.find("gridlock reproduce gl1:"), std::string::npos) << r.out;
}

// A crash said only its signal: where it happened took a debugger. The crashing thread's stack comes
// with the run now (its innermost frame the faulting line, or the call that aborted), in the JSON and
// on the console.
TEST_F(CliTest, ExecSaysWhereARunCrashed) {
  for (const auto& [mode, signal, function, tag] :
       {std::tuple{"segv", SIGSEGV, "parse_record", "LINE:null_store"}, std::tuple{"abort", SIGABRT, "check_invariant", "LINE:abort"},
        std::tuple{"overflow", SIGSEGV, "descend", ""}}) {
    SCOPED_TRACE(mode);
    const outcome r = gridlock({"exec", "--runs", "1", "--json", "report.json", "--", std_programs + "/std_crash", mode});
    EXPECT_EQ(r.code, 1) << r.err;
    const json run = read_json("report.json").at("runs").at(0);
    EXPECT_EQ(run.at("outcome"), "crash");
    EXPECT_EQ(run.at("signal"), signal);
    const json& crash = run.at("crash");
    EXPECT_EQ(crash.at("signal"), signal);
    EXPECT_NE(crash.at("tid").get<int>(), crash.at("pid").get<int>()) << "the worker thread, not main";
    // The program's frames carry their line of source: the innermost is the crash's.
    const json& stack = crash.at("stack");
    const auto top = std::find_if(stack.begin(), stack.end(), [](const json& fr) { return fr.contains("code"); });
    ASSERT_NE(top, stack.end()) << crash.dump(2);
    EXPECT_NE(top->value("function", "").find(function), std::string::npos) << crash.dump(2);
    if (*tag != '\0') {
      EXPECT_NE(top->value("code", "").find(tag), std::string::npos) << crash.dump(2);
    } else {
      // Out of stack: which instruction of the recursion faults is the compiler's. The handler ran on a
      // stack of its own, and the recursion shows, as deep as a crash's stack goes.
      const auto deep = std::count_if(stack.begin(), stack.end(), [&](const json& fr) {
        return fr.value("function", "").find(function) != std::string::npos;
      });
      EXPECT_GE(deep, 32) << crash.dump(2);
    }
    EXPECT_NE(r.out.find("  crashed in tid " + std::to_string(crash.at("tid").get<int>()) + " of pid "), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(std::string("    at (anonymous namespace)::") + function), std::string::npos) << r.out;
  }
}

// Main took both edges of the cycle first, while opening the store; the flusher took one of them too.
// The report shows the flusher's take of that edge, so that the cycle names the two threads that can
// deadlock, and keeps main's take of it (`also`), in the JSON and on the console.
TEST_F(CliTest, ExecNamesTheThreadsThatCanDeadlockWhereOneTookEveryEdgeFirst) {
  const outcome r = gridlock({"exec", "--runs", "1", "--json", "report.json", "--", std_programs + "/std_startup_edge"});
  EXPECT_EQ(r.code, 1) << r.err;
  const std::vector<json> found = exec_findings(read_json("report.json"));
  ASSERT_EQ(found.size(), 1u) << r.out;
  const json& f = found[0];
  EXPECT_EQ(f.at("kind"), "lock-order-cycle");
  std::map<std::uint64_t, std::string> lock, thread;
  for (const json& l : f.at("locks")) lock[l.at("id")] = l.value("symbol", "");
  for (const json& t : f.at("threads")) thread[t.at("id")] = t.value("name", "");
  std::map<std::string, std::string> shown_by;  // "from -> to" -> thread name
  for (const json& e : f.at("edges")) {
    const std::string edge = lock[e.at("from")] + " -> " + lock[e.at("to")];
    shown_by[edge] = thread[e.at("thread")];
    if (edge == "(anonymous namespace)::store_mu -> (anonymous namespace)::log_mu") {
      ASSERT_TRUE(e.contains("also")) << e.dump(1);
      EXPECT_EQ(e.at("also").size(), 1u);
      EXPECT_EQ(thread[e.at("also")[0].at("thread")], "main");
    }
  }
  EXPECT_EQ(shown_by, (std::map<std::string, std::string>{
                          {"(anonymous namespace)::store_mu -> (anonymous namespace)::log_mu", "flusher"},
                          {"(anonymous namespace)::log_mu -> (anonymous namespace)::store_mu", "main"}}))
      << f.dump(1);
  EXPECT_NE(r.out.find("(also taken by thread 1 (main))"), std::string::npos) << r.out;
  // Where the flusher was started: main's line that made its std::thread.
  for (const json& t : f.at("threads")) {
    if (t.value("name", "") != "flusher") continue;
    const json& stack = t.at("started_at");
    const auto at = std::find_if(stack.begin(), stack.end(), [](const json& fr) {
      return fr.value("file", "").ends_with("std_startup_edge.cpp");
    });
    ASSERT_NE(at, stack.end()) << t.dump(1);
    EXPECT_EQ(at->value("function", ""), "main");
    EXPECT_EQ(at->value("code", ""), "std::thread flusher(flush);  // LINE:start");
  }
  EXPECT_NE(r.out.find("thread 2 (flusher) was started at main (std_startup_edge.cpp:"), std::string::npos) << r.out;
}

TEST_F(CliTest, ExecEndsAnActualDeadlockAndReportsEveryThread) {
  const outcome r = gridlock({"exec", "--runs", "1", "--timeout", "30", "--json", "report.json", "--", std_programs + "/std_abba_deadlock"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json run = read_json("report.json").at("runs").at(0);
  EXPECT_EQ(run.at("outcome"), "finding");  // ended by the detector, not by the timeout
  const std::vector<json> found = exec_findings(read_json("report.json"));
  const bool deadlock = std::any_of(found.begin(), found.end(), [](const json& f) {
    return f.at("kind") == "deadlock" && f.at("waits").size() == 2;
  });
  EXPECT_TRUE(deadlock) << run.dump(2);
}

// A hang no detector can prove (a wait another process could end) ends at the timeout; the program's
// own runtime (the interposer) still tells the watchdog what each thread holds and waits for, as a
// runner trial does: also when a wrapper started it, and from each process when it forked (every
// process numbers its threads and locks from 1; the finding numbers them apart, its text too), and from
// a process that closed every descriptor it inherited, the stream's too (it answers into the file).
TEST_F(CliTest, ExecTimeoutSaysWhatEachThreadHoldsAndWaitsFor) {
  const std::string program = std_programs + "/std_hang_holding_lock";
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {program}, {"sh", "-c", quoted(program) + "; echo ended"}, {program, "forked"}, {program, "daemon"}}) {
    SCOPED_TRACE(command.back());
    std::vector<std::string> args = {"exec", "--runs", "1", "--timeout", "1", "--json", "report.json", "--"};
    args.insert(args.end(), command.begin(), command.end());
    const outcome r = gridlock(args);
    EXPECT_EQ(r.code, 1) << r.err;
    const json run = read_json("report.json").at("runs").at(0);
    ASSERT_EQ(run.at("outcome"), "timeout") << run.dump(2);
    const std::vector<json> found = exec_findings(read_json("report.json"));
    ASSERT_EQ(found.size(), 1u) << run.dump(2);
    const json& f = found[0];
    std::set<std::uint64_t> thread_ids, lock_ids;
    for (const json& t : f.at("threads")) EXPECT_TRUE(thread_ids.insert(t.at("id").get<std::uint64_t>()).second) << f.dump(2);
    for (const json& l : f.at("locks")) EXPECT_TRUE(lock_ids.insert(l.at("id").get<std::uint64_t>()).second) << f.dump(2);
    auto lock_named = [&](const std::string& symbol) {
      return std::find_if(f.at("locks").begin(), f.at("locks").end(),
                          [&](const json& l) { return l.value("symbol", "") == symbol; });
    };
    const auto table_mu = lock_named("(anonymous namespace)::table_mu");
    ASSERT_NE(table_mu, f.at("locks").end()) << f.dump(2);
    std::vector<const json*> holders, waiters;
    std::size_t helpers = 0, notified = 0;
    for (const json& w : f.at("waits")) {
      if (w.at("holds") == json::array({table_mu->at("id")})) holders.push_back(&w);
      if (w.value("waits_for", "").starts_with("lock (anonymous namespace)::table_mu held by thread ")) {
        waiters.push_back(&w);
        EXPECT_EQ(w.value("lock", std::uint64_t{0}), table_mu->at("id").get<std::uint64_t>());
      }
      if (w.value("waits_for", "").starts_with("condition variable (anonymous namespace)::idle_cv")) {
        ++helpers;
        if (w.value("waits_for", "").ends_with(" (notified)")) ++notified;
      }
    }
    ASSERT_EQ(holders.size(), 1u) << f.dump(2);
    ASSERT_EQ(waiters.size(), 1u) << f.dump(2);
    const json* holder = holders[0];
    EXPECT_EQ(waiters[0]->at("waits_for"), "lock (anonymous namespace)::table_mu held by thread " +
                                           std::to_string(holder->at("thread").get<std::uint64_t>()));
    // The semaphore is on the heap, no variable's: it is called as the program's sem_wait() spells it.
    ASSERT_TRUE(holder->contains("lock")) << holder->dump(2);
    EXPECT_EQ(holder->at("waits_for"), "a post to never_posted");
    const auto semaphore = std::find_if(f.at("locks").begin(), f.at("locks").end(),
                                        [&](const json& l) { return l.at("id") == holder->at("lock"); });
    ASSERT_NE(semaphore, f.at("locks").end()) << f.dump(2);
    EXPECT_EQ(semaphore->value("expression", ""), "never_posted") << f.dump(2);
    EXPECT_TRUE(lock_ids.contains(holder->at("lock").get<std::uint64_t>())) << f.dump(2);
    EXPECT_EQ(helpers, 2u) << f.dump(2);
    // The helper the notify did not wake; the one it woke waits again, unmarked (the runtime hears of a
    // notify before the real one, so that helper cannot wait again first).
    EXPECT_EQ(notified, 1u) << f.dump(2);
    if (command.back() == "forked") {
      const auto parent_mu = lock_named("(anonymous namespace)::parent_mu");
      ASSERT_NE(parent_mu, f.at("locks").end()) << f.dump(2);
      const bool parent_holds = std::any_of(f.at("waits").begin(), f.at("waits").end(), [&](const json& w) {
        return w.at("thread") == 1 && w.at("holds") == json::array({parent_mu->at("id")});
      });
      EXPECT_TRUE(parent_holds) << f.dump(2);
    }
  }
}

TEST_F(CliTest, ExecTimeoutNamesAHolderInAnotherProcess) {
  const outcome r = gridlock({"exec", "--runs", "1", "--timeout", "1", "--json", "report.json", "--",
                              std_programs + "/std_process_shared_hang"});
  EXPECT_EQ(r.code, 1) << r.err;
  const std::vector<json> found = exec_findings(read_json("report.json"));
  ASSERT_EQ(found.size(), 1u) << r.err;
  const json& f = found[0];
  ASSERT_EQ(f.at("kind"), "timeout") << f.dump(2);
  // The parent's main thread (the first process's first thread) holds the mutex; the child's waits.
  const auto wait_of = [&](std::uint64_t thread) {
    return std::find_if(f.at("waits").begin(), f.at("waits").end(), [&](const json& w) { return w.at("thread") == thread; });
  };
  const auto parent = wait_of(1);
  ASSERT_NE(parent, f.at("waits").end()) << f.dump(2);
  ASSERT_EQ(parent->at("holds").size(), 1u) << f.dump(2);
  // Both processes lock it as `m`: each process's view of it is a lock, so the id tells them apart.
  const auto child = std::find_if(f.at("waits").begin(), f.at("waits").end(), [](const json& w) {
    return w.value("waits_for", "").starts_with("lock m#");
  });
  ASSERT_NE(child, f.at("waits").end()) << f.dump(2);
  EXPECT_NE(child->at("thread"), 1) << f.dump(2);
  EXPECT_EQ(child->at("waits_for"), "lock m#" + std::to_string(child->at("lock").get<std::uint64_t>()) +
                                        " held by thread 1 (main)");
}

// A program may close the stream's descriptor, and get its number back for a file of its own: daemons
// close every descriptor, Python's subprocess closes them in its children. Its findings still reach the
// run, and never that file; also when, started as root, it then runs as another user (daemons drop
// their privileges: the file the runner made must take that user's lines too).
TEST_F(CliTest, ExecFindingsReachTheRunWhenTheProgramClosedOrReusedTheStreamsDescriptor) {
  const std::string data = (dir_ / "data").string();
  std::vector<std::string> redirects = {"3>&-", "3>" + quoted(data)};
  if (::geteuid() == 0) redirects.push_back("3>&-; exec setpriv --reuid=65534 --regid=65534 --clear-groups");
  for (const std::string& redirect : redirects) {
    SCOPED_TRACE(redirect);
    const outcome r = gridlock({"exec", "--runs", "1", "--json", "report.json", "--", "sh", "-c",
                                "exec " + redirect + " " + quoted(std_programs + "/std_lock_order_inversion")});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    const std::vector<json> found = exec_findings(read_json("report.json"));
    ASSERT_EQ(found.size(), 1u) << r.out;
    EXPECT_EQ(found[0].at("kind"), "lock-order-cycle");
  }
  EXPECT_EQ(slurp(data), "");
}

// Lines on the stream that are no finding Gridlock wrote (a program that writes to the descriptor it got
// as fd 3; anyone who can write the spare file) are dropped: they stopped every report of the run
// ("type must be string, but is null", exit 2, only report.json written).
TEST_F(CliTest, ExecDropsStreamLinesThatAreNoFinding) {
  const std::string forged = R"({"kind":"deadlock"}
{"kind":"deadlock","message":"m","locks":[1]}
{"kind":"nonsense","message":"m"}
{"kind":"deadlock","message":"m","edges":[{"held_stack":"x"}]}
{"kind":"deadlock","message":"m","waits":[{"stack":[7]}]}
{"kind":"deadlock","message":"m","edges":[{"also":"x"}]}
{"kind":"deadlock","message":"m","edges":[{"also":[{"held_stack":[7]}]}]}
{"kind":"deadlock","message":"m","edges":[{"thread":"x"}]}
{"kind":"deadlock","message":"m","edges":[{"also":[{"thread":-1}]}]}
{"kind":"deadlock","message":"m","stack":[{"address":"0x1","module":"/bin/sh","offset":"zz"}]}
{"kind":"deadlock","message":"m","waits":[{"holds":["a"]}]}
{"kind":"deadlock","message":"m","threads":[{"id":1,"name":7}]}
{"kind":"deadlock","message":"m","threads":[{"id":1,"started_at":"x"}]}
{"kind":"deadlock","message":7}
)";
  std::ofstream(dir_ / "forged") << forged;
  const outcome r = gridlock({"exec", "--runs", "1", "--out", "out", "--", "sh", "-c",
                              "cat forged >&3; exec " + quoted(std_programs + "/std_lock_order_inversion")});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  for (const char* report : {"report.json", "junit.xml", "report.html", "report.sarif"})
    EXPECT_TRUE(fs::exists(dir_ / "out" / report)) << report << "\n" << r.err;
  const std::vector<json> found = exec_findings(read_json("out/report.json"));
  ASSERT_EQ(found.size(), 1u) << r.out;
  EXPECT_EQ(found[0].at("kind"), "lock-order-cycle");
}

// Fifty rows' mutexes each make a cycle with the table's through the same two lines: one bug, listed
// once with the count of the others, its heap mutex called as those lines spell it.
TEST_F(CliTest, ExecListsCyclesThroughTheSameLinesOnceWithTheirCount) {
  const outcome r =
      gridlock({"exec", "--runs", "1", "--json", "report.json", "--", std_programs + "/std_many_cycles", "50"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::vector<json> found = exec_findings(read_json("report.json"));
  ASSERT_EQ(found.size(), 1u) << r.out;
  EXPECT_EQ(found[0].value("repeats", 0), 49) << found[0].dump(2);
  const std::string message = found[0].value("message", "");
  EXPECT_NE(message.find("row->mu"), std::string::npos) << message;
  EXPECT_NE(message.find("(anonymous namespace)::table_mu"), std::string::npos) << message;
  EXPECT_NE(r.out.find("\n  and 49 more like it in its first run (the same code over other locks)\n"), std::string::npos)
      << r.out;
}

// A run of several processes (a daemon's, a script's): each finding says which one made it, since each
// numbers its own threads and locks.
TEST_F(CliTest, ExecFindingsSayWhichProcessMadeThem) {
  // Two programs with a cycle each (two of one program would be one finding: the same fingerprint).
  const outcome r = gridlock({"exec", "--runs", "1", "--json", "report.json", "--", "sh", "-c",
                              quoted(std_programs + "/std_lock_order_inversion") + " & " +
                                  quoted(std_programs + "/std_heap_inversion") + "; wait"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::vector<json> found = exec_findings(read_json("report.json"));
  ASSERT_EQ(found.size(), 2u) << r.out;
  std::set<long> pids;
  for (const json& f : found) {
    EXPECT_EQ(f.at("kind"), "lock-order-cycle");
    pids.insert(f.value("pid", 0L));
  }
  EXPECT_EQ(pids.size(), 2u) << found[0].dump(2);
  EXPECT_FALSE(pids.contains(0)) << found[0].dump(2);
}

// A program run through a wrapper (a shell, a test driver) that hangs: the timeout shows the threads of
// every process the run started, not only the wrapper's.
TEST_F(CliTest, ExecTimeoutShowsTheThreadsOfWhatTheWrapperStarted) {
  const outcome r = gridlock({"exec", "--runs", "1", "--timeout", "1", "--json", "report.json", "--", "sh", "-c",
                              quoted(std_programs + "/std_hang_holding_lock") + "; echo ended"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json run = read_json("report.json").at("runs").at(0);
  ASSERT_EQ(run.at("outcome"), "timeout") << run.dump(2);
  const std::vector<json> found = exec_findings(read_json("report.json"));
  ASSERT_EQ(found.size(), 1u);
  const json& f = found[0];
  EXPECT_NE(f.value("message", "").find(" in 2 processes"), std::string::npos) << f.value("message", "");
  std::size_t program_threads = 0;
  for (const json& t : f.at("threads"))
    program_threads += t.value("name", "").find(" (pid ") != std::string::npos;
  EXPECT_EQ(program_threads, 4u) << f.at("threads").dump(2);  // main, the lock holder, two helpers
  bool program_stack = false;
  for (const json& w : f.at("waits"))
    for (const json& fr : w.at("stack")) program_stack |= fr.value("file", "").ends_with("std_hang_holding_lock.cpp");
  EXPECT_TRUE(program_stack) << f.dump(2);
}

namespace {

/// Starts gridlock with `args`, not waiting for it; returns its pid.
pid_t start_gridlock(const std::vector<std::string>& args) {
  std::vector<char*> argv{const_cast<char*>(GRIDLOCK_BIN)};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(GRIDLOCK_BIN, argv.data());
    ::_exit(127);
  }
  return pid;
}

/// The pid a trial's `sh -c 'echo $$ > FILE ...'` wrote, once it has (up to 30 s); 0 if never.
pid_t pid_written_to(const fs::path& file) {
  pid_t pid = 0;
  for (int i = 0; i < 3000 && pid == 0; ++i) {
    std::ifstream in(file);
    if (!(in >> pid)) pid = 0;
    if (pid == 0) ::usleep(10000);
  }
  return pid;
}

}  // namespace

TEST_F(CliTest, ATerminatedRunnerTakesItsRunningTrialsWithIt) {
  // Each trial runs in a process group of its own, out of reach of the signals sent to the runner's: a
  // cancelled CI job (SIGTERM) left its trials running, with nobody to time them out.
  const fs::path pid_file = dir_ / "trial.pid";
  const pid_t runner = start_gridlock({"exec", "--runs", "1", "--timeout", "600", "--out", (dir_ / "out").string(), "--",
                                       "sh", "-c", "echo $$ > " + quoted(pid_file.string()) + " && exec sleep 600"});
  ASSERT_GT(runner, 0);
  const pid_t trial = pid_written_to(pid_file);
  ASSERT_GT(trial, 0) << "the trial never started";
  ::kill(runner, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  // Ended: no such process, or a zombie its new parent (pid 1, which may never reap it) has not reaped.
  auto ended = [trial] {
    std::ifstream stat("/proc/" + std::to_string(trial) + "/stat");
    std::string pid, name, state;
    return !(stat >> pid >> name >> state) || state == "Z";
  };
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {  // SIGKILL was sent before the runner ended: moments
    gone = ended();
    if (!gone) ::usleep(10000);
  }
  EXPECT_TRUE(gone) << "trial " << trial << " outlived its runner";
  if (!gone) ::kill(trial, SIGKILL);
}

// A Ctrl-C (or a cancelled CI job) during a long exec lost every run's results: the runner died before
// writing any report. Now the trials that ended are reported, the one cut short is not, and the runner
// still ends by the signal.
TEST_F(CliTest, AnInterruptedRunnerReportsTheTrialsThatEnded) {
  const fs::path pid_file = dir_ / "trial.pid";
  const std::string second_sleeps = "if [ -e " + quoted((dir_ / "first").string()) + " ]; then echo $$ > " +
                                    quoted(pid_file.string()) + " && exec sleep 600; else touch " +
                                    quoted((dir_ / "first").string()) + "; fi";
  const pid_t runner = start_gridlock({"exec", "--runs", "2", "--jobs", "1", "--timeout", "600", "--json",
                                       (dir_ / "report.json").string(), "--", "sh", "-c", second_sleeps});
  ASSERT_GT(runner, 0);
  ASSERT_GT(pid_written_to(pid_file), 0) << "the second trial never started";
  ::kill(runner, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;
  const json runs = read_json("report.json").at("runs");
  ASSERT_EQ(runs.size(), 1u) << runs.dump(1);
  EXPECT_EQ(runs[0].at("outcome"), "clean");
}

TEST_F(CliTest, ExecOfACorrectProgramIsClean) {
  const outcome r = gridlock({"exec", "--runs", "3", "--json", "report.json", "--", std_programs + "/std_thread_pool"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(exec_findings(read_json("report.json")).empty());
}

TEST_F(CliTest, ExecRejectsBadInputWithExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"exec"}, {"exec", "--"}, {"exec", "--", "/nonexistent/program"}, {"exec", "--", dir_.string()},
           {"exec", "--runs", "0", "--", "true"},
           {"exec", "--bogus", "--", "true"}}) {
    const outcome r = gridlock(args);
    EXPECT_EQ(r.code, 2) << args.size();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// LD_PRELOAD never reaches a statically linked program, and the loader skips an interposer of another
// machine: every run would read clean. Such a program is named as bad input before anything runs.
TEST_F(CliTest, ExecRefusesAProgramTheInterposerCannotReach) {
  const fs::path foreign = dir_ / "foreign_machine";
  fs::copy_file(std_programs + "/std_lock_order_inversion", foreign);
  std::fstream elf(foreign, std::ios::in | std::ios::out | std::ios::binary);
  elf.seekp(18);  // e_machine
  elf.put(static_cast<char>(183)).put(0);  // EM_AARCH64, little-endian
  elf.close();
  expect_bad_invocations({{"exec", "--", std_programs + "/std_lock_order_inversion_static"}, {"exec", "--", foreign}});
  EXPECT_NE(gridlock({"exec", "--", std_programs + "/std_lock_order_inversion_static"}).err.find("statically linked"),
            std::string::npos);
}

// ld.so skips an LD_PRELOAD library it cannot load, with a line on stderr (and ignores LD_PRELOAD for
// a set-user-ID program), and the program runs unchecked. Such a run is failed and says why: a clean
// verdict would be a silent pass.
TEST_F(CliTest, ExecRunThatTheInterposerNeverReachedIsNotClean) {
  const fs::path empty = dir_ / "empty.so";
  std::ofstream(empty).close();
  ::setenv("GRIDLOCK_PRELOAD", empty.c_str(), 1);
  const outcome r =
      gridlock({"exec", "--runs", "2", "--json", "report.json", "--", std_programs + "/std_lock_order_inversion"});
  ::unsetenv("GRIDLOCK_PRELOAD");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("gridlock: the interposer was not loaded into the program"), std::string::npos)
      << r.out << r.err;
  const json report = read_json("report.json");
  ASSERT_EQ(report.at("runs").size(), 2u);
  for (const json& run : report.at("runs")) {
    EXPECT_EQ(run.value("outcome", ""), "failed") << run.dump(1);
    EXPECT_NE(run.value("stderr", "").find("cannot be preloaded"), std::string::npos) << run.dump(1);
  }
}

namespace {

/// The token of a report's reproduce line.
std::string token_of(const json& run) {
  const std::string line = run.value("reproduce", "");
  return line.substr(line.rfind(' ') + 1);
}

}  // namespace

TEST_F(CliTest, StrategyAndDepthReachEveryTrialTheReportAndTheReproduceLine) {
  const outcome r = gridlock({"run", "--scenario", "abba", "--seeds", "2", "--strategy", "pct", "--pct-depth", "5", "--json", "pct.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json runs = read_json("pct.json").at("runs");
  ASSERT_EQ(runs.size(), 2u);
  for (const json& run : runs) {
    EXPECT_EQ(run.at("strategy"), "pct");
    EXPECT_EQ(run.at("pct_depth"), 5);
  }

  // The reproduce line carries both; --strategy overrides the token's.
  const std::string token = token_of(runs[0]);
  ASSERT_TRUE(token.starts_with("gl1:")) << runs[0].dump(2);
  const outcome same = gridlock({"reproduce", token, "--json", "same.json"});
  EXPECT_EQ(same.code, 1) << same.out << same.err;
  EXPECT_NE(same.out.find("under pct d=5"), std::string::npos) << same.out;
  EXPECT_EQ(read_json("same.json").at("runs")[0].at("pct_depth"), 5);
  const outcome other = gridlock({"reproduce", token, "--strategy", "random", "--json", "other.json"});
  EXPECT_EQ(other.code, 1) << other.out << other.err;
  const json rerun = read_json("other.json").at("runs")[0];
  EXPECT_EQ(rerun.at("strategy"), "random");
  EXPECT_FALSE(rerun.contains("pct_depth"));

  // A program under exec gets them in its environment.
  const outcome exec = gridlock({"exec", "--runs", "1", "--strategy", "pct", "--pct-depth", "7", "--json", "exec.json", "--",
                                 "sh", "-c", "test \"$GRIDLOCK_STRATEGY/$GRIDLOCK_PCT_DEPTH\" = pct/7"});
  EXPECT_EQ(exec.code, 0) << exec.out << exec.err;
  EXPECT_EQ(read_json("exec.json").at("runs")[0].at("strategy"), "pct");
}

TEST_F(CliTest, BadStrategyOptionsExitTwoWithOneLine) {
  const outcome run = gridlock({"run", "--scenario", "abba", "--seeds", "1", "--json", "r.json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string token = token_of(read_json("r.json").at("runs")[0]);
  const std::vector<std::vector<std::string>> table = {
      {"run", "--strategy", "chaos"},
      {"run", "--strategy", ""},
      {"run", "--strategy"},
      {"run", "--strategy", "pct", "--pct-depth", "0"},
      {"run", "--strategy", "pct", "--pct-depth", "65"},
      {"run", "--strategy", "pct", "--pct-depth", "three"},
      {"run", "--pct-depth", "3"},
      {"run", "--strategy", "random", "--pct-depth", "3"},
      {"exec", "--strategy", "chaos", "--", "true"},
      {"exec", "--strategy", "pct", "--pct-depth", "-1", "--", "true"},
      {"reproduce", token, "--strategy", "chaos"},
      {"reproduce", token, "--pct-depth", "4"},  // the token's strategy is none
  };
  expect_bad_invocations(table);
}

// ---- confirming predictions (--confirm, harness/cli/confirmation.h) ----

/// Every lock-order-cycle finding of a report.
std::vector<json> predictions(const json& report) {
  std::vector<json> out;
  for (const json& run : report.at("runs"))
    for (const json& f : run.at("findings"))
      if (f.value("kind", "") == "lock-order-cycle") out.push_back(f);
  return out;
}

TEST_F(CliTest, ConfirmSteersANarrowWindowCycleIntoADeadlockThatItsLineReplays) {
  // Plain runs of this program never deadlock (it needs the teller between two adjacent acquisitions);
  // the steered runs hold each thread at its first lock of the cycle until the other has taken its own.
  const outcome exec = gridlock({"exec", "--runs", "1", "--confirm", "6", "--json", "r.json", "--",
                                 std_programs + "/std_narrow_window_abba"});
  EXPECT_EQ(exec.code, 1) << exec.err;
  const std::vector<json> found = predictions(read_json("r.json"));
  ASSERT_EQ(found.size(), 1u) << exec.out;
  EXPECT_EQ(found[0].value("confirmation", ""), "confirmed") << exec.out;
  const std::string line = found[0].value("confirmed_by", "");
  ASSERT_TRUE(line.starts_with("gridlock reproduce gl1:")) << line;
  EXPECT_NE(exec.out.find("confirmed: a steered run deadlocked on this cycle; replay it with\n    " + line),
            std::string::npos)
      << exec.out;
  // The line replays the steered run: an actual deadlock, twice in a row.
  for (int i = 0; i < 2; ++i) {
    const outcome again = gridlock({"reproduce", line.substr(line.find("gl1:")), "--json", "again.json"});
    EXPECT_EQ(again.code, 1) << again.err;
    bool deadlocked = false;
    const json replayed = read_json("again.json");
    for (const json& run : replayed.at("runs"))
      for (const json& f : run.at("findings")) deadlocked = deadlocked || f.value("kind", "") == "deadlock";
    EXPECT_TRUE(deadlocked) << again.out;
  }
}

TEST_F(CliTest, ConfirmLeavesACycleWhosePathsNeverOverlapUnconfirmed) {
  // The two orders are taken by threads that run one after the other: no schedule can deadlock it.
  const outcome exec = gridlock({"exec", "--runs", "1", "--confirm", "3", "--json", "r.json", "--",
                                 std_programs + "/std_lock_order_inversion"});
  EXPECT_EQ(exec.code, 1) << exec.err;
  const std::vector<json> found = predictions(read_json("r.json"));
  ASSERT_EQ(found.size(), 1u) << exec.out;
  EXPECT_EQ(found[0].value("confirmation", ""), "unconfirmed");
  EXPECT_FALSE(found[0].contains("confirmed_by"));
}

TEST_F(CliTest, ConfirmMarksScenarioPredictionsAndChangesNoVerdict) {
  // Steering makes the threads meet within pauses: on a loaded machine (the suite at -j2 on 2 cores)
  // 4 runs per cycle once confirmed neither cycle, so 8.
  const outcome run = gridlock({"run", "--scenario", "three-lock-cycle", "--scenario", "dining-philosophers",
                                "--seeds", "2", "--confirm", "8", "--json", "r.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  const json report = read_json("r.json");
  EXPECT_EQ(report.at("runs").size(), 4u) << "confirmation runs are not runs of the report";
  const std::vector<json> found = predictions(report);
  ASSERT_FALSE(found.empty());
  for (const json& f : found) EXPECT_EQ(f.value("confirmation", ""), "confirmed") << f.value("message", "");
}

TEST_F(CliTest, ConfirmWithoutACountIsABadInvocation) {
  expect_bad_invocations({{"run", "--confirm", "0"}, {"run", "--confirm", "many"}, {"exec", "--confirm", "-2", "--", "true"}});
}

// ---- a GoogleTest binary under gridlock exec ----

TEST_F(CliTest, ExecFindsTheLatentInversionInAGoogleTestBinaryThatPasses) {
  const outcome exec =
      gridlock({"exec", "--runs", "2", "--json", "r.json", "--", std_programs + "/std_gtest_inversion"});
  EXPECT_EQ(exec.code, 1) << exec.err;
  const json report = read_json("r.json");
  for (const json& run : report.at("runs")) {
    EXPECT_NE(run.value("stdout", "").find("[  PASSED  ] 3 tests."), std::string::npos) << "the tests themselves pass";
    ASSERT_EQ(run.at("findings").size(), 1u) << exec.out;  // one bug, made by two tests
    EXPECT_EQ(run.at("findings")[0].value("repeats", 0), 1) << exec.out;
    const json& f = run.at("findings")[0];
    EXPECT_EQ(f.value("kind", ""), "lock-order-cycle");
    std::string functions;
    for (const json& e : f.at("edges"))
      for (const json& fr : e.at("acquire_stack")) functions += fr.value("function", "") + "\n";
    EXPECT_NE(functions.find("cache::refresh"), std::string::npos) << functions;
    EXPECT_NE(functions.find("cache::evict"), std::string::npos) << functions;
    // Members of a cache on the test's stack have no variable of their own: the report calls them as
    // the program's lock_guards spell them.
    std::set<std::string> expressions;
    for (const json& l : f.at("locks")) expressions.insert(l.value("expression", ""));
    EXPECT_EQ(expressions, (std::set<std::string>{"index_mu", "store_mu"})) << f.dump(2);
    const std::string message = f.value("message", "");
    EXPECT_TRUE(message.find("(store_mu -> index_mu -> store_mu)") != std::string::npos ||
                message.find("(index_mu -> store_mu -> index_mu)") != std::string::npos)
        << message;
    // Which tests: both that made the cycle, not Cache.Lookup, whose cache the first of one cycle's
    // locks' addresses belonged to before.
    EXPECT_EQ(f.value("tests", json::array()), json::array({"Cache.RefreshThenEvict", "CacheFixture.EvictThenRefresh"}))
        << f.dump(2);
  }
  EXPECT_NE(exec.out.find("\n  in tests Cache.RefreshThenEvict, CacheFixture.EvictThenRefresh\n"), std::string::npos)
      << exec.out;
  // The program's own arguments pass through: the test that takes one lock at a time is clean.
  const outcome lookup = gridlock({"exec", "--runs", "2", "--json", "lookup.json", "--",
                                   std_programs + "/std_gtest_inversion", "--gtest_filter=Cache.Lookup"});
  EXPECT_EQ(lookup.code, 0) << lookup.out;
}

// Tests a stack cannot name in full: the runner reads which tests the binary started about when the
// finding came, and the report names each as --gtest_filter would take it. One cycle, through one
// helper, made by three tests; then a hang.
TEST_F(CliTest, ExecNamesParameterizedAndTypedTestsInFull) {
  const outcome r =
      gridlock({"exec", "--runs", "1", "--json", "r.json", "--", std_programs + "/std_gtest_param"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const json run = read_json("r.json").at("runs").at(0);
  ASSERT_EQ(run.at("findings").size(), 1u) << run.dump(2);
  const json& f = run.at("findings")[0];
  EXPECT_EQ(f.value("kind", ""), "lock-order-cycle");
  EXPECT_EQ(f.value("repeats", 0), 2) << f.dump(2);
  EXPECT_EQ(f.value("tests", json::array()),
            json::array({"Amounts/Ledger.PostsBothWays/0", "Audit_Log.RotatesBothWays", "Registry/0.RenamesBothWays"}))
      << f.dump(2);
  EXPECT_FALSE(f.contains("googletest_running")) << "the runner's note is read, not reported";
  EXPECT_NE(r.out.find("in tests Amounts/Ledger.PostsBothWays/0, Audit_Log.RotatesBothWays, Registry/0.RenamesBothWays\n"),
            std::string::npos)
      << r.out;

  // A binary that hangs hangs in the last test it started.
  const outcome hang = gridlock({"exec", "--runs", "1", "--timeout", "2", "--json", "hang.json", "--", "env",
                                 "PARAM_HANG=1", std_programs + "/std_gtest_param"});
  EXPECT_EQ(hang.code, 1) << hang.out << hang.err;
  const json hung = read_json("hang.json").at("runs").at(0);
  EXPECT_EQ(hung.value("outcome", ""), "timeout");
  const json* timeout = nullptr;
  for (const json& h : hung.at("findings"))
    if (h.value("kind", "") == "timeout") timeout = &h;
  ASSERT_NE(timeout, nullptr) << hung.dump(2);
  EXPECT_EQ(timeout->value("tests", json::array()), json::array({"Amounts/Ledger.WaitsForItsFeed/0"})) << timeout->dump(2);
}

// A run that does not end clean keeps all its output beside the reports (the report itself keeps the
// last 4 KiB), up to 64 MiB; a clean run's is not kept.
TEST_F(CliTest, ARunThatFailsKeepsItsWholeOutput) {
  const outcome r = gridlock({"exec", "--runs", "1", "--out", "out", "--", "sh", "-c", "seq 1 5000; echo oops >&2; exit 3"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const json run = read_json("out/report.json").at("runs").at(0);
  EXPECT_EQ(run.value("outcome", ""), "failed");
  EXPECT_EQ(run.value("stdout_file", ""), "out/runs/sh-seed1.stdout") << run.dump(2);
  EXPECT_EQ(run.value("stderr_file", ""), "out/runs/sh-seed1.stderr") << run.dump(2);
  std::string all;
  for (int i = 1; i <= 5000; ++i) all += std::to_string(i) + "\n";
  EXPECT_EQ(slurp(dir_ / "out/runs/sh-seed1.stdout"), all);
  EXPECT_EQ(slurp(dir_ / "out/runs/sh-seed1.stderr"), "oops\n");
  EXPECT_LT(run.value("stdout", "").size(), all.size()) << "the report keeps the tail";
  EXPECT_NE(r.out.find("\n  stderr: oops\n  whole output: out/runs/sh-seed1.stdout, out/runs/sh-seed1.stderr\n"),
            std::string::npos)
      << r.out;

  // Past 64 MiB the file says it stops there.
  const outcome big = gridlock({"exec", "--runs", "1", "--out", "big", "--", "sh", "-c", "yes | head -c 70000000; exit 1"});
  EXPECT_EQ(big.code, 1) << big.out << big.err;
  const std::string note = "\n[gridlock: the rest of this output was not kept: 64 MiB at most]\n";
  EXPECT_EQ(fs::file_size(dir_ / "big/runs/sh-seed1.stdout"), (std::uintmax_t{64} << 20) + note.size());
  std::ifstream kept(dir_ / "big/runs/sh-seed1.stdout", std::ios::binary);
  kept.seekg(-static_cast<std::streamoff>(note.size()), std::ios::end);
  std::string end(note.size(), '\0');
  kept.read(end.data(), static_cast<std::streamsize>(end.size()));
  EXPECT_EQ(end, note);

  const outcome clean = gridlock({"exec", "--runs", "2", "--out", "clean", "--", "sh", "-c", "seq 1 5000"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_FALSE(fs::exists(dir_ / "clean/runs")) << "nothing kept, no directory";
  EXPECT_FALSE(read_json("clean/report.json").at("runs").at(0).contains("stdout_file"));
}

// A GoogleTest binary whose own test fails is no finding: the run failed, and the console says which
// test, which its last line of stderr would not.
TEST_F(CliTest, ExecSaysWhichTestsOfAFailedGoogleTestRunFailed) {
  const outcome r = gridlock({"exec", "--runs", "1", "--json", "r.json", "--", "env", "SAMPLE_FAIL=1",
                              std_programs + "/std_gtest_sample"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const json run = read_json("r.json").at("runs").at(0);
  EXPECT_EQ(run.value("outcome", ""), "failed");
  EXPECT_TRUE(run.at("findings").empty()) << run.dump(2);
  EXPECT_NE(r.out.find("\n  failed test: Sample.FailsWhenAsked\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected clean, got failed in 1 of 1 runs\n"), std::string::npos) << r.out;
}

TEST_F(CliTest, AControlledTrialsReproduceLineReplaysItsSchedule) {
  const outcome run = gridlock({"run", "--scenario", "phase-dependent-inversion", "--seeds", "3", "--strategy", "controlled",
                                "--json", "controlled.json"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const json report = read_json("controlled.json");
  const json* deadlocked = nullptr;
  for (const json& r : report.at("runs")) {
    EXPECT_EQ(r.at("strategy"), "controlled");
    EXPECT_TRUE(r.value("schedule", "").starts_with("schedule-v1:seed=" + std::to_string(r.at("seed").get<int>()) + ":"))
        << r.dump(2);
    for (const json& f : r.at("findings"))
      if (f.at("kind") == "deadlock" && deadlocked == nullptr) deadlocked = &r;
  }
  ASSERT_NE(deadlocked, nullptr) << "controlled finds this deadlock in about 9 runs of 10 (docs/injectors.md)";
  const json original = *deadlocked;
  for (int i = 0; i < 2; ++i) {
    const outcome again = gridlock({"reproduce", token_of(original), "--json", "again.json"});
    EXPECT_EQ(again.code, 1) << again.out << again.err;
    const json rerun = read_json("again.json").at("runs")[0];
    EXPECT_EQ(rerun.at("schedule"), original.at("schedule")) << "the same choices";
  }
}

TEST_F(CliTest, ExecUnderControlledPassesTheTurnOnAroundWaitsItCannotPark) {
  // std_abba_deadlock spins until both threads hold a lock, sleeps, then blocks in the real
  // pthread_mutex_lock: around each the turn must pass on (docs/injectors.md, the fallback), or the run
  // would hang until its timeout. Each such hand-over is a '!' step: the schedule does not replay exactly.
  const outcome r = gridlock({"exec", "--strategy", "controlled", "--runs", "2", "--timeout", "30", "--json", "report.json",
                              "--", std_programs + "/std_abba_deadlock"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  for (const json& run : read_json("report.json").at("runs")) {
    EXPECT_EQ(run.at("outcome"), "finding") << "ended by the detector, not by the timeout";
    const json& found = run.at("findings");
    EXPECT_TRUE(std::any_of(found.begin(), found.end(), [](const json& f) { return f.at("kind") == "deadlock"; }))
        << run.dump(2);
    const std::string schedule = run.value("schedule", "");
    EXPECT_TRUE(schedule.starts_with("schedule-v1:")) << run.dump(2);
    EXPECT_NE(schedule.find('!'), std::string::npos) << schedule;
  }
}

// A thread that sleeps with the turn kept every other thread waiting while it slept: a sleep shorter
// than the 2 ms stall rule never lost the turn (OpenSSL handshakes beside a thread polling every 1 ms:
// 111 s under controlled). Each sleep made with the turn now hands it on, a '!' step: nearly all of
// the poller's 30, as the workers outlast them (31-32 a run; 1-3 before).
TEST_F(CliTest, ExecUnderControlledHandsTheTurnOnBeforeEachSleep) {
  const outcome r = gridlock({"exec", "--strategy", "controlled", "--runs", "1", "--timeout", "60", "--json", "report.json",
                              "--", std_programs + "/std_sleeping_poller"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const std::string schedule = read_json("report.json").at("runs").at(0).value("schedule", "");
  EXPECT_GE(std::count(schedule.begin(), schedule.end(), '!'), 25) << schedule;
}

// A reproduce line whose program is gone (deleted, or a relative path run from elsewhere) is bad input:
// run, it would fail at once and read "not reproduced", as if the problem were fixed.
TEST_F(CliTest, ReproduceOfAProgramThatIsGoneIsBadInput) {
  fs::copy_file(std_programs + "/std_lock_order_inversion", dir_ / "prog");
  const outcome r = gridlock({"exec", "--runs", "1", "--json", "report.json", "--", "./prog"});
  ASSERT_EQ(r.code, 1) << r.err;
  const std::string token = token_of(read_json("report.json").at("runs").at(0));
  ASSERT_TRUE(token.starts_with("gl1:")) << token;
  fs::remove(dir_ / "prog");
  expect_bad_invocations({{"reproduce", token}});
  EXPECT_NE(gridlock({"reproduce", token}).err.find("'./prog' is not an executable program"), std::string::npos);
}
