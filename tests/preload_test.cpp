// libgridlock_preload.so end to end: plain std:: programs (tests/programs/std_*.cpp, no Gridlock in
// them) run under LD_PRELOAD with GRIDLOCK_JSON, each with a hard timeout so nothing can hang the suite.
// Buggy programs must end with the right exit code (86 when the program could never go on) and the
// right finding kinds, naming the marked source line (`// LINE:tag` in the program); correct programs
// must report nothing over several runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "finding_json.h"
#include "gridlock/condition_variable.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "source_sites.h"

namespace {

using nlohmann::json;
using gridlock::test::frame_sites;
using gridlock::test::line_of;
using gridlock::test::user_sites;

const std::string preload_lib = GRIDLOCK_PRELOAD_LIB;
const std::string programs_dir = GRIDLOCK_STD_PROGRAMS;
const std::string sources_dir = GRIDLOCK_STD_SOURCES;
constexpr int deadlock_exit = 86;

long long monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct run_options {
  bool preload = true;
  bool stream = false;           // findings on GRIDLOCK_STREAM_FD (unsymbolized, as the runner gets them)
                                 // instead of GRIDLOCK_JSON
  std::vector<std::string> env;  // extra NAME=value
  int timeout_s = 20;
};

struct run_result {
  int exit_code = -1;        // the exit status, or 128 + signal
  bool timed_out = false;
  std::string output;        // stdout and stderr
  json findings = json::array();
  json preload_findings;     // GRIDLOCK_JSON.preload.json, when the program has its own runtime
  long long ended_ns = 0;    // CLOCK_MONOTONIC when the process was reaped

  std::multiset<std::string> kinds() const {
    std::multiset<std::string> k;
    for (const json& f : findings) k.insert(f.value("kind", ""));
    return k;
  }
  bool has(const std::string& kind) const { return kinds().count(kind) > 0; }
};

/// Runs `program` (a path) under `timeout`, with LD_PRELOAD and GRIDLOCK_JSON set, collecting output and
/// findings.
run_result run_path(const std::string& program, const std::vector<std::string>& args, const run_options& opt) {
  char dir_template[] = "/tmp/gridlock_preload_XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string json_path = dir + "/findings.json";
  const std::string out_path = dir + "/output.txt";
  const std::string stream_path = dir + "/stream.jsonl";

  std::vector<std::string> argv = {"timeout", "-k", "5", std::to_string(opt.timeout_s), "env",
                                   "-u", "GRIDLOCK_STREAM_FD", "-u", "GRIDLOCK_ON_DEADLOCK",
                                   "-u", "GRIDLOCK_QUIET", "-u", "LD_PRELOAD", "-u", "GRIDLOCK_MAX_LOCKS"};
  if (opt.preload) argv.push_back("LD_PRELOAD=" + preload_lib);
  argv.push_back(opt.stream ? "GRIDLOCK_STREAM_FD=3" : "GRIDLOCK_JSON=" + json_path);
  for (const std::string& e : opt.env) argv.push_back(e);
  argv.push_back(program);
  for (const std::string& a : args) argv.push_back(a);
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(out_path.c_str(), "w");
    if (out != nullptr) {
      dup2(fileno(out), 1);
      dup2(fileno(out), 2);
    }
    if (opt.stream) {
      FILE* stream = std::fopen(stream_path.c_str(), "w");
      if (stream != nullptr) dup2(fileno(stream), 3);
    }
    execvp("timeout", cargv.data());
    _exit(127);
  }
  run_result r;
  int status = 0;
  waitpid(pid, &status, 0);
  r.ended_ns = monotonic_ns();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.timed_out = r.exit_code == 124 || r.exit_code == 137;
  r.output = read_file(out_path);
  const std::string text = read_file(json_path);
  if (!text.empty()) r.findings = json::parse(text).at("findings");
  if (opt.stream) {
    std::istringstream lines(read_file(stream_path));
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) r.findings.push_back(json::parse(line));
  }
  const std::string preload_text = read_file(json_path + ".preload.json");
  if (!preload_text.empty()) r.preload_findings = json::parse(preload_text).at("findings");
  std::remove(json_path.c_str());
  std::remove((json_path + ".preload.json").c_str());
  std::remove(out_path.c_str());
  std::remove(stream_path.c_str());
  rmdir(dir.c_str());
  return r;
}

run_options bare() {
  run_options o;
  o.preload = false;
  return o;
}
run_options with_env(std::string e) {
  run_options o;
  o.env.push_back(std::move(e));
  return o;
}
run_options streamed() {
  run_options o;
  o.stream = true;
  return o;
}
run_options with_timeout(int seconds) {
  run_options o;
  o.timeout_s = seconds;
  return o;
}

run_result run(const std::string& name, const std::vector<std::string>& args = {}, const run_options& opt = {}) {
  return run_path(programs_dir + "/" + name, args, opt);
}

