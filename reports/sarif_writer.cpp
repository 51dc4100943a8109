#include "reports/sarif_writer.h"

#include <array>
#include <filesystem>

#include "finding_json.h"
#include "report_file.h"
#include "reports/finding_view.h"
#include "reports/report.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view schema_uri = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view root_base = "SRCROOT";

struct rule {
  std::string_view id;  // the finding kind
  std::string_view name;
  std::string_view level;  // "error" | "warning"
  std::string_view short_text;
  std::string_view full_text;
  std::string_view help;
};

// Every kind (docs/report-format.md), always all of them and in this order, so ruleIndex is stable and
// code scanning can tell a rule that found nothing from one that does not exist.
constexpr std::array<rule, 14> rules = {{
    {"lock-order-cycle", "LockOrderCycle", "error", "Locks are taken in a cycle: a potential deadlock",
     "Threads acquire the same locks in different orders. Run at the same moment, each can hold one lock while "
     "waiting for the next, and none goes on. Gridlock predicts this from one run, whether or not the threads "
     "overlapped.",
     "Take the locks in one global order everywhere (by rank or by address), or together with std::scoped_lock. "
     "Each edge of the cycle shows where a thread acquired the second lock while holding the first."},
    {"deadlock", "Deadlock", "error", "Threads wait for each other in a cycle",
     "An actual deadlock: each thread of the cycle waits for a lock or a join that only another thread of the "
     "cycle can give. The process cannot go on.",
     "Break the cycle: release locks before joining or blocking, and take locks in one order."},
    {"all-threads-blocked", "AllThreadsBlocked", "error", "Every thread waits for something no thread will give",
     "Every thread is blocked on something only another thread could provide: a condition variable nobody "
     "notifies (a lost wakeup), a channel nobody reads or writes, a wait group that never reaches zero.",
     "Check that each wait has its notify, send or done on every path, and wait with a predicate so a "
     "notification sent before the wait is not lost."},
    {"recursive-lock", "RecursiveLock", "error", "A thread locks a non-recursive lock it already holds",
     "Re-locking a plain mutex in the thread that holds it blocks that thread forever.",
     "Split the function into a part that takes the lock and a part that expects it held, or pass the held "
     "lock down."},
    {"lock-upgrade", "LockUpgrade", "error", "A reader asks for the write side of the lock it reads",
     "A thread holding the read side of a shared_mutex asks for its write side; it waits for itself.",
     "Release the read lock, take the write lock, and check the state again: a shared_mutex cannot be upgraded."},
    {"unlock-not-owner", "UnlockNotOwner", "warning", "A thread unlocks a lock it does not hold",
     "An unlock by a thread that does not hold the lock in that mode, or of an unlocked lock: undefined behaviour "
     "for the standard mutexes.",
     "Unlock only in the thread that locked, in the mode it locked; RAII guards do this by construction."},
    {"lock-held-at-exit", "LockHeldAtExit", "warning", "A thread exits holding a lock",
     "The lock stays held for ever: every later acquisition waits.",
     "Release every lock before the thread ends; RAII guards release them on exceptions too."},
    {"destroy-locked", "DestroyLocked", "warning", "A lock is destroyed while held",
     "Destroying a held mutex is undefined behaviour, and its holder will unlock freed memory.",
     "Join or stop every user of a lock before destroying it."},
    {"cv-wait-unlocked", "CvWaitUnlocked", "warning", "A condition-variable wait without its mutex held",
     "Waiting on a condition variable requires holding its mutex; otherwise a notification can be lost.",
     "Hold the mutex (std::unique_lock) across the check of the condition and the wait."},
    {"cv-different-mutex", "CvDifferentMutex", "warning", "A condition variable waited on with two mutexes at once",
     "Threads wait on one condition variable with different mutexes: undefined behaviour, in which a notify can "
     "wake a waiter whose state it did not change and miss the one it did.",
     "Give each condition variable one mutex, the one that guards the state its waiters check."},
    {"wait-group-negative", "WaitGroupNegative", "warning", "A wait group's counter goes below zero",
     "done() was called more often than add().", "Call done() exactly once for each add()."},
    {"channel-closed-send", "ChannelClosedSend", "warning", "A send on a closed channel",
     "The value is dropped: a sender outlived the channel's close.", "Close a channel only after every sender is done."},
    {"timeout", "Timeout", "error", "A trial ran past its timeout",
     "The trial did not finish in time; the watchdog recorded every thread's stack and what it waited for "
     "before killing it. Often a deadlock on primitives Gridlock does not see, or a livelock.",
     "Read each thread's wait: the thread waiting for something no other thread will provide is where to look."},
    {"signal-handler-lock", "SignalHandlerLock", "error",
     "A signal handler locks what a thread that may receive the signal holds",
     "A signal's handler takes a lock that a thread also takes outside the handler with that signal unblocked. "
     "If the signal arrives while that thread holds the lock, the handler runs on it and waits for the lock, "
     "which only that same thread could release: it hangs for ever. Gridlock predicts this from one run, "
     "without the signal ever arriving at that moment.",
     "Do only async-signal-safe work in the handler (set a std::atomic flag or write to a pipe, and act on it "
     "outside), or block the signal in every thread that takes the lock (pthread_sigmask) and receive it in a "
     "thread that does not, or with sigwait or signalfd."},
}};

