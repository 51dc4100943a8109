// gridlock::check: the iterations (or the one GRIDLOCK_REPRODUCE names), and the first failing one told
// as a test failure: what happened, each distinct finding symbolized, and the line that replays it.
#include "gridlock/check.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "finding_json.h"
#include "finding_text.h"
#include "gridlock/runtime.h"
#include "iteration.h"
#include "reproduce_value.h"
#include "runner/trial.h"

namespace gridlock {
namespace {

using nlohmann::json;

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/proc/self/exe");
}

/// `s` as one shell word: as it is when that is safe, else in single quotes.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%", c) != nullptr;
  });
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string plural(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

/// The iteration's findings symbolized in this process (the child's modules are ours: it is a fork), each
/// fingerprint once.
std::vector<check_finding> distinct_findings(std::vector<json>& encoded) {
  symbolizer sym;
  std::vector<check_finding> out;
  for (json& j : encoded) {
    symbolize_finding(j, sym);
    add_fingerprint(j);
    const std::string fingerprint = j.value("fingerprint", "");
    if (std::any_of(out.begin(), out.end(), [&](const check_finding& f) { return f.fingerprint == fingerprint; }))
      continue;
    check_finding f{j.value("kind", ""), fingerprint, {}, render_text(j)};
    for (const json& l : j.value("locks", json::array()))
      f.locks.push_back(lock_label(j, l.value("id", std::uint64_t{0})));
    out.push_back(std::move(f));
  }
  return out;
}

std::string what_happened(const iteration_result& r, std::size_t distinct) {
  switch (r.outcome) {
    case check_outcome::finding:
      return "found " + plural(distinct, "finding") +
             (r.exit_code == deadlock_exit_code ? ", and the deadlock policy ended it" : "");
    case check_outcome::crash: {
      const char* abbrev = sigabbrev_np(*r.signal);
      return "was ended by signal " + std::to_string(*r.signal) + " (SIG" + (abbrev ? abbrev : "?") + ", " +
             strsignal(*r.signal) + ")";
    }
    case check_outcome::timeout: return "ran past its timeout and was killed";
    case check_outcome::failed:
      return r.failure.empty() ? "exited with code " + std::to_string(r.exit_code.value_or(0)) : "failed";
    case check_outcome::error: return "could not start: " + r.failure;
    case check_outcome::passed: break;
  }
  return "passed";
}

check_result error_result(const std::string& why) {
  check_result r;
  r.outcome = check_outcome::error;
  r.message = "gridlock::check: " + why + "\n";
  return r;
}

std::string options_error(const check_options& o) {
  if (o.iterations < 1) return "iterations is " + std::to_string(o.iterations) + ", not at least 1";
  if (o.timeout < runner::min_timeout || o.timeout > runner::max_timeout)
    return "timeout is " + std::to_string(o.timeout.count()) + " ms, not between 1 ms and a week";
  return {};
}

/// Runs one iteration into `r`; `label` says which ("iteration 3 of 50"). Returns whether it passed.
bool run_into(check_result& r, const std::function<void()>& body, const iteration_key& key,
              const check_options& options, const std::string& label) {
  iteration_result it = run_iteration(body, key, options.timeout);
  ++r.iterations;
  r.strategy = key.strategy;
  r.seed = key.seed;
  r.outcome = it.outcome;
  if (it.outcome == check_outcome::passed) return true;

  r.findings = distinct_findings(it.findings);
  r.message = "gridlock::check: " + label + " (strategy " + key.strategy + ", seed " + std::to_string(key.seed) +
              ") " + what_happened(it, r.findings.size()) + "\n";
  if (!it.failure.empty() && it.outcome != check_outcome::error) r.message += "  " + it.failure + "\n";
  for (const check_finding& f : r.findings) r.message += f.text;
  if (it.outcome == check_outcome::error) return false;  // nothing ran that a replay would show
  r.reproduce = make_reproduce_value(key);
  std::string command = std::string(reproduce_variable) + "=" + r.reproduce + " " + shell_word(self_exe());
  if (!options.rerun_arguments.empty()) command += " " + options.rerun_arguments;
  r.message += "replay just this iteration:\n  " + command + "\n";
  return false;
}

}  // namespace

check_result check(const std::function<void()>& body, const check_options& options) {
  if (const std::string why = options_error(options); !why.empty()) return error_result(why);
  check_result r;
  // Set but empty counts as unset, as CI systems often pass variables through empty.
  if (const char* value = std::getenv(reproduce_variable); value != nullptr && *value != '\0') {
    iteration_key key;
    try {
      key = parse_reproduce_value(value);
    } catch (const std::invalid_argument& e) {
      return error_result(std::string(reproduce_variable) + "=" + value + " is malformed: " + e.what() +
                          " (the value to use is the one a failing check prints: v1:STRATEGY:SEED)");
    }
    run_into(r, body, key, options, "the iteration " + std::string(reproduce_variable) + " names");
    return r;
  }
  for (int i = 0; i < options.iterations; ++i) {
    const iteration_key key{options.strategy, options.seed + static_cast<std::uint64_t>(i)};
    const std::string label = "iteration " + std::to_string(i + 1) + " of " + std::to_string(options.iterations);
    if (!run_into(r, body, key, options, label)) break;
  }
  return r;
}

}  // namespace gridlock