/// file:line of `// LINE:tag` in tests/programs/<program>.cpp.
std::string site(const std::string& program, const std::string& tag) {
  return program + ".cpp:" + std::to_string(line_of(sources_dir + "/" + program + ".cpp", tag));
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

const json* first_of(const run_result& r, const std::string& kind) {
  for (const json& f : r.findings)
    if (f.value("kind", "") == kind) return &f;
  return nullptr;
}

/// The first finding of `kind` of a run that the runtime had to end (exit code 86), or null, having
/// recorded what went wrong.
const json* ended_with(const run_result& r, const std::string& kind) {
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
  const json* f = first_of(r, kind);
  EXPECT_NE(f, nullptr) << r.output;
  return f;
}

#define EXPECT_SITE(sites, expected) \
  EXPECT_TRUE(contains(sites, expected)) << "expected " << (expected) << " among [" << joined(sites) << "]"

/// Runs `program` with `args`, which the runtime must end with a finding of `kind` whose waits include
/// each of `sites` (site()'s file:line). Returns that finding (null when there is none).
json expect_ended_with_waits(const std::string& program, const std::vector<std::string>& args,
                             const std::string& kind, const std::vector<std::string>& sites) {
  const run_result r = run(program, args);
  const json* f = ended_with(r, kind);
  if (f == nullptr) return nullptr;  // ended_with() has failed the test
  const auto found = user_sites(*f, "waits");
  for (const std::string& s : sites) EXPECT_SITE(found, s);
  return *f;
}

/// A program tests/CMakeLists.txt builds only where the toolchain can: with clang (clang_*, libcxx_*)
/// where clang++ is installed, with OpenMP (omp_*) where the compiler has it, with Abseil (absl_*)
/// where it is installed. The test that runs it is skipped elsewhere.
bool missing_optional_build(const std::string& program) {
  return (program.starts_with("clang_") || program.starts_with("libcxx_") || program.starts_with("omp_") ||
          program.starts_with("absl_")) &&
         !std::filesystem::exists(programs_dir + "/" + program);
}

// ---- the library itself ----

TEST(Preload, ExportsOnlyItsHooks) {
  FILE* p = popen(("nm -D --defined-only " + preload_lib + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[512];
  int count = 0;
  std::vector<std::string> foreign;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::istringstream in(line);
    std::string address, type, name;
    in >> address >> type >> name;
    if (name.empty()) continue;
    ++count;
    if (name.rfind("pthread_", 0) != 0 && name.rfind("__cxa_guard_", 0) != 0 && name.rfind("sem_", 0) != 0 &&
        name.rfind("mtx_", 0) != 0 && name.rfind("cnd_", 0) != 0 && name.rfind("thrd_", 0) != 0 &&
        name != "call_once" &&
        name.rfind("_ZNSt28__atomic_futex_unsigned_base", 0) != 0 &&
        name.rfind("_ZNSt3__119__shared_mutex_base", 0) != 0 && name.rfind("_ZNSt3__118shared_timed_mutex", 0) != 0 &&
        name.rfind("_ZN4absl", 0) != 0 &&
        name.rfind("GOMP_critical_", 0) != 0 && name.rfind("omp_", 0) != 0 && name != "syscall" && name != "sigaction" &&
        name != "signal" && name != "nanosleep" && name != "clock_nanosleep" && name != "usleep" && name != "sleep" &&
        name != "longjmp" && name != "_longjmp" && name != "siglongjmp" && name != "__longjmp_chk")
      foreign.push_back(name);
  }
  const int rc = pclose(p);
  if (count == 0 && rc != 0) GTEST_SKIP() << "nm is not available";
  EXPECT_GE(count, 30);
  EXPECT_TRUE(foreign.empty()) << "exported: " << joined(foreign);
}

// ---- each finding kind a plain std:: program can produce ----

TEST(PreloadFindings, LockOrderInversionWithoutOverlap) {
  const run_result r = run("std_lock_order_inversion");
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const json& f = r.findings[0];
  std::set<std::string> symbols;
  for (const json& l : f.at("locks")) {
    EXPECT_EQ(l.value("type", ""), "pthread_mutex_t");
    symbols.insert(l.value("symbol", ""));
  }
  // Global mutexes are named by their variables, in the locks and in the message.
  EXPECT_EQ(symbols, (std::set<std::string>{"(anonymous namespace)::accounts", "(anonymous namespace)::audit_log"}));
  EXPECT_NE(f.value("message", "").find("(anonymous namespace)::accounts -> "), std::string::npos) << f.value("message", "");
  const auto sites = user_sites(f, "acquire");
  EXPECT_SITE(sites, site("std_lock_order_inversion", "accounts_then_log"));
  EXPECT_SITE(sites, site("std_lock_order_inversion", "log_then_accounts"));
  // The program's frames carry their line of source, the one each site names.
  std::set<std::string> code;
  for (const json& e : f.at("edges"))
    for (const json& fr : e.at("acquire_stack"))
      if (fr.value("file", "").ends_with("std_lock_order_inversion.cpp")) code.insert(fr.value("code", ""));
  EXPECT_TRUE(code.contains("std::lock_guard<std::mutex> l(audit_log);  // LINE:accounts_then_log")) << f.dump(1);
  EXPECT_TRUE(code.contains("std::lock_guard<std::mutex> a(accounts);  // LINE:log_then_accounts")) << f.dump(1);
  // Gridlock's own frames (the thread start below the program's) are not the program's source.
  for (const json& e : f.at("edges"))
    for (const json& fr : e.at("acquire_stack"))
      EXPECT_FALSE(fr.contains("code") && fr.value("module", "").ends_with("libgridlock_preload.so")) << fr.dump();
}

// A GRIDLOCK_JSON that cannot be written left no file and said nothing: it read as a clean run.
TEST(PreloadFindings, AGridlockJsonThatCannotBeWrittenIsSaidEvenWhenQuiet) {
  run_options opt;
  opt.env = {"GRIDLOCK_JSON=/nonexistent/findings.json", "GRIDLOCK_QUIET=1"};
  const run_result r = run("std_lock_order_inversion", {}, opt);
  ASSERT_FALSE(r.timed_out) << r.output;
  const std::string said = "gridlock: cannot write GRIDLOCK_JSON '/nonexistent/findings.json': No such file or directory\n";
  const std::size_t at = r.output.find(said);
  EXPECT_NE(at, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(said, at + 1), std::string::npos) << "said once, though written at start and at exit";
}

/// A GRIDLOCK_JSON file in a directory of its own, holding `text`, for a test to run programs against.
struct json_file {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("gridlock_json_" + std::to_string(getpid()));
  std::string path = (dir / "findings.json").string();
  explicit json_file(const std::string& text) {
    std::filesystem::create_directories(dir);
    std::ofstream(path) << text;
  }
  ~json_file() { std::filesystem::remove_all(dir); }
  json findings() const { return json::parse(read_file(path)).at("findings"); }
};

// A clean run left the file alone, so an earlier run's findings read as this run's.
TEST(PreloadFindings, ACleanRunsGridlockJsonSaysItIsClean) {
  const json_file file(R"({"tool": "gridlock", "findings": [{"kind": "lock-order-cycle"}]})");
  run_options opt;
  opt.env = {"GRIDLOCK_JSON=" + file.path};
  const run_result r = run("std_scoped_lock", {}, opt);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(file.findings(), json::array());
}

// The file is the run's, not the last process's: a shell's clean program after one with findings, and the
// clean shell itself, leave those findings in it.
TEST(PreloadFindings, AProgramsGridlockJsonFindingsOutliveItsCleanSiblingsAndParent) {
  const json_file file("stale");
  run_options opt;
  opt.env = {"GRIDLOCK_JSON=" + file.path};
  const run_result r =
      run_path("/bin/sh", {"-c", programs_dir + "/std_lock_order_inversion; " + programs_dir + "/std_scoped_lock"}, opt);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json findings = file.findings();
  ASSERT_EQ(findings.size(), 1u) << findings.dump();
  EXPECT_EQ(findings[0].at("kind"), "lock-order-cycle");
}

// The program's own lines however its debug information was built (tests/CMakeLists.txt): by clang,
// whose DWARF 5 elfutils 0.188's dwarf_getscopes could not map to inlined frames, and split into a .dwo
// file. Either way every frame of the program's own was lost inside std::lock_guard before, and the
// findings named gthr-default.h.
TEST(PreloadFindings, LockOrderInversionNamesTheProgramsLinesHoweverItsDebugInfoWasBuilt) {
  for (const std::string program :
       {"clang_std_lock_order_inversion", "std_lock_order_inversion_split", "std_lock_order_inversion_relative"}) {
    SCOPED_TRACE(program);
    if (missing_optional_build(program)) continue;
    const run_result r = run(program);
    ASSERT_FALSE(r.timed_out) << r.output;
    ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
    const json& f = r.findings[0];
    const auto acquired = user_sites(f, "acquire");
    EXPECT_SITE(acquired, site("std_lock_order_inversion", "accounts_then_log"));
    EXPECT_SITE(acquired, site("std_lock_order_inversion", "log_then_accounts"));
    EXPECT_EQ(user_sites(f, "held").size(), 2u) << f.dump(2);
    for (const std::string& held : user_sites(f, "held"))
      EXPECT_TRUE(held.starts_with("std_lock_order_inversion.cpp:")) << held;
    // The source file is found and read, whatever path the debug information gives it.
    for (const json& e : f.at("edges"))
      for (const json& fr : e.at("acquire_stack"))
        if (fr.value("file", "").ends_with("std_lock_order_inversion.cpp")) {
          EXPECT_TRUE(fr.value("file", "").starts_with("/")) << fr.dump();
          EXPECT_TRUE(fr.contains("code")) << fr.dump();
        }
  }
}

// The stacks the runtime captures start where the program called: the hook's and the detector's own
// frames are left out of the report, JSON included (the text and HTML skip the standard library too).
TEST(PreloadFindings, StacksStartAtTheProgramsCall) {
  for (const auto& [program, arg] : std::vector<std::pair<std::string, std::string>>{
           {"std_lock_order_inversion", ""}, {"std_sync_short_of_a_thread", "latch"}}) {
    SCOPED_TRACE(program);
    const run_result r = run(program, arg.empty() ? std::vector<std::string>{} : std::vector<std::string>{arg});
    ASSERT_FALSE(r.findings.empty()) << r.output;
    std::vector<json> stacks;
    for (const json& f : r.findings) {
      for (const json& e : f.at("edges")) {
        stacks.push_back(e.at("held_stack"));
        stacks.push_back(e.at("acquire_stack"));
      }
      for (const json& w : f.at("waits")) stacks.push_back(w.at("stack"));
      for (const json& l : f.at("locks")) stacks.push_back(l.at("created"));
    }
    ASSERT_FALSE(stacks.empty());
    for (const json& stack : stacks) {
      ASSERT_FALSE(stack.empty());
      const json& top = stack.at(0);
      EXPECT_EQ(top.value("module", "").find("libgridlock"), std::string::npos) << top.dump();
      EXPECT_FALSE(top.value("function", "").starts_with("gridlock::")) << top.dump();
    }
  }
}

TEST(PreloadFindings, HeldSideIsTheAcquisitionThatMadeTheEdge) {
  // The teller takes A once on its own (warm-a) before it takes A then B: the edge's held side is the
  // second acquisition, not the thread's first one of that lock.
  const run_result r = run("std_narrow_window_abba");
  ASSERT_FALSE(r.timed_out) << r.output;
  const json* f = first_of(r, "lock-order-cycle");
  ASSERT_NE(f, nullptr) << r.output;
  const auto held = user_sites(*f, "held");
  EXPECT_SITE(held, site("std_narrow_window_abba", "teller-a"));
  EXPECT_SITE(held, site("std_narrow_window_abba", "worker-b"));
  EXPECT_FALSE(contains(held, site("std_narrow_window_abba", "warm-a"))) << joined(held);
}

TEST(PreloadFindings, UnoptimizedBuildStacksNameEachLine) {
  // At -O0 every std::mutex acquisition returns to one place in std::mutex::lock: the stacks must still
  // tell the lines apart (by the frame-pointer chain above that call), not reuse the first one's.
  const run_result r = run("std_debug_build_inversion");
  ASSERT_FALSE(r.timed_out) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const json& f = r.findings[0];
  const auto held = user_sites(f, "held");
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(held, site("std_debug_build_inversion", "forward-a"));
  EXPECT_SITE(held, site("std_debug_build_inversion", "backward-b"));
  EXPECT_FALSE(contains(held, site("std_debug_build_inversion", "warm-a"))) << joined(held);
  EXPECT_SITE(acquired, site("std_debug_build_inversion", "forward-b"));
  EXPECT_SITE(acquired, site("std_debug_build_inversion", "backward-a"));
}

TEST(PreloadFindings, StacksThroughTheProgramsOwnLockFunctionNameEachLine) {
  // Optimized code keeps no frame pointers: a line is told apart by the return address above the one
  // call into pthread_mutex_lock, read where the first unwind of that call found it.
  const std::string program = "std_lock_through_wrapper";
  const run_result r = run(program);
  ASSERT_FALSE(r.timed_out) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const json& f = r.findings[0];
  std::map<std::uint64_t, std::string> symbols;
  for (const json& l : f.at("locks")) symbols[l.at("id").get<std::uint64_t>()] = l.value("symbol", "");
  const json* writer = nullptr;
  const json* auditor = nullptr;
  for (const json& e : f.at("edges"))
    (symbols[e.at("from").get<std::uint64_t>()] == "(anonymous namespace)::ledger" ? writer : auditor) = &e;
  ASSERT_TRUE(writer != nullptr && auditor != nullptr) << f.dump(2);
  EXPECT_SITE(frame_sites(writer->at("acquire_stack")), site(program, "write_journal"));
  const auto held = frame_sites(auditor->at("held_stack"));
  const auto acquired = frame_sites(auditor->at("acquire_stack"));
  EXPECT_SITE(held, site(program, "audit_journal"));
  EXPECT_FALSE(contains(held, site(program, "glance"))) << joined(held);
  EXPECT_SITE(acquired, site(program, "audit_ledger"));
  EXPECT_FALSE(contains(acquired, site(program, "audit_index"))) << joined(acquired);
}

/// A heap mutex has no variable to name it: each lock of the cycle must still say where it was first
/// used (its first acquisition), and each edge where it was taken. With `warm` other heap mutexes used
/// first at the same lines, the thread's stack-capture budget is spent and the stacks are reused ones.
/// `program`: std_heap_inversion as built (-O2) or as a Debug build compiles it (_debug, -O0), where
/// every line that locks is the same call, reached its own way.
void expect_heap_inversion_sites(long warm, const std::string& program = "std_heap_inversion") {
  SCOPED_TRACE(program);
  const run_result r = run(program, {std::to_string(warm)});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const json& f = r.findings[0];
  ASSERT_EQ(f.at("locks").size(), 2u) << f.dump(2);
  std::vector<std::string> created;
  for (const json& l : f.at("locks")) {
    EXPECT_EQ(l.value("symbol", ""), "") << l.dump();
    const json fr = gridlock::first_user_frame(l.value("created", json::array()));
    ASSERT_TRUE(fr.is_object()) << "no first-use stack: " << l.dump(2);
    std::string file = fr.value("file", "");
    created.push_back(file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(fr.value("line", 0)));
  }
  // savings is first taken as `from`, checking as `to`; both in the first thread's transfer.
  EXPECT_TRUE(contains(created, site("std_heap_inversion", "from"))) << joined(created);
  EXPECT_TRUE(contains(created, site("std_heap_inversion", "to"))) << joined(created);
  const auto acquire = user_sites(f, "acquire");
  EXPECT_EQ(acquire, (std::vector<std::string>(2, site("std_heap_inversion", "to"))));
  const auto held = user_sites(f, "held");
  EXPECT_EQ(held, (std::vector<std::string>(2, site("std_heap_inversion", "from"))));
}

TEST(PreloadFindings, HeapMutexesNamedByWhereTheyWereFirstUsed) { expect_heap_inversion_sites(0); }

TEST(PreloadFindings, StacksStayRightPastTheCaptureBudget) {
  expect_heap_inversion_sites(6000);
  // Past the budget a new lock reuses its line's stack, never another line's: at -O0 each line is a
  // path of its own through the one call, and a new path captures.
  expect_heap_inversion_sites(6000, "std_heap_inversion_debug");
}

TEST(PreloadFindings, AbbaDeadlock) {
  const run_result r = run("std_abba_deadlock");
  EXPECT_EQ(r.output.find("not reached"), std::string::npos);
  const json* f = ended_with(r, "deadlock");
  ASSERT_NE(f, nullptr);
  const auto sites = user_sites(*f, "waits");
  EXPECT_SITE(sites, site("std_abba_deadlock", "a_then_b"));
  EXPECT_SITE(sites, site("std_abba_deadlock", "b_then_a"));
}

// A wait reuses the stack of an earlier wait from the same call, which names the earlier line where a
// library without frame pointers stands between the program and the lock (two calls deep: the
// acquisition-stack cache tells one level apart). A wait that lasts captures its stack afresh.
// A wait that lasts, and the wait that closes the cycle, capture their stacks afresh.
TEST(PreloadFindings, ADeadlockNamesTheLineThatWaitsNotAnEarlierWaitsThroughTheSameLibraryCall) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, std::vector<std::string>{"worker_closes"}}) {
    SCOPED_TRACE(args.empty() ? "main closes the cycle" : "the worker closes it");
    const run_result r = run("std_wait_through_a_library", args);
    const json* f = ended_with(r, "deadlock");
    ASSERT_NE(f, nullptr) << r.output;
    std::vector<std::string> sites;
    for (const json& w : f->at("waits"))
      for (const std::string& s : frame_sites(w.at("stack"))) sites.push_back(s);
    EXPECT_TRUE(contains(sites, site("std_wait_through_a_library", "second_wait"))) << joined(sites);
    EXPECT_FALSE(contains(sites, site("std_wait_through_a_library", "first_wait"))) << joined(sites);
  }
}