json rule_json(const rule& r) {
  const std::string help = std::string(r.help);
  return {{"id", r.id},
          {"name", r.name},
          {"shortDescription", {{"text", r.short_text}}},
          {"fullDescription", {{"text", r.full_text}}},
          {"help", {{"text", std::string(r.full_text) + "\n\n" + help},
                    {"markdown", "**" + std::string(r.short_text) + "**\n\n" + std::string(r.full_text) + "\n\n" + help}}},
          {"defaultConfiguration", {{"level", r.level}}},
          {"properties", {{"tags", {"concurrency", "deadlock", "reliability"}}, {"precision", "high"}}}};
}

/// A URI path: RFC 3986 unreserved characters and '/' as they are, every other byte percent-encoded.
std::string uri_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') out += static_cast<char>(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

class builder {
 public:
  explicit builder(std::string root) : root_(std::move(root)) {}

  /// The physical location of a frame with a file: relative to SRCROOT when under it.
  json physical(const json& frame) const {
    const std::string file = frame.value("file", "");
    const std::string rel = path_under(file, root_);
    json artifact = rel.empty() ? json{{"uri", "file://" + uri_path(fs::path(file).lexically_normal().generic_string())}}
                                : json{{"uri", uri_path(rel)}, {"uriBaseId", root_base}};
    const int line = frame.value("line", 0);
    return {{"artifactLocation", std::move(artifact)}, {"region", {{"startLine", line > 0 ? line : 1}}}};
  }

  json location(const json& frame, const std::string& message, int id = -1) const {
    json loc = {{"physicalLocation", physical(frame)}};
    if (!frame.value("function", "").empty())
      loc["logicalLocations"] = {{{"fullyQualifiedName", frame.value("function", "")}, {"kind", "function"}}};
    if (!message.empty()) loc["message"] = {{"text", message}};
    if (id >= 0) loc["id"] = id;
    return loc;
  }

  /// The first user frame of `stack` with a file past `skip` user frames, under the root if there is
  /// one; null if none.
  json site(const json& stack, std::size_t skip = 0) const { return stack_locating_frame(stack, skip, root_); }

  /// relatedLocations and codeFlows: each edge (both its sites), or each thread's wait.
  void related(const json& f, json& result) const {
    json locations = json::array();
    json flows = json::array();
    int id = 1;
    for (const json& e : f.value("edges", json::array())) {
      const std::string thread = thread_label(f, e.value("thread", 0u));
      const std::string from = lock_label(f, e.value("from", std::uint64_t{0}));
      const std::string to = lock_label(f, e.value("to", std::uint64_t{0}));
      json steps = json::array();
      const std::size_t skip = lock_function_depth(e);
      if (const json held = site(e.value("held_stack", json::array()), skip); !held.is_null()) {
        const std::string text = thread + " acquires " + from;
        locations.push_back(location(held, text, id++));
        steps.push_back({{"location", location(held, text)}, {"nestingLevel", 0}});
        if (acquisition_record(e)) {  // where a misuse finding's lock was taken: one step, no edge
          flows.push_back({{"message", {{"text", text}}}, {"locations", steps}});
          continue;
        }
      }
      if (const json acquire = site(e.value("acquire_stack", json::array()), skip); !acquire.is_null()) {
        const std::string fallback = fallback_phrase(e);
        const std::string text = thread + " acquires " + to + " while holding " + from + (fallback.empty() ? "" : ", " + fallback);
        locations.push_back(location(acquire, text, id++));
        steps.push_back({{"location", location(acquire, text)}, {"nestingLevel", 1}});
      }
      if (!steps.empty()) flows.push_back({{"message", {{"text", thread + ": " + from + " -> " + to}}}, {"locations", steps}});
    }
    for (const json& w : f.value("waits", json::array())) {
      const json at = site(w.value("stack", json::array()));
      if (at.is_null()) continue;
      std::string text = thread_label(f, w.value("thread", 0u));
      text += w.value("waits_for", "").empty() ? " is here" : " waits for " + w.value("waits_for", "");
      const std::string holds = lock_labels(f, w.value("holds", json::array()));
      if (!holds.empty()) text += ", holding " + holds;
      locations.push_back(location(at, text, id++));
      flows.push_back({{"message", {{"text", text}}}, {"locations", {{{"location", location(at, text)}}}}});
    }
    if (!locations.empty()) result["relatedLocations"] = std::move(locations);
    if (!flows.empty()) result["codeFlows"] = {{{"threadFlows", std::move(flows)}}};
  }

