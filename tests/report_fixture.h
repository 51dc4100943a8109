// A run report made up by hand for the writers' tests (report_junit_test, report_html_test,
// report_sarif_test, baseline_test): symbolized findings whose names are full of the characters markup
// needs escaped (C++ templates: < > &), stacks with Gridlock's and the standard library's frames on top
// as real ones have, a file under the source root and one outside it, a finding with no source line at
// all, and runs that pass, fail, crash and miss their expected verdict. Plus running a tool and reading
// what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace report_fixture {

using nlohmann::json;

inline constexpr const char* source_root = "/src/app";
/// A user function as a demangler writes it: a return type, templates, references.
inline constexpr const char* worker_fn = "void app::worker<std::map<int, std::vector<int>>>(app::guard<A&B>&)";
inline constexpr const char* cycle_fingerprint = "1111aaaa2222bbbb";
inline constexpr const char* deadlock_fingerprint = "3333cccc4444dddd";
inline constexpr const char* bare_fingerprint = "5555eeee6666ffff";

inline json frame(const std::string& function, const std::string& file, int line) {
  return {{"address", "0x1000"}, {"module", "/src/app/build/app"}, {"offset", "0x1000"},
          {"function", function}, {"file", file}, {"line", line}};
}

/// `f` with its line of source, as the report-writing process reads it.
inline json code_at(json f, const std::string& code) {
  f["code"] = code;
  return f;
}

/// Gridlock's and the standard library's frames, as every real acquisition stack begins.
inline json plumbing_then(json user_frames) {
  json stack = json::array({frame("void gridlock::detail::acquire<gridlock::detail::exclusive_lock<>>(gridlock::lock_record*)",
                                  "/src/app/third_party/gridlock/lock_choreography.h", 21),
                            frame("std::lock_guard<gridlock::mutex>::lock_guard(gridlock::mutex&)",
                                  "/usr/include/c++/12/bits/std_mutex.h", 229)});
  for (json& f : user_frames) stack.push_back(std::move(f));
  return stack;
}

/// A lock-order cycle between the locks "A<int>" and "B&co".
inline json cycle_finding() {
  const json lock_a = {{"id", 1}, {"name", "A<int>"}, {"type", "gridlock::mutex"}, {"address", "0x10"}, {"created", json::array()}};
  const json lock_b = {{"id", 2}, {"name", "B&co"}, {"type", "gridlock::mutex"}, {"address", "0x20"}, {"created", json::array()}};
  return {{"kind", "lock-order-cycle"},
          {"fingerprint", cycle_fingerprint},
          {"message", "potential deadlock: locks are taken in a cycle (A<int> -> B&co -> A<int>)"},
          {"locks", {lock_a, lock_b}},
          {"threads", {{{"id", 1}, {"tid", 100}, {"name", "main"}}, {{"id", 2}, {"tid", 101}, {"name", "<worker>"}}}},
          {"edges",
           {{{"from", 1}, {"to", 2}, {"from_mode", "exclusive"}, {"to_mode", "exclusive"}, {"thread", 2},
             {"held_stack", plumbing_then({frame(worker_fn, "/src/app/src/worker.cpp", 41)})},
             {"acquire_stack", plumbing_then({code_at(frame(worker_fn, "/src/app/src/worker.cpp", 42), "std::lock_guard<B&co> second(b);"),
                                              frame("main", "/src/app/src/main.cpp", 7)})}},
            {{"from", 2}, {"to", 1}, {"from_mode", "exclusive"}, {"to_mode", "exclusive"}, {"thread", 1},
             {"held_stack", plumbing_then({frame("bool operator&(a::b<c>, d)", "/opt/vendor/lib.h", 10)})},
             {"acquire_stack", plumbing_then({frame("bool operator&(a::b<c>, d)", "/opt/vendor/lib.h", 11)})}}}},
          {"waits", json::array()},
          {"stack", json::array()}};
}

/// An actual deadlock: main holds A<int> and joins the worker, which waits for A<int>.
inline json deadlock_finding() {
  return {{"kind", "deadlock"},
          {"fingerprint", deadlock_fingerprint},
          {"message", "deadlock: thread 1 (main) waits for join of thread 2 (<worker>), which waits for A<int>"},
          {"locks", {{{"id", 1}, {"name", "A<int>"}, {"type", "gridlock::mutex"}, {"address", "0x10"}, {"created", json::array()}}}},
          {"threads", {{{"id", 1}, {"tid", 100}, {"name", "main"}}, {{"id", 2}, {"tid", 101}, {"name", "<worker>"}}}},
          {"edges", json::array()},
          {"waits",
           {{{"thread", 1}, {"waits_for", "join of thread 2 (<worker>)"}, {"holds", {1}},
             {"stack", {frame("gridlock::thread::join()", "/src/app/third_party/gridlock/thread.h", 43),
                        frame("main", "/src/app/src/main.cpp", 20)}}},
            {{"thread", 2}, {"waits_for", "lock A<int> held by thread 1 (main)"}, {"lock", 1}, {"holds", json::array()},
             {"stack", plumbing_then({frame(worker_fn, "/src/app/src/worker.cpp", 50)})}}}},
          {"stack", {frame("gridlock::thread::join()", "/src/app/third_party/gridlock/thread.h", 43),
                     frame("main", "/src/app/src/main.cpp", 20)}}};
}