TEST(PreloadFindings, AbbaDeadlockEndsTheProcessWithItsReport) {
  // As the runner gets findings: streamed, unsymbolized. The time from the lock call that closes the
  // cycle to the process being gone is printed for docs/performance.md, not asserted (speed is not a
  // test's business).
  std::vector<double> times;
  for (int i = 0; i < 3; ++i) {
    const run_result r = run("std_abba_deadlock", {}, streamed());
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
    EXPECT_TRUE(r.has("deadlock")) << r.output;
    const auto at = r.output.find("forming ");
    ASSERT_NE(at, std::string::npos) << r.output;
    times.push_back(static_cast<double>(r.ended_ns - std::atoll(r.output.c_str() + at + 8)) / 1e6);
  }
  std::sort(times.begin(), times.end());
  std::printf("[ preload  ] deadlock formed -> reported and process ended: %.1f / %.1f / %.1f ms\n", times[0],
              times[1], times[2]);
}

// The interposer's sync points carry the strategy to plain std:: code: `random` opens the window of
// a narrow ABBA that plain runs almost never hit (docs/injectors.md measures about a third of runs).
// Fixed seeds; 24 of them all missing has a chance far below 0.1%.
TEST(PreloadStrategies, RandomTurnsANarrowWindowIntoAnActualDeadlock) {
  int found_at = 0;
  for (int seed = 1; seed <= 24 && found_at == 0; ++seed) {
    run_options opt;
    opt.env = {"GRIDLOCK_STRATEGY=random", "GRIDLOCK_SEED=" + std::to_string(seed)};
    const run_result r = run("std_narrow_window_abba", {}, opt);
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_TRUE(r.has("lock-order-cycle")) << "seed " << seed << ": " << r.output;
    if (const json* f = first_of(r, "deadlock")) {
      EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
      const auto sites = user_sites(*f, "waits");
      EXPECT_SITE(sites, site("std_narrow_window_abba", "teller-b"));
      EXPECT_SITE(sites, site("std_narrow_window_abba", "worker-a"));
      found_at = seed;
    }
  }
  EXPECT_NE(found_at, 0) << "no actual deadlock in 24 seeds under random";
}

// "Try, else lock" (Boost.Log's sink feeding) shows its order only when the try fails: never in a plain
// run of this program, whose two threads do not overlap. Under any strategy the try fails once, as
// contention would make it, and the blocking fallback's order closes the cycle.
TEST(PreloadStrategies, ATryThatFailsOnceShowsTheOrderOfItsBlockingFallback) {
  const run_result plain = run("std_try_then_block");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_TRUE(plain.kinds().empty()) << plain.output;
  for (const std::string strategy : {"random", "pct", "controlled"}) {
    run_options opt;
    opt.env = {"GRIDLOCK_STRATEGY=" + strategy, "GRIDLOCK_SEED=1"};
    const run_result r = run("std_try_then_block", {}, opt);
    ASSERT_EQ(r.exit_code, 0) << strategy << ": " << r.output;
    ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << strategy << ": " << r.output;
    std::set<std::string> symbols;
    for (const json& l : r.findings[0].at("locks")) symbols.insert(l.value("symbol", ""));
    EXPECT_EQ(symbols, (std::set<std::string>{"sink", "user"})) << strategy;
    const auto sites = user_sites(r.findings[0], "acquire");
    EXPECT_SITE(sites, site("std_try_then_block", "fallback"));
    EXPECT_SITE(sites, site("std_try_then_block", "user_in_sink"));
    // The fallback's edge says why it was taken; the other edge was no fallback.
    std::map<std::uint64_t, std::string> symbol_of;
    for (const json& l : r.findings[0].at("locks")) symbol_of[l.at("id")] = l.value("symbol", "");
    for (const json& e : r.findings[0].at("edges"))
      EXPECT_EQ(e.value("after_failed_try", false), symbol_of[e.at("to")] == "sink") << strategy << ": " << e.dump();
    EXPECT_NE(r.output.find("acquired sink while holding user, after a try-lock of it failed (Gridlock made it fail"),
              std::string::npos)
        << r.output;
  }
}