 private:
  std::string root_;
};

/// The rule's index in `driver_rules`; a kind this table does not know (a newer runtime's) gets a rule
/// of its own at the end, so every result still names a rule.
std::size_t rule_index(const std::string& kind, json& driver_rules) {
  for (std::size_t i = 0; i < driver_rules.size(); ++i)
    if (driver_rules[i]["id"] == kind) return i;
  driver_rules.push_back({{"id", kind},
                          {"shortDescription", {{"text", "Gridlock finding: " + kind}}},
                          {"fullDescription", {{"text", "A finding of kind " + kind + "; docs/detectors.md says what it means."}}},
                          {"help", {{"text", "See docs/detectors.md for the finding kind " + kind + "."}}},
                          {"defaultConfiguration", {{"level", "error"}}}});
  return driver_rules.size() - 1;
}

}  // namespace

json sarif_writer::render(const json& report) const {
  const std::string root = fs::absolute(source_root_).lexically_normal().generic_string();
  const builder b(root);
  const std::size_t total_runs = report.at("runs").size();

  json driver_rules = json::array();
  for (const rule& r : rules) driver_rules.push_back(rule_json(r));
  json results = json::array();
  json notes = json::array();
  const bool with_baseline = report.contains("baseline");
  for (const finding_group& g : distinct_findings(report)) {
    const json& f = *g.finding;
    const std::string kind = f.value("kind", "");
    const std::string fingerprint = f.value("fingerprint", "");
    std::string names;
    for (const json* run : g.runs)
      if (names.find(run->value("name", "")) == std::string::npos) names += (names.empty() ? "" : ", ") + run->value("name", "");
    const std::string reproduce = g.runs.front()->value("reproduce", "");
    const json primary = locating_frame(f, root);
    if (primary.is_null()) {
      notes.push_back({{"level", "warning"},
                       {"message", {{"text", kind + " [" + fingerprint + "] in " + names +
                                                 " has no source location (build with -g), so it has no result here; "
                                                 "the JSON and HTML reports have it in full. " + reproduce}}}});
      continue;
    }
    const std::size_t index = rule_index(kind, driver_rules);
    const std::string tests = tests_phrase(f);
    json result = {{"ruleId", kind},
                   {"ruleIndex", index},
                   {"level", driver_rules[index]["defaultConfiguration"]["level"]},
                   {"message", {{"text", f.value("message", "") + " (" + (tests.empty() ? "" : tests + "; ") + "in " +
                                             std::to_string(g.runs.size()) + " of " + std::to_string(total_runs) +
                                             " runs: " + names + "). Reproduce: " + reproduce}}},
                   {"locations", {b.location(primary, "")}},
                   {"partialFingerprints", {{"gridlockFingerprint/v9", fingerprint}}},
                   {"properties", {{"fingerprint", fingerprint}, {"hits", g.hits}, {"runs", g.runs.size()},
                                   {"reproduce", reproduce}}}};
    b.related(f, result);
    if (f.contains("confirmation")) {  // --confirm: whether a steered run deadlocked on this cycle
      result["properties"]["confirmation"] = f.value("confirmation", "");
      if (f.contains("confirmed_by")) result["properties"]["confirmedBy"] = f.value("confirmed_by", "");
    }
    if (f.value("known", false)) {
      result["baselineState"] = "unchanged";
      result["suppressions"] = {{{"kind", "external"}, {"status", "accepted"},
                                 {"justification", f.contains("baseline") ? f["baseline"].value("reason", "") : ""}}};
    } else if (with_baseline) {
      result["baselineState"] = "new";
    }
    results.push_back(std::move(result));
  }

  json run = {{"tool", {{"driver", {{"name", "Gridlock"},
                                    {"version", report.value("version", "")},
                                    {"semanticVersion", report.value("version", "")},
                                    {"rules", std::move(driver_rules)}}}}},
              {"originalUriBaseIds", {{root_base, {{"uri", "file://" + uri_path(root) + (root.ends_with('/') ? "" : "/")}}}}},
              {"results", std::move(results)},
              {"columnKind", "utf16CodeUnits"}};
  json invocation = {{"executionSuccessful", true}};
  if (!notes.empty()) invocation["toolExecutionNotifications"] = std::move(notes);
  run["invocations"] = json::array({std::move(invocation)});
  return {{"$schema", schema_uri}, {"version", "2.1.0"}, {"runs", json::array({std::move(run)})}};
}

bool sarif_writer::write(const json& report, const std::string& path) const {
  return write_report_file(path, render(report).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace gridlock::reports