inline constexpr const char* held_at_exit_fingerprint = "7777aaaa8888bbbb";

/// A misuse finding: thread 2 exits holding A<int>, with where it took it (an acquisition record: an edge
/// from the lock to itself).
inline json held_at_exit_finding() {
  const json exit_stack = plumbing_then({frame(worker_fn, "/src/app/src/worker.cpp", 33)});
  return {{"kind", "lock-held-at-exit"},
          {"fingerprint", held_at_exit_fingerprint},
          {"message", "thread 2 (<worker>) exits while holding A<int>: whoever waits for them waits forever"},
          {"locks", {{{"id", 1}, {"name", "A<int>"}, {"type", "std::mutex"}, {"address", "0x10"}, {"created", json::array()}}}},
          {"threads", {{{"id", 2}, {"tid", 101}, {"name", "<worker>"}}}},
          {"edges",
           {{{"from", 1}, {"to", 1}, {"from_mode", "exclusive"}, {"to_mode", "exclusive"}, {"thread", 2},
             {"held_stack", plumbing_then({frame(worker_fn, "/src/app/src/worker.cpp", 30)})}, {"acquire_stack", json::array()}}}},
          {"waits", {{{"thread", 2}, {"holds", {1}}, {"stack", exit_stack}}}},
          {"stack", exit_stack}};
}

/// A finding with no source line anywhere (a build without -g).
inline json bare_finding() {
  return {{"kind", "wait-group-negative"},
          {"fingerprint", bare_fingerprint},
          {"message", "wait group jobs goes below zero"},
          {"locks", json::array()},
          {"threads", {{{"id", 1}, {"tid", 100}, {"name", "main"}}}},
          {"edges", json::array()},
          {"waits", json::array()},
          {"stack", {{{"address", "0x2000"}, {"module", "/src/app/build/app"}, {"offset", "0x2000"}, {"function", ""},
                      {"file", ""}, {"line", 0}}}}};
}

inline json run(const std::string& name, std::uint64_t seed, const std::string& expected, const std::string& outcome,
                json findings = json::array()) {
  json r = {{"name", name}, {"kind", "scenario"}, {"seed", seed}, {"strategy", "none"}, {"expected", expected},
            {"outcome", outcome}, {"duration_ms", 15}, {"findings", std::move(findings)}};
  if (outcome == "crash") r["signal"] = 11;
  else r["exit_code"] = outcome == "clean" ? 0 : 86;
  if (outcome != "clean") r["reproduce"] = "gridlock reproduce gl1:" + name + "-" + std::to_string(seed);
  return r;
}

/// `gridlock run` of five scenarios: abba finds its cycle twice (as expected); calm deadlocks once
/// (unexpected); missed finds nothing (unexpected); crashy crashes; bare finds a location-less finding.
inline json report() {
  json crash = run("crashy", 1, "clean", "crash");
  crash["stderr"] = "boom \x01\x1b[31m <fatal> & \xe2\x82";  // control bytes, and UTF-8 cut mid-character
  return {{"tool", "gridlock"},
          {"version", "0.1.0"},
          {"command", "run"},
          {"runs",
           {run("abba", 1, "finding", "finding", {cycle_finding()}), run("abba", 2, "finding", "finding", {cycle_finding()}),
            run("calm", 1, "clean", "finding", {deadlock_finding()}), run("calm", 2, "clean", "clean"),
            run("missed", 1, "finding", "clean"), crash, run("bare", 1, "finding", "finding", {bare_finding()})}}};
}

/// As a report file holds it: UTF-8, with what is not (a child's output cut mid-character) replaced.
inline std::string text_of(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// What a command printed (stdout and stderr together) and its exit code; -1 if it did not exit.
struct result {
  int code = -1;
  std::string output;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string quoted(const std::string& word) {
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// Runs a shell command, its output into `scratch`.
inline result shell(const std::string& command, const std::filesystem::path& scratch) {
  const int status = std::system((command + " >" + quoted(scratch.string()) + " 2>&1 </dev/null").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(scratch)};
}

inline bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace report_fixture