TEST(PreloadFindings, JoinWhileHoldingTheLockTheThreadNeeds) {
  const run_result r = run("std_join_holding_lock");
  const json* f = ended_with(r, "deadlock");
  ASSERT_NE(f, nullptr);
  const auto sites = user_sites(*f, "waits");
  EXPECT_SITE(sites, site("std_join_holding_lock", "join"));
  // The worker's wait has a stack only if it held something (the runtime skips the capture for a
  // lock wait that holds nothing); if it has one, it names the worker's lock.
  for (const std::string& s : sites) {
    if (s != site("std_join_holding_lock", "join")) {
      EXPECT_EQ(s, site("std_join_holding_lock", "worker_lock"));
    }
  }
}

// exit() runs static destructors on the thread that called it; their joins and waits are that thread's
// like any other's. (It used to be taken out of the registry at exit, so its join was in no wait-for
// cycle, and the other threads' checks each paused to confirm that all of them were blocked.)
TEST(PreloadFindings, AJoinAtExitUnderTheLockTheThreadNeeds) {
  const run_result r = run("std_exit_time_joins", {"deadlock"});
  const json* f = ended_with(r, "deadlock");
  ASSERT_NE(f, nullptr) << r.output;
  EXPECT_SITE(user_sites(*f, "waits"), site("std_exit_time_joins", "join_at_exit"));
  EXPECT_NE(f->value("message", "").find("thread 1 (main) waits for join of thread 2"), std::string::npos)
      << f->value("message", "");
}

// C11's <threads.h>: glibc builds it on its pthread functions but calls them inside libc, so it needs
// hooks of its own; before them this program's three bugs all ran clean.
TEST(PreloadFindings, C11ThreadsAreSeen) {
  const std::string program = "std_c11_threads";
  {
    const run_result r = run(program, {"inversion"});
    ASSERT_FALSE(r.timed_out) << r.output;
    ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
    std::set<std::string> symbols;
    for (const json& l : r.findings[0].at("locks")) symbols.insert(l.value("symbol", ""));
    EXPECT_EQ(symbols, (std::set<std::string>{"(anonymous namespace)::accounts", "(anonymous namespace)::ledger"}));
    const auto sites = user_sites(r.findings[0], "acquire");
    EXPECT_SITE(sites, site(program, "accounts_then_ledger"));
    EXPECT_SITE(sites, site(program, "ledger_then_accounts"));
  }
  expect_ended_with_waits(program, {"join"}, "deadlock", {site(program, "join_holding"), site(program, "join_waiter")});
  expect_ended_with_waits(program, {"lost-wakeup"}, "all-threads-blocked", {site(program, "lost_wait")});
}

// A thread a library's static constructor started before the interposer was initialized registers on
// its first lock; a join that began before that still names it, and closes the cycle (before, the join
// was of "a thread" and the run hung until its timeout).
TEST(PreloadFindings, JoinOfAThreadStartedBeforeTheInterposer) {
  expect_ended_with_waits("std_join_early_thread", {}, "deadlock",
                          {site("std_join_early_thread", "join"), site("lib_early_thread", "early_lock")});
}

// pthread spin locks wait by spinning, out of the kernel's sight: their inversion is predicted, and
// two threads spinning on each other's lock are a deadlock, not a hang burning two cores.
TEST(PreloadFindings, SpinLocks) {
  const std::string program = "std_spin_locks";
  const run_result r = run(program, {"inversion"});
  ASSERT_FALSE(r.timed_out) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  for (const json& l : r.findings[0].at("locks")) EXPECT_EQ(l.value("type", ""), "pthread_spinlock_t");
  const auto sites = user_sites(r.findings[0], "acquire");
  EXPECT_SITE(sites, site(program, "first_then_second"));
  EXPECT_SITE(sites, site(program, "second_then_first"));
  expect_ended_with_waits(program, {"deadlock"}, "deadlock",
                          {site(program, "first_then_second"), site(program, "second_then_first")});
}

// jemalloc locks a pthread mutex inside malloc: the runtime, which allocates inside its hooks, called
// back into it while its thread held that lock, and every jemalloc program hung. And tcmalloc's
// initialization calls pthread_once holding a spin lock of its own: the hook's first resolution of the
// real functions allocated, and every tcmalloc program hung at start. The allocator's own lock calls
// pass through, resolution allocates nothing; the program's locks are still seen.
TEST(PreloadFindings, AllocatorThatLocksAPthreadMutex) {
  const std::string program = "std_locking_allocator";
  const run_result r = run(program);
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("names 8002"), std::string::npos) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const auto sites = user_sites(r.findings[0], "acquire");
  EXPECT_SITE(sites, site(program, "names_then_index"));
  EXPECT_SITE(sites, site(program, "index_then_names"));
}

// A wait function shared by several of the program's lines (a library's, built without frame
// pointers) showed every wait with the stack of the thread's first one through it.
void expect_last_wait_named(const std::vector<std::string>& args, const std::string& last, const std::string& first) {
  SCOPED_TRACE(args.empty() ? "no argument" : args[0]);
  const std::string program = "std_wrapped_futex_wait";
  const run_result r = run(program, args);
  const json* f = ended_with(r, "all-threads-blocked");
  ASSERT_NE(f, nullptr);
  std::vector<std::string> lines;  // every frame: the program's first one is the shared function's
  for (const json& w : f->at("waits")) {
    const auto sites = frame_sites(w.at("stack"));
    lines.insert(lines.end(), sites.begin(), sites.end());
  }
  EXPECT_SITE(lines, site(program, last));
  EXPECT_SITE(lines, site(program, "join"));
  EXPECT_FALSE(contains(lines, site(program, first))) << joined(lines);
}

TEST(PreloadFindings, WaitThroughASharedWaitFunctionShowsItsOwnLine) {
  expect_last_wait_named({}, "second_wait", "first_wait");  // told apart by the stack's depth
  expect_last_wait_named({"sibling"}, "sibling_second_wait", "sibling_first_wait");  // by the line above
}

// glibc's barrier waits on a futex word of its own, out of the other hooks' sight: a round that never
// fills, or a waiter holding the lock a party needs before it arrives, ran to the timeout.
TEST(PreloadFindings, BarrierRoundThatNeverFills) {
  const std::string program = "std_barriers";
  const json f = expect_ended_with_waits(program, {"short"}, "all-threads-blocked", {site(program, "short_join")});
  ASSERT_FALSE(f.is_null());
  const auto sites = user_sites(f, "waits");
  EXPECT_EQ(std::count(sites.begin(), sites.end(), site(program, "short_wait")), 2) << joined(sites);
  int barrier_waits = 0;
  for (const json& w : f.at("waits"))
    if (w.value("waits_for", "") == "arrivals at (anonymous namespace)::meeting_point (2 of 3 arrived)") ++barrier_waits;
  EXPECT_EQ(barrier_waits, 2) << f.at("waits").dump();
  EXPECT_EQ(f.at("locks").at(0).value("type", ""), "pthread_barrier_t");
}

TEST(PreloadFindings, BarrierWaiterHoldsWhatAPartyNeeds) {
  const std::string program = "std_barriers";
  const json f = expect_ended_with_waits(program, {"holding"}, "all-threads-blocked",
                                         {site(program, "wait_holding"), site(program, "partner_lock")});
  ASSERT_FALSE(f.is_null());
  const std::string message = f.value("message", "");
  EXPECT_NE(message.find("waits for arrivals at (anonymous namespace)::meeting_point (1 of 2 arrived)"),
            std::string::npos) << message;
  EXPECT_NE(message.find("waits for lock (anonymous namespace)::table_mu held by thread 2"), std::string::npos)
      << message;
}

TEST(PreloadFindings, LostWakeup) {
  expect_ended_with_waits("std_lost_wakeup", {}, "all-threads-blocked", {site("std_lost_wakeup", "wait")});
}

// A notify_one that wakes one waiter leaves the others waiting: notified, as far as the runtime saw,
// but asleep in the condition variable still. They count as blocked, so the hang is named at once.
TEST(PreloadFindings, NotifyOneAtShutdownLeavesTheOtherWorkersBlocked) {
  const run_result r = run("std_notify_one_shutdown");
  const json* f = ended_with(r, "all-threads-blocked");
  ASSERT_NE(f, nullptr);
  const std::vector<std::string> sites = user_sites(*f, "waits");
  EXPECT_EQ(std::count(sites.begin(), sites.end(), site("std_notify_one_shutdown", "wait")), 2)
      << "the two workers the notify did not wake: " << joined(sites);
  EXPECT_SITE(sites, site("std_notify_one_shutdown", "join"));
  // The condition variable is named by its variable, in each wait's text as in the message.
  const std::string cv = "condition variable (anonymous namespace)::work_cv (notified, still asleep)";
  EXPECT_NE(f->value("message", "").find(cv), std::string::npos) << f->value("message", "");
  EXPECT_NE(f->value("message", "").find("notify_one where notify_all was needed"), std::string::npos);
  int cv_waits = 0;
  for (const json& w : f->at("waits"))
    if (w.value("waits_for", "") == cv) ++cv_waits;
  EXPECT_EQ(cv_waits, 2) << f->at("waits").dump();
}

// The same hang, but the worker the notify did not wake is awake (in a signal handler) when the last
// other thread blocks (main, in its join) or ends (a messenger thread): that thread's look cannot tell
// whether the worker was woken, and nobody looks again once it sleeps. A thread about to block waits
// in slices (short at first, longer after 100 ms: awake-long's handler runs 300 ms) and looks again
// after each; an ending one looks again at once for a while. So the hang is still named, not left to
// the timeout.
// A notify_one marks every waiter of its condition variable as notified (which one it wakes is
// unknown), so a correct pool's idle workers read "notified, still asleep". Where a thread waits for a
// lock a blocked thread holds, that hold is the hang, and the message does not blame the notify.
TEST(PreloadFindings, AHangOverALockIsNotBlamedOnTheIdleWorkersNotify) {
  const run_result r = run("std_result_under_lock");
  const json* f = ended_with(r, "all-threads-blocked");
  ASSERT_NE(f, nullptr) << r.output;
  const auto sites = user_sites(*f, "waits");
  EXPECT_SITE(sites, site("std_result_under_lock", "task_lock"));
  EXPECT_SITE(sites, site("std_result_under_lock", "wait_result"));
  const std::string message = f->value("message", "");
  EXPECT_NE(message.find("waits for lock (anonymous namespace)::table_mu held by thread 1 (main)"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("notify_one where notify_all was needed"), std::string::npos) << message;
}

TEST(PreloadFindings, NotifiedWaiterAwakeWhenTheLastThreadBlocksOrEnds) {
  for (const char* mode : {"awake", "awake-long", "awake-exit"}) {
    SCOPED_TRACE(mode);
    const run_result r = run("std_notify_one_shutdown", {mode});
    const json* f = ended_with(r, "all-threads-blocked");
    ASSERT_NE(f, nullptr);
    const std::vector<std::string> sites = user_sites(*f, "waits");
    EXPECT_EQ(std::count(sites.begin(), sites.end(), site("std_notify_one_shutdown", "wait")), 2) << joined(sites);
    EXPECT_SITE(sites, site("std_notify_one_shutdown", "join"));
    EXPECT_NE(f->value("message", "").find("(notified, still asleep)"), std::string::npos) << f->value("message", "");
  }
}

// A lost wakeup with atomics: the value changed, the waiter sleeps on (no notify). Its futex word
// changed, so at first nobody can tell whether a wake is on the way; main's last wait looks again after
// a slice of it ran out, the kernel still has the worker asleep on the word, and the hang is named.
// Main's last wait is each real call the interposer slices.
TEST(PreloadFindings, AtomicChangedWithoutANotify) {
  for (const char* how : {"join", "lock", "rdlock", "wrlock", "sem", "atomic", "future", "cond"}) {
    SCOPED_TRACE(how);
    const run_result r = run("std_atomic_store_without_notify", {how});
    const json* f = ended_with(r, "all-threads-blocked");
    ASSERT_NE(f, nullptr);
    const std::vector<std::string> sites = user_sites(*f, "waits");
    EXPECT_SITE(sites, site("std_atomic_store_without_notify", "wait"));
    if (std::string(how) == "join") {
      EXPECT_SITE(sites, site("std_atomic_store_without_notify", "join"));
    }
    const std::string message = f->value("message", "");
    EXPECT_NE(message.find("a wake of (anonymous namespace)::generation (changed, never woken)"), std::string::npos)
        << message;
    EXPECT_NE(message.find("a store without notify_one/notify_all"), std::string::npos) << message;
  }
}

TEST(PreloadFindings, ConditionVariableWaitedOnWithTwoMutexes) {
  const run_result r = run("std_cv_different_mutex");
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;  // reported, and the program goes on
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"cv-different-mutex"}) << r.output;
  const json& f = r.findings[0];
  EXPECT_NE(f.value("message", "").find("(anonymous namespace)::changed"), std::string::npos) << f.dump(2);
  EXPECT_SITE(user_sites(f, "stack"), site("std_cv_different_mutex", "wait"));
  EXPECT_EQ(f.at("waits").size(), 2u) << f.dump(2);  // the flusher, and the reader waiting already
}

// A one-time initialization (a function-local static's, a std::call_once's) is a lock held by the
// thread running its function: a thread that holds the lock the function needs and reaches the
// initialization meanwhile closes a cycle, and a function that reaches its own initialization re-locks.
TEST(PreloadFindings, OneTimeInitializationDeadlocks) {
  struct row {
    std::string program;
    std::vector<std::string> args;
    std::string kind, symbol, type;
    std::vector<std::string> lines;
  };
  const std::string guard = "guard variable for (anonymous namespace)::";
  for (const row& c : {
           row{"std_initialization_deadlock", {}, "deadlock", "(anonymous namespace)::registry_loaded",
               "pthread_once_t", {"initializer_locks", "call_once"}},
           row{"std_initialization_deadlock", {"static"}, "deadlock", guard + "the_registry()::r",
               "static initialization", {"initializer_locks", "first_use"}},
           row{"std_reentrant_initialization", {}, "recursive-lock", "(anonymous namespace)::setup_done",
               "pthread_once_t", {"call_once"}},
           row{"std_reentrant_initialization", {"static"}, "recursive-lock", guard + "the_service()::s",
               "static initialization", {"first_use"}}}) {
    SCOPED_TRACE(c.program + (c.args.empty() ? "" : " " + c.args[0]));
    const run_result r = run(c.program, c.args);
    EXPECT_EQ(r.output.find("not reached"), std::string::npos);
    const json* f = ended_with(r, c.kind);
    ASSERT_NE(f, nullptr);
    const auto lock = std::find_if(f->at("locks").begin(), f->at("locks").end(),
                                   [&](const json& l) { return l.value("symbol", "") == c.symbol; });
    ASSERT_NE(lock, f->at("locks").end()) << f->dump(2);
    EXPECT_EQ(lock->value("type", ""), c.type);
    EXPECT_EQ(f->at("waits").size(), c.lines.size()) << f->dump(2);
    const auto sites = user_sites(*f, "waits");
    for (const std::string& line : c.lines) EXPECT_SITE(sites, site(c.program, line));
  }
}

// Waits on a futex word are seen (std::future's, POSIX semaphores', std::atomic::wait and what is built
// on it): a thread that holds the lock a handoff's giver needs, and waits for the handoff, leaves every
// thread blocked.
TEST(PreloadFindings, HandoffWaitedForWhileHoldingTheLockItsGiverNeeds) {
  struct row {
    std::string how, waits_for, type;
  };
  for (const row& c : {row{"future", "the result of std::future#", "std::future"},
                       row{"sem", "a post to (anonymous namespace)::refilled_sem", "sem_t"},
                       row{"latch", "a wake of (anonymous namespace)::refilled_latch", "std::latch"},
                       // A word of libstdc++'s own (a barrier's phase is a byte): named by the barrier's type.
                       row{"barrier", "a wake of std::barrier#", "std::barrier"},
                       row{"semaphore", "a wake of (anonymous namespace)::refilled_semaphore", "std::counting_semaphore"},
                       row{"atomic", "a wake of (anonymous namespace)::refilled_flag", "futex word"}}) {
    SCOPED_TRACE(c.how);
    const run_result r = run("std_handoff_holding_lock", {c.how});
    EXPECT_EQ(r.output.find("not reached"), std::string::npos);
    const json* f = ended_with(r, "all-threads-blocked");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(f->at("waits").size(), 2u) << f->dump(2);
    const auto handoff = std::find_if(f->at("waits").begin(), f->at("waits").end(), [&](const json& w) {
      return w.value("waits_for", "").starts_with(c.waits_for);
    });
    ASSERT_NE(handoff, f->at("waits").end()) << f->dump(2);
    const auto waited = std::find_if(f->at("locks").begin(), f->at("locks").end(),
                                     [&](const json& l) { return l.at("id") == handoff->value("lock", json()); });
    ASSERT_NE(waited, f->at("locks").end()) << f->dump(2);
    EXPECT_EQ(waited->value("type", ""), c.type);
    const auto mu = std::find_if(f->at("locks").begin(), f->at("locks").end(), [](const json& l) {
      return l.value("symbol", "") == "(anonymous namespace)::cache_mu";
    });
    ASSERT_NE(mu, f->at("locks").end()) << f->dump(2);
    EXPECT_EQ(handoff->at("holds"), json::array({mu->at("id")}));
    // The giver named itself once it ran: findings use the name the kernel has now.
    EXPECT_NE(f->value("message", "").find(" (refiller) waits for lock (anonymous namespace)::cache_mu"),
              std::string::npos) << f->value("message", "");
    const auto giver = std::find_if(f->at("threads").begin(), f->at("threads").end(),
                                    [](const json& t) { return t.value("name", "") == "refiller"; });
    EXPECT_NE(giver, f->at("threads").end()) << f->at("threads").dump(2);
    const auto sites = user_sites(*f, "waits");
    EXPECT_SITE(sites, site("std_handoff_holding_lock", c.how));
    EXPECT_SITE(sites, site("std_handoff_holding_lock", "worker_locks"));
  }
}

// A latch or barrier that expects a thread more than ever comes: every thread is blocked, the wait is
// named by the standard object (the latch by its variable; the barrier, waited for on a word of
// libstdc++'s own, by its type), and the latch's count that changed without a wake, as it does until
// zero, is not called a lost wake.
TEST(PreloadFindings, LatchOrBarrierShortOfAThread) {
  struct row {
    std::string how, waits_for, type, completes;
  };
  for (const row& c : {row{"latch", "a wake of (anonymous namespace)::started", "std::latch",
                           "A std::latch wakes its waiters only when its count reaches zero"},
                       row{"barrier", "a wake of std::barrier#", "std::barrier",
                           "A std::barrier wakes its waiters only when every expected thread has arrived"}}) {
    for (const std::string program : {"std_sync_short_of_a_thread", "std_sync_short_of_a_thread_debug"}) {
      SCOPED_TRACE(program + " " + c.how);
      const run_result r = run(program, {c.how});
      const json* f = ended_with(r, "all-threads-blocked");
      ASSERT_NE(f, nullptr);
      ASSERT_EQ(f->at("waits").size(), 3u) << f->dump(2);
      std::size_t waiters = 0;
      for (const json& w : f->at("waits")) {
        if (!w.value("waits_for", "").starts_with(c.waits_for)) continue;
        ++waiters;
        EXPECT_EQ(w.value("waits_for", "").find("never woken"), std::string::npos) << w.dump(2);
        const auto lock = std::find_if(f->at("locks").begin(), f->at("locks").end(),
                                       [&](const json& l) { return l.at("id") == w.value("lock", json()); });
        ASSERT_NE(lock, f->at("locks").end()) << f->dump(2);
        EXPECT_EQ(lock->value("type", ""), c.type);
      }
      EXPECT_EQ(waiters, 2u) << f->dump(2);
      const std::string message = f->value("message", "");
      EXPECT_NE(message.find(c.completes), std::string::npos) << message;
      EXPECT_EQ(message.find("never woken"), std::string::npos) << message;
      EXPECT_EQ(message.find("notify"), std::string::npos) << message;
      // At -O0 the waits are in the lambda's code, which GCC describes inside main.
      const auto sites = user_sites(*f, "waits");
      EXPECT_SITE(sites, site("std_sync_short_of_a_thread", c.how));
      EXPECT_SITE(sites, site("std_sync_short_of_a_thread", "join"));
    }
  }
}

// libc++'s std::atomic::wait (here a std::latch's) sleeps in 2-second timed futex waits and waits again:
// taken as the untimed wait it is, the hang is named at once instead of running to the timeout.
TEST(PreloadFindings, LibcxxLatchShortOfAThread) {
  if (missing_optional_build("libcxx_std_sync_short_of_a_thread")) GTEST_SKIP() << "built without clang++";
  const run_result r = run("libcxx_std_sync_short_of_a_thread", {"latch"}, with_timeout(20));
  const json* f = ended_with(r, "all-threads-blocked");
  ASSERT_NE(f, nullptr);
  std::size_t latch_waits = 0;
  for (const json& w : f->at("waits")) {
    if (!w.value("waits_for", "").starts_with("a wake of ")) continue;
    ++latch_waits;
    EXPECT_EQ(w.value("waits_for", "").find("(timed)"), std::string::npos) << w.dump(2);
    const auto lock = std::find_if(f->at("locks").begin(), f->at("locks").end(),
                                   [&](const json& l) { return l.at("id") == w.value("lock", json()); });
    ASSERT_NE(lock, f->at("locks").end()) << f->dump(2);
    EXPECT_EQ(lock->value("type", ""), "std::latch");  // libc++'s names are std::__1::...
  }
  EXPECT_EQ(latch_waits, 2u) << f->dump(2);
  const auto sites = user_sites(*f, "waits");
  EXPECT_SITE(sites, site("std_sync_short_of_a_thread", "latch"));
  EXPECT_SITE(sites, site("std_sync_short_of_a_thread", "join"));
}

// A futex-word waiter is announced before it is asleep in its real wait, and under `controlled` the
// turn handoff between the two is long: the thread that blocks last may look before the waiter sleeps.
// The all-blocked rule confirms over its pauses and asks the kernel only then (4 of 30 runs of the
// future case timed out before).
TEST(PreloadStrategies, ControlledStillNamesAHandoffNobodyCanGive) {
  for (const std::string how : {"future", "atomic"}) {
    for (int seed = 1; seed <= 6; ++seed) {
      SCOPED_TRACE(how + " seed " + std::to_string(seed));
      run_options opt;
      opt.env = {"GRIDLOCK_STRATEGY=controlled", "GRIDLOCK_SEED=" + std::to_string(seed)};
      opt.timeout_s = 5;
      const run_result r = run("std_handoff_holding_lock", {how}, opt);
      ASSERT_FALSE(r.timed_out) << r.output;
      EXPECT_NE(ended_with(r, "all-threads-blocked"), nullptr);
    }
  }
}

// A thread that blocks for good while another that ended is still leaving (the OS still lists it): the
// all-blocked check waits for it to go instead of taking it for a thread it does not know.
TEST(PreloadFindings, EveryThreadBlockedWhileAnEndedOneIsStillLeaving) {
  run_options opt;
  opt.timeout_s = 10;
  const run_result r = run("std_wait_while_workers_leave", {}, opt);
  ASSERT_FALSE(r.timed_out) << r.output;
  const json* f = ended_with(r, "all-threads-blocked");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->at("waits").size(), 1u) << f->dump(2);
  EXPECT_TRUE(f->at("waits")[0].value("waits_for", "").starts_with("condition variable (anonymous namespace)::refilled"))
      << f->dump(2);
  EXPECT_SITE(user_sites(*f, "waits"), site("std_wait_while_workers_leave", "wait"));
}

TEST(PreloadFindings, RelockOfPlainMutex) {
  const run_result r = run("std_relock");
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"recursive-lock"}) << r.output;
  EXPECT_SITE(user_sites(r.findings[0], "stack"), site("std_relock", "relock"));
}

TEST(PreloadFindings, AnInversionOverALazilyMadeMutexIsStillACycle) {
  // Its creation, locked under creation_mu, is no order (PreloadSilent runs it without one); a later
  // lock of it under creation_mu is.
  const run_result r = run("std_lazy_mutex", {"inverted"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-order-cycle"}) << r.output;
  const auto acquired = user_sites(r.findings[0], "acquire");
  EXPECT_SITE(acquired, site("std_lazy_mutex", "inverted"));
  EXPECT_FALSE(contains(acquired, site("std_lazy_mutex", "created_locked"))) << joined(acquired);
}

// ---- locks that libraries build of their own (OpenMP's, Abseil's) ----

/// The symbols and types of a finding's locks.
std::set<std::string> lock_symbols(const json& f) {
  std::set<std::string> symbols;
  for (const json& l : f.at("locks")) symbols.insert(l.value("symbol", "") + " : " + l.value("type", ""));
  return symbols;
}

/// The one finding, a lock-order cycle, of `program` run with `mode`, which it must survive; null (the
/// test failed) if not.
json lone_cycle(const std::string& program, const std::string& mode) {
  const run_result r = run(program, {mode});
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (r.kinds() != std::multiset<std::string>{"lock-order-cycle"}) {
    ADD_FAILURE() << r.output;
    return nullptr;
  }
  return r.findings[0];
}

// ---- OpenMP's locks (GCC's libgomp: hooks_omp.cpp) ----

TEST(PreloadOpenMP, CriticalSectionsNestedBothWaysAreACycleNamedForTheSections) {
  if (missing_optional_build("omp_locks")) GTEST_SKIP() << "built without OpenMP";
  const json f = lone_cycle("omp_locks", "sections");
  if (f.is_null()) return;
  EXPECT_EQ(lock_symbols(f), (std::set<std::string>{"omp critical(accounts) : OpenMP critical section",
                                                    "omp critical(audit) : OpenMP critical section"}));
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(acquired, site("omp_locks", "audit_inside_accounts"));
  EXPECT_SITE(acquired, site("omp_locks", "accounts_inside_audit"));
  const auto held = user_sites(f, "held");
  EXPECT_SITE(held, site("omp_locks", "outer_accounts"));
  EXPECT_SITE(held, site("omp_locks", "outer_audit"));
}

TEST(PreloadOpenMP, CriticalSectionsEnteredBothWaysAtOnceAreADeadlock) {
  if (missing_optional_build("omp_locks")) GTEST_SKIP() << "built without OpenMP";
  const json f = expect_ended_with_waits("omp_locks", {"deadlock"}, "deadlock",
                                         {site("omp_locks", "audit_inside_accounts"),
                                          site("omp_locks", "accounts_inside_audit")});
  EXPECT_NE(f.value("message", "").find("waits for lock omp critical(audit) held by"), std::string::npos) << f.dump(2);
}

TEST(PreloadOpenMP, TheUnnamedSectionEnteredFromInsideItselfIsARecursiveLock) {
  // Every `#pragma omp critical` without a name is one lock: a function that enters one, called from
  // inside another, hangs the thread for ever.
  if (missing_optional_build("omp_locks")) GTEST_SKIP() << "built without OpenMP";
  const run_result r = run("omp_locks", {"relock"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"recursive-lock"}) << r.output;
  const json& f = r.findings[0];
  EXPECT_EQ(lock_symbols(f), std::set<std::string>{"omp critical : OpenMP critical section"});
  EXPECT_SITE(user_sites(f, "stack"), site("omp_locks", "relock"));
  EXPECT_SITE(user_sites(f, "held"), site("omp_locks", "first_lock"));
}

TEST(PreloadOpenMP, SimpleLocksTakenBothWaysAreACycle) {
  if (missing_optional_build("omp_locks")) GTEST_SKIP() << "built without OpenMP";
  const json f = lone_cycle("omp_locks", "locks");
  if (f.is_null()) return;
  EXPECT_EQ(lock_symbols(f), (std::set<std::string>{"(anonymous namespace)::journal : omp_lock_t",
                                                    "(anonymous namespace)::ledger : omp_lock_t"}));
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(acquired, site("omp_locks", "journal_inside_ledger"));
  EXPECT_SITE(acquired, site("omp_locks", "ledger_inside_journal"));
}

// ---- Abseil's absl::Mutex and absl::CondVar (libabsl_synchronization.so: hooks_absl.cpp) ----

TEST(PreloadAbseil, MutexesTakenBothWaysAreACycle) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const json f = lone_cycle("absl_locks", "inversion");
  if (f.is_null()) return;
  EXPECT_EQ(lock_symbols(f), (std::set<std::string>{"(anonymous namespace)::accounts : absl::Mutex",
                                                    "(anonymous namespace)::audit : absl::Mutex"}));
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(acquired, site("absl_locks", "audit_inside_accounts"));
  EXPECT_SITE(acquired, site("absl_locks", "accounts_inside_audit"));
  const auto held = user_sites(f, "held");
  EXPECT_SITE(held, site("absl_locks", "outer_accounts"));
  EXPECT_SITE(held, site("absl_locks", "outer_audit"));
}

// Abseil's own detector sees absl::Mutex only.
TEST(PreloadAbseil, AnAbslMutexAndAStdMutexTakenBothWaysAreACycle) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const json f = lone_cycle("absl_locks", "mixed");
  if (f.is_null()) return;
  EXPECT_EQ(lock_symbols(f), (std::set<std::string>{"(anonymous namespace)::accounts : absl::Mutex",
                                                    "(anonymous namespace)::journal : pthread_mutex_t"}));
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(acquired, site("absl_locks", "journal_inside_accounts"));
  EXPECT_SITE(acquired, site("absl_locks", "accounts_inside_journal"));
}

TEST(PreloadAbseil, MutexesTakenBothWaysAtOnceAreADeadlock) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const json f = expect_ended_with_waits("absl_locks", {"deadlock"}, "deadlock",
                                         {site("absl_locks", "audit_inside_accounts"),
                                          site("absl_locks", "accounts_inside_audit")});
  EXPECT_NE(f.value("message", "").find("waits for lock (anonymous namespace)::audit held by"), std::string::npos)
      << f.dump(2);
}

TEST(PreloadAbseil, AMutexLockedAgainByItsHolderIsARecursiveLock) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const run_result r = run("absl_locks", {"relock"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"recursive-lock"}) << r.output;
  const json& f = r.findings[0];
  EXPECT_EQ(lock_symbols(f), std::set<std::string>{"(anonymous namespace)::accounts : absl::Mutex"});
  EXPECT_SITE(user_sites(f, "stack"), site("absl_locks", "relock"));
  EXPECT_SITE(user_sites(f, "held"), site("absl_locks", "first_lock"));
}

// CondVar::Wait releases its mutex and takes it again before it returns: taken again under `audit`,
// which the waiter took after it, it closes a cycle with that first take.
TEST(PreloadAbseil, ACondVarWaitTakesItsMutexAgainUnderWhatTheWaiterHolds) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const json f = lone_cycle("absl_locks", "wait");
  if (f.is_null()) return;
  const auto acquired = user_sites(f, "acquire");
  EXPECT_SITE(acquired, site("absl_locks", "audit_after_accounts"));
  EXPECT_SITE(acquired, site("absl_locks", "wait_holding_audit"));
}

// Abseil's own waits sleep on futex words inside the library; the lock its giver waits for is named.
TEST(PreloadAbseil, ANotificationWaitedForUnderTheLockItsGiverNeedsBlocksEveryThread) {
  if (missing_optional_build("absl_locks")) GTEST_SKIP() << "built without Abseil";
  const json f = expect_ended_with_waits("absl_locks", {"notify"}, "all-threads-blocked",
                                         {site("absl_locks", "wait_for_notification"),
                                          site("absl_locks", "giver_needs_accounts")});
  EXPECT_NE(f.value("message", "").find("waits for lock (anonymous namespace)::accounts held by thread 1 (main)"),
            std::string::npos)
      << f.dump(2);
}

// libstdc++'s std::shared_mutex is a pthread_rwlock_t; libc++'s is built on a mutex and two condition
// variables, whose own members the library hooks as a reader-writer lock (hooks_libcxx.cpp).
TEST(PreloadFindings, SharedMutexUpgrade) {
  for (const auto& [program, type] : std::vector<std::pair<std::string, std::string>>{
           {"std_lock_upgrade", "pthread_rwlock_t"}, {"libcxx_std_lock_upgrade", "std::shared_mutex"}}) {
    SCOPED_TRACE(program);
    if (missing_optional_build(program)) continue;
    const run_result r = run(program);
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, deadlock_exit) << r.output;
    ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-upgrade"}) << r.output;
    EXPECT_EQ(r.findings[0].at("locks").at(0).value("type", ""), type);
    EXPECT_SITE(user_sites(r.findings[0], "stack"), site("std_lock_upgrade", "upgrade"));
  }
}

// Also with libc++, whose runtime (libc++abi, LLVM's libunwind) crashes in a personality routine on
// glibc's pthread_exit unwinding: the library's thread start frame has none, so a thread whose own
// frames have none either ends as it does without the library.
TEST(PreloadFindings, ThreadsExitHoldingMutexes) {
  for (const std::string program : {"std_lock_held_at_exit", "libcxx_std_lock_held_at_exit"}) {
    SCOPED_TRACE(program);
    if (missing_optional_build(program)) continue;
    const run_result r = run(program);
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(r.kinds(), (std::multiset<std::string>{"lock-held-at-exit", "lock-held-at-exit"})) << r.output;
    std::vector<std::string> sites;
    for (const json& f : r.findings)
      for (const std::string& s : user_sites(f, "held")) sites.push_back(s);
    EXPECT_SITE(sites, site("std_lock_held_at_exit", "leak"));       // returned from its body
    EXPECT_SITE(sites, site("std_lock_held_at_exit", "leak_exit"));  // pthread_exit()
  }
}

// A robust mutex's holder that ends hands it on: the finding says what its next locker gets instead of
// a wait for ever.
TEST(PreloadFindings, RobustMutexHeldAtExitGoesToTheNextLockerWithEownerdead) {
  const run_result r = run("std_lock_held_at_exit", {"robust"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"lock-held-at-exit"}) << r.output;
  const json& f = r.findings[0];
  EXPECT_NE(f.value("message", "").find("the next to lock it gets EOWNERDEAD"), std::string::npos) << f.dump(2);
  EXPECT_EQ(f.value("message", "").find("waits forever"), std::string::npos) << f.dump(2);
  EXPECT_SITE(user_sites(f, "held"), site("std_lock_held_at_exit", "leak_robust"));
}

// A handler that locks what a thread takes outside it with the signal unblocked: found whichever side
// comes first, with no run where the signal interrupts the holder; named by the handler's line and the
// other thread's. A signal sent to one thread alone counts where that thread takes the lock itself.
TEST(PreloadFindings, SignalHandlerLocksWhatAThreadTakesWithTheSignalUnblocked) {
  for (const std::string mode : {"after", "before", "directed"}) {
    SCOPED_TRACE(mode);
    const run_result r = run("std_signal_handler_lock", {mode});
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(r.kinds(), std::multiset<std::string>{"signal-handler-lock"}) << r.output;
    const json& f = r.findings[0];
    ASSERT_EQ(f.at("locks").size(), 1u) << f.dump(2);
    EXPECT_NE(f.at("locks")[0].value("symbol", "").find("log_mu"), std::string::npos) << f.dump(2);
    const std::string signal = mode == "directed" ? "SIGUSR1" : "SIGTERM";
    EXPECT_EQ(f.value("message", "").rfind(signal + "'s handler locks ", 0), 0u) << f.value("message", "");
    EXPECT_SITE(user_sites(f, "waits"), site("std_signal_handler_lock", "handler_lock"));
    EXPECT_SITE(user_sites(f, "held"), site("std_signal_handler_lock", "worker_lock"));
    // The handler ran on main (a signal to the process) or on the thread it was sent to, which is then
    // the one thread named; the lock was taken outside the handler by a worker.
    EXPECT_EQ(f.at("threads").size(), mode == "directed" ? 1u : 2u) << f.dump(2);
    EXPECT_EQ(f.at("waits")[0].value("thread", 0u), mode == "directed" ? 3u : 1u) << f.dump(2);
  }
}

TEST(PreloadFindings, UnlockOfUnlockedMutex) {
  const run_result r = run("std_unlock_not_owner");
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.kinds(), std::multiset<std::string>{"unlock-not-owner"}) << r.output;
  EXPECT_SITE(user_sites(r.findings[0], "stack"), site("std_unlock_not_owner", "bad_unlock"));
}

TEST(PreloadFindings, ForkedChildWaitsForALockItsParentsThreadHeld) {
  const run_result r = run("std_fork_held_lock");
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("child exit 86"), std::string::npos) << r.output;
  const json* f = first_of(r, "deadlock");
  ASSERT_NE(f, nullptr) << r.output;
  EXPECT_SITE(user_sites(*f, "waits"), site("std_fork_held_lock", "child_lock"));
  // Its holder did not exit: fork() copied only the forking thread.
  EXPECT_NE(f->value("message", "").find(" which is not in this forked child (it held the lock when the parent forked)"),
            std::string::npos)
      << f->value("message", "");
}

// ---- correct programs: silence, run after run ----

// Handlers that lock safely: what only threads blocking the signal take, with a try, a signal sent to a
// thread that never takes the lock outside the handler, and a handler left by siglongjmp (the thread's
// later locks are not the handler's).
TEST(PreloadSilentSignalHandlers, LockingSafelyReportsNothing) {
  for (const std::string mode : {"blocked", "try", "elsewhere", "longjmp"}) {
    SCOPED_TRACE(mode);
    const run_result r = run("std_signal_handler_lock", {mode});
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
    EXPECT_NE(r.output.find("done"), std::string::npos) << r.output;
  }
}

class PreloadSilent : public ::testing::TestWithParam<const char*> {};

TEST_P(PreloadSilent, ReportsNothing) {
  if (missing_optional_build(GetParam())) GTEST_SKIP() << "built without clang++, OpenMP or Abseil";
  for (int i = 0; i < 3; ++i) {
    const run_result r = run(GetParam());
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
    EXPECT_EQ(r.output.find("gridlock:"), std::string::npos) << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(CorrectPrograms, PreloadSilent,
                         ::testing::Values("std_scoped_lock", "std_ordered_locking", "std_gate_lock",
                                           "std_try_lock_backoff", "std_recursive_mutex",
                                           "std_read_read_nesting", "std_cv_predicate", "std_thread_pool",
                                           "std_gtest_sample", "std_thousand_threads", "std_fork",
                                           "std_signal_handler", "std_timed_locks",
                                           "std_pthread_defined_errors", "std_many_held",
                                           "std_reused_mutex_memory", "std_one_time_init", "std_futures",
                                           "std_handoffs", "std_semaphore_posted_by_signal", "std_process_shared_fork", "std_c11_threads",
                                           "std_spin_locks", "std_barriers", "std_lock_in_key_destructor",
                                           "libcxx_std_read_read_nesting", "libcxx_std_timed_locks",
                                           "libcxx_std_many_held", "omp_locks", "absl_locks",
                                           "std_lazy_mutex", "std_registered_frames", "std_exit_time_joins"));

TEST(PreloadRobust, LockHeavyProgramUnchanged) {
  for (int i = 0; i < 3; ++i) {
    const run_result r = run("std_lock_heavy", {"300"});
    ASSERT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
    EXPECT_NE(r.output.find("tasks 300 "), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("gridlock:"), std::string::npos) << r.output;
  }
}

TEST(PreloadRobust, EvictionUnderConcurrentUse) {
  // 64 shard mutexes and more than that in all, with room for 64 records: records are evicted and
  // re-created all the time while other threads use them.
  const run_result r = run("std_lock_heavy", {"300", "4"}, with_env("GRIDLOCK_MAX_LOCKS=64"));
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
  EXPECT_NE(r.output.find("evicted"), std::string::npos) << r.output;
}

TEST(PreloadRobust, ReadHeldRecordSurvivesEviction) {
  // Locks keep no reader count: eviction must find the read-held record in the reader's held set.
  const run_result r = run("std_read_held_eviction", {"4096"}, with_env("GRIDLOCK_MAX_LOCKS=64"));
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
  EXPECT_NE(r.output.find("evicted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("churned 4096"), std::string::npos) << r.output;
}

long peak_rss_kib(const std::string& output) {
  const auto at = output.find("peak_rss_kib ");
  return at == std::string::npos ? -1 : std::atol(output.c_str() + at + 13);
}

TEST(PreloadRobust, MillionDistinctMutexesStayBounded) {
  const run_result unloaded = run("std_many_mutexes", {"1000000"}, bare());
  const run_result r = run("std_many_mutexes", {"1000000"}, with_timeout(120));
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.findings.empty()) << r.findings.dump(2);
  const long bare_kib = peak_rss_kib(unloaded.output);
  const long kib = peak_rss_kib(r.output);
  std::printf("[ preload  ] 10^6 mutexes: peak RSS bare %ld MiB, preloaded %ld MiB\n", bare_kib / 1024, kib / 1024);
  ASSERT_GT(bare_kib, 0);
  ASSERT_GT(kib, 0);
  EXPECT_LT(kib - bare_kib, 160 * 1024);
}

TEST(PreloadRobust, ProgramsEndWithLocksHeld) {
  const std::map<std::string, int> expected = {{"return", 7}, {"exit", 5}, {"abort", 128 + SIGABRT}};
  for (const auto& [how, code] : expected) {
    const run_result r = run("std_exit_with_locks", {how});
    ASSERT_FALSE(r.timed_out) << how << "\n" << r.output;
    EXPECT_EQ(r.exit_code, code) << how << "\n" << r.output;
    EXPECT_TRUE(r.findings.empty()) << how << "\n" << r.findings.dump(2);
    EXPECT_EQ(r.output.find("gridlock:"), std::string::npos) << how << "\n" << r.output;
  }
}

// ---- a program that links libgridlock.a itself, under the interposer ----

/// The child: this very test binary, run again under LD_PRELOAD with only this test selected.
TEST(PreloadEmbeddedChild, Workload) {
  if (std::getenv("GRIDLOCK_PRELOAD_EMBEDDED_CHILD") == nullptr) GTEST_SKIP() << "run by PreloadEmbedded";
  // Gridlock's own primitives, correctly used: their condition variable runs std:: internals inside
  // an internal_scope of this program's runtime, which the interposer must leave alone.
  gridlock::mutex mu("queue");
  gridlock::condition_variable cv("nonempty");
  int items = 0;
  gridlock::thread producer = gridlock::thread::named("producer", [&] {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<gridlock::mutex> g(mu);
        ++items;
      }
      cv.notify_one();
    }
  });
  int taken = 0;
  while (taken < 200) {
    std::unique_lock<gridlock::mutex> lk(mu);
    cv.wait(lk, [&] { return items > 0; });
    taken += items;
    items = 0;
  }
  producer.join();
  // Inside this program's internal_scope even a misuse is the runtime's own business: not reported.
  {
    gridlock::internal_scope scope;
    std::mutex m;
    m.unlock();
  }
  // A gridlock::mutex inversion (this program's runtime reports it) and a std::mutex inversion (the
  // interposer's runtime reports it).
  gridlock::mutex ga("ga"), gb("gb");
  std::thread([&] { std::scoped_lock<gridlock::mutex> a(ga); std::lock_guard<gridlock::mutex> b(gb); }).join();
  std::thread([&] { std::lock_guard<gridlock::mutex> b(gb); std::lock_guard<gridlock::mutex> a(ga); }).join();
  std::mutex sa, sb;
  std::thread([&] { std::lock_guard<std::mutex> a(sa); std::lock_guard<std::mutex> b(sb); }).join();
  std::thread([&] { std::lock_guard<std::mutex> b(sb); std::lock_guard<std::mutex> a(sa); }).join();
}

TEST(PreloadEmbedded, OwnRuntimeAndInterposerReportSeparately) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  const run_result r = run_path(self, {"--gtest_filter=PreloadEmbeddedChild.Workload"},
                                with_env("GRIDLOCK_PRELOAD_EMBEDDED_CHILD=1"));
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The program's own runtime: the gridlock::mutex inversion only.
  ASSERT_EQ(r.findings.size(), 1u) << r.findings.dump(2);
  EXPECT_EQ(r.findings[0].value("kind", ""), "lock-order-cycle");
  EXPECT_EQ(r.findings[0].at("locks").at(0).value("type", ""), "gridlock::mutex");
  // The interposer's runtime, in its own file: the std::mutex inversion only (nothing from inside the
  // program's internal scopes).
  ASSERT_TRUE(r.preload_findings.is_array()) << r.output;
  ASSERT_EQ(r.preload_findings.size(), 1u) << r.preload_findings.dump(2);
  EXPECT_EQ(r.preload_findings[0].value("kind", ""), "lock-order-cycle");
  EXPECT_EQ(r.preload_findings[0].at("locks").at(0).value("type", ""), "pthread_mutex_t");
}

}  // namespace
