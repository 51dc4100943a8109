#include "finding_text.h"

#include <algorithm>
#include <set>
#include <vector>

#include "finding_json.h"
#include "googletest_tests.h"
#include "lock_expression.h"

namespace gridlock {
namespace {

using nlohmann::json;

/// The top `frames` frames past the runtime's own; when those are all library code (a lock taken inside
/// a logging library, say), also the first frame of the program's own source, so the reader sees which
/// of their lines led there. That frame's line of source follows it, where the report has it. So too
/// when they end in another module than the program's frame among them: a callback the program gave a
/// library (librdkafka's delivery report, run inside rd_kafka_flush) is followed by the program's call
/// into that library, which says on which of its paths the callback ran.
void append_stack(std::string& out, const json& stack, const std::string& indent, int frames) {
  int shown = 0;
  bool program_shown = false;
  std::string program_module;  // of the first program frame shown
  bool ends_in_program = false;  // the last frame shown (a wrapper aside) is in program_module
  int skipped = 0;
  // The program's lock wrappers are shown, but count toward no limit and their lines are not the one
  // quoted: their callers' frames say where. Its lock class (in_lock_class: ZeroMQ's mutex_t::lock and
  // scoped_lock_t, inlined into every caller), and functions that take a lock they were handed
  // (`forwards`: NNG's nni_plat_mtx_lock(nni_plat_mtx *mtx), libuv's uv_mutex_lock).
  const auto show = [&](const json& fr, bool wrapper) {
    out += indent + "  at " + frame_text(fr) + "\n";
    if (wrapper || program_shown || !is_program_source(fr)) return;
    program_shown = true;
    program_module = fr.value("module", "");
    if (const std::string code = fr.value("code", ""); !code.empty()) out += indent + "     | " + code + "\n";
  };
  const json* entry = nullptr;  // the last library frame skipped: the call the program made into it
  for (const json& fr : stack) {
    if (is_plumbing_frame(fr)) continue;
    if (shown < frames) {
      const bool wrapper = in_lock_class(fr.value("function", "")) || fr.value("forwards", false);
      if (!wrapper) ++shown;
      show(fr, wrapper);
      if (!wrapper) ends_in_program = program_shown && fr.value("module", "") == program_module;
      continue;
    }
    if (ends_in_program) break;
    if (!is_program_source(fr)) {
      ++skipped;
      entry = &fr;
      continue;
    }
    // The library's entry says what the program asked of it (absl::MutexLock's constructor under a
    // futex wait): shown, the frames between counted.
    if (skipped > 1) out += indent + "  ... " + std::to_string(skipped - 1) + " library frame(s)\n";
    if (entry != nullptr) show(*entry, false);
    show(fr, false);
    break;
  }
  if (shown > 0) return;
  // No frame at all is no stack to read (a thread that was running when the watchdog looked), not a
  // build without debug information.
  const bool none = !stack.is_array() || stack.empty();
  out += indent + (none ? "  (no stack)\n" : "  (no user frames; build with -g and frame info for stacks)\n");
}

/// The first frame of the program's own source in `stack`, else its first frame past the runtime's, else
/// null.
json first_program_frame(const json& stack) {
  json first;
  for (const json& fr : stack) {
    if (is_plumbing_frame(fr)) continue;
    if (is_program_source(fr)) return fr;
    if (first.is_null()) first = fr;
  }
  return first;
}

/// The frames of `stack` from first_program_frame() on, but plumbing.
std::vector<const json*> program_frames(const json& stack) {
  const json first = first_program_frame(stack);
  std::vector<const json*> frames;
  bool started = false;
  for (const json& fr : stack) {
    started = started || fr == first;
    if (started && !is_plumbing_frame(fr)) frames.push_back(&fr);
  }
  return frames;
}

/// Frames as frame_text() shows them.
std::vector<std::string> frames_text(const std::vector<const json*>& frames) {
  std::vector<std::string> text;
  for (const json* fr : frames) text.push_back(frame_text(*fr));
  return text;
}

/// Whether a lock was first seen (`created`) in a GoogleTest test the finding is not in: an object of
/// that test's at the same address (a std::mutex has no destroy to tell them apart), so where it was
/// seen says nothing of this finding's lock.
bool seen_in_another_test(const json& f, const json& created) {
  const std::vector<std::string> in = strings_in(f.value("tests", json::array()));
  const std::vector<std::string> seen_in = googletest_tests(json{{"stack", created}});
  return !in.empty() && !seen_in.empty() && std::none_of(seen_in.begin(), seen_in.end(), [&](const std::string& t) {
    return std::find(in.begin(), in.end(), full_googletest_name(t, in)) != in.end();
  });
}

/// One line per lock with neither a name nor a variable to call it by (a heap-allocated std::mutex):
/// where it was first seen, so two "pthread_mutex_t#N" of one report can be told apart. Where two were
/// first seen through the same calls (a lock function of the program's), or one through the program's
/// lock class (in_lock_class: LevelDB's port::Mutex), the first frame past them says where, and the line
/// says through which function; none where two were first seen through the very same calls, or one in
/// another test.
void append_unnamed_locks(std::string& out, const json& f) {
  struct unnamed_lock {
    std::uint64_t id;
    std::vector<std::string> frames;
    std::size_t wrapped;  // its first frames that are a lock class's
  };
  std::vector<unnamed_lock> unnamed;
  for (const json& l : f.value("locks", json::array())) {
    if (!l.value("name", "").empty() || !l.value("symbol", "").empty() || !l.contains("created")) continue;
    if (seen_in_another_test(f, l["created"])) continue;
    const std::vector<const json*> program = program_frames(l["created"]);
    std::size_t wrapped = 0;
    while (wrapped + 1 < program.size() && in_lock_class(program[wrapped]->value("function", ""))) ++wrapped;
    if (!program.empty()) unnamed.push_back({l.value("id", std::uint64_t{0}), frames_text(program), wrapped});
  }
  for (const auto& [id, frames, wrapped] : unnamed) {
    std::size_t shared = wrapped;
    bool alike = false;  // another was first seen through the very same calls: no line tells them apart
    for (const auto& [other_id, other, other_wrapped] : unnamed) {
      if (other_id == id) continue;
      alike = alike || other == frames;
      std::size_t n = 0;
      while (n + 1 < frames.size() && n < other.size() && frames[n] == other[n]) ++n;
      shared = std::max(shared, n);
    }
    if (alike) continue;
    out += "  " + lock_label(f, id) + ": first seen at " + frames[shared];
    out += shared > 0 ? " (through " + frames[0] + ")\n" : "\n";
  }
}

/// Where the threads were started (started_threads()), as Go and ThreadSanitizer say it: an unnamed
/// std::thread is "thread 3" otherwise.
void append_thread_starts(std::string& out, const json& f) {
  for (const json* t : started_threads(f)) {
    const std::vector<std::string> frames = frames_text(program_frames((*t)["started_at"]));
    if (!frames.empty()) out += "  " + thread_label(f, t->value("id", 0u)) + " was started at " + frames[0] + "\n";
  }
}

/// Each thread's wait, holds and stack; threads that wait alike (group_waits) as one entry.
void append_waits(std::string& out, const json& f, int frames) {
  for (const alike_waits& g : group_waits(f)) {
    const json& w = *g.wait;
    const bool one = g.threads.size() == 1;
    const std::string holds = lock_labels(f, w.value("holds", json::array()));
    out += "  " + threads_label(f, g.threads);
    if (!w.value("waits_for", "").empty()) out += (one ? " waits for " : " wait for ") + w.value("waits_for", "");
    if (!holds.empty()) out += (one ? ", holding " : ", each holding ") + holds;
    out += ":\n";
    append_stack(out, w.value("stack", json::array()), "  ", frames);
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::string lock_label(const json& f, std::uint64_t id) {
  for (const json& l : f.value("locks", json::array()))
    if (l.value("id", std::uint64_t{0}) == id)
    {
      if (!l.value("name", "").empty()) return l.value("name", "");
      if (!l.value("symbol", "").empty()) return l.value("symbol", "");  // the variable it lives in
      const std::string expression = l.value("expression", "");  // how the program's calls spell it
      if (expression.empty()) return l.value("type", "lock") + "#" + std::to_string(id);
      const auto same = [&](const json& o) { return o.value("expression", "") == expression; };
      const json& locks = f["locks"];
      // Two locks one line takes in turn (a cycle through the same code on two objects) are told apart.
      return std::count_if(locks.begin(), locks.end(), same) > 1 ? expression + "#" + std::to_string(id) : expression;
    }
  return "#" + std::to_string(id);
}

std::string lock_labels(const json& f, const json& ids) {
  std::string out;
  if (!ids.is_array()) return out;
  for (const json& id : ids)
    if (id.is_number_integer() && id.get<std::int64_t>() >= 0)
      out += (out.empty() ? "" : ", ") + lock_label(f, id.get<std::uint64_t>());
  return out;
}

std::vector<alike_waits> group_waits(const json& f) {
  std::vector<alike_waits> groups;
  const auto waits = f.find("waits");  // by reference: the groups point into it
  if (waits == f.end() || !waits->is_array()) return groups;
  std::vector<std::string> keys;
  for (const json& w : *waits) {
    if (!w.is_object()) continue;
    const std::string key = json{w.value("waits_for", ""), w.value("holds", json::array()), w.value("stack", json::array()),
                                 w.value("state", ""), w.value("wchan", "")}.dump();
    const auto same = std::find(keys.begin(), keys.end(), key);
    if (same != keys.end()) {
      groups[static_cast<std::size_t>(same - keys.begin())].threads.push_back(w.value("thread", 0u));
    } else {
      keys.push_back(key);
      groups.push_back({&w, {w.value("thread", 0u)}});
    }
  }
  return groups;
}

std::string threads_label(const json& f, const std::vector<std::uint32_t>& threads) {
  if (threads.size() == 1) return thread_label(f, threads[0]);
  return std::to_string(threads.size()) + " threads (" +
         number_ranges(std::vector<std::uint64_t>(threads.begin(), threads.end())) + ")";
}

std::string number_ranges(std::vector<std::uint64_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::string out;
  for (std::size_t i = 0; i < numbers.size();) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(numbers[i]);
    if (j > i) out += (j == i + 1 ? "," : "-") + std::to_string(numbers[j]);
    i = j + 1;
  }
  return out;
}

std::string thread_label(const json& f, std::uint32_t id) {
  for (const json& t : f.value("threads", json::array()))
    if (t.value("id", 0u) == id && !t.value("name", "").empty())
      return "thread " + std::to_string(id) + " (" + t.value("name", "") + ")";
  return "thread " + std::to_string(id);
}

std::vector<const json*> started_threads(const json& f) {
  constexpr std::size_t most = 8;
  std::vector<const json*> started;
  const auto threads = f.find("threads");
  if (threads == f.end() || !threads->is_array() || threads->size() > most) return started;
  for (const json& t : *threads)
    if (t.contains("started_at")) started.push_back(&t);
  return started;
}

std::string also_taken_by(const json& f, const json& edge) {
  std::vector<std::uint32_t> ids;
  for (const json& t : edge.value("also", json::array()))
    if (const json id = t.value("thread", json()); id.is_number_integer() && id.get<std::int64_t>() >= 0)
      ids.push_back(id.get<std::uint32_t>());
  return ids.empty() ? "" : "also taken by " + threads_label(f, ids);
}

bool acquisition_record(const json& edge) {
  return edge.value("from", std::uint64_t{0}) == edge.value("to", std::uint64_t{0});
}

std::string fallback_phrase(const json& edge) {
  return edge.value("after_failed_try", false) ? "after a try-lock of it failed (Gridlock made it fail, as contention can)"
                                               : "";
}

std::string frame_text(const json& fr) {
  std::string fn = fr.value("function", "");
  if (fn.empty()) {
    std::string module = fr.value("module", "");
    fn = module.substr(module.find_last_of('/') + 1) + "+" + fr.value("offset", "");
  }
  const std::string file = fr.value("file", "");
  if (file.empty()) return fn;
  return fn + " (" + file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(fr.value("line", 0)) + ")";
}

std::string tests_phrase(const json& f) {
  const std::vector<std::string> tests = strings_in(f.value("tests", json::array()));
  return tests.empty() ? "" : (tests.size() == 1 ? "in test " : "in tests ") + joined(tests);
}

std::string one_thread_phrase(const json& f) {
  if (f.value("kind", "") != "lock-order-cycle") return "";
  std::set<std::uint32_t> threads;
  for (const json& e : f.value("edges", json::array())) {
    threads.insert(e.value("thread", 0u));
    for (const json& o : e.value("also", json::array())) threads.insert(o.value("thread", 0u));
  }
  if (threads.size() != 1) return "";
  return "each order was taken by " + thread_label(f, *threads.begin()) +
         " alone: two threads taking them at once can deadlock";
}

std::string repeats_phrase(const json& f) {
  const int more = f.value("repeats", 0);
  return more > 0 ? "and " + std::to_string(more) + " more like it in its first run (the same code over other locks)" : "";
}

std::string crash_phrase(const json& crash) {
  return "crashed in tid " + std::to_string(crash.value("tid", 0)) + " of pid " + std::to_string(crash.value("pid", 0));
}

std::string broken_run_details(const json& run, std::string_view indent) {
  std::string out;
  std::string err = run.value("stderr", "");
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (!err.empty()) out += std::string(indent) + "stderr: " + err.substr(err.rfind('\n') + 1) + "\n";
  if (const auto crash = run.find("crash"); crash != run.end() && crash->is_object()) {
    out += std::string(indent) + crash_phrase(*crash) + ":\n";
    append_stack(out, crash->value("stack", json::array()), std::string(indent), 3);
  }
  if (const std::string failed = failed_tests_phrase(run.value("stdout", "")); !failed.empty())
    out += std::string(indent) + failed + "\n";
  std::vector<std::string> files;
  for (const char* key : {"stdout_file", "stderr_file"})
    if (std::string path = run.value(key, ""); !path.empty()) files.push_back(std::move(path));
  if (!files.empty()) out += std::string(indent) + "whole output: " + joined(files) + "\n";
  return out;
}

std::string failed_tests_phrase(std::string_view output) {
  const std::vector<std::string> tests = failed_googletest_tests(output);
  return tests.empty() ? "" : (tests.size() == 1 ? "failed test: " : "failed tests: ") + joined(tests);
}

std::string render_text(const json& f, int frames) {
  std::string out = "gridlock: " + f.value("kind", "") + " [" + f.value("fingerprint", "") + "]\n  " +
                    f.value("message", "") + "\n";
  if (const std::string tests = tests_phrase(f); !tests.empty()) out += "  " + tests + "\n";
  if (const std::string one = one_thread_phrase(f); !one.empty()) out += "  " + one + "\n";
  append_unnamed_locks(out, f);
  append_thread_starts(out, f);
  for (const json& e : f.value("edges", json::array())) {
    const std::string from = lock_label(f, e.value("from", std::uint64_t{0}));
    const std::string to = lock_label(f, e.value("to", std::uint64_t{0}));
    if (acquisition_record(e)) {
      out += "  " + from + " was acquired by " + thread_label(f, e.value("thread", 0u)) + ":\n";
      append_stack(out, e.value("held_stack", json::array()), "  ", frames);
      continue;
    }
    const std::string also = also_taken_by(f, e);
    out += "  " + thread_label(f, e.value("thread", 0u)) + ": " + from + " -> " + to;
    out += also.empty() ? "\n" : " (" + also + ")\n";
    const std::string fallback = fallback_phrase(e);
    out += "    acquired " + to + " while holding " + from + (fallback.empty() ? "" : ", " + fallback) + ":\n";
    append_stack(out, e.value("acquire_stack", json::array()), "    ", frames);
    out += "    " + from + " was acquired:\n";
    append_stack(out, e.value("held_stack", json::array()), "    ", frames);
  }
  if (f.value("kind", "") != "lock-order-cycle") append_waits(out, f, frames);
  // --confirm's verdict on a prediction (docs/detectors.md, "Confirming predictions").
  if (f.value("confirmation", "") == "confirmed")
    out += "  confirmed: a steered run deadlocked on this cycle; replay it with\n    " + f.value("confirmed_by", "") + "\n";
  else if (f.value("confirmation", "") == "unconfirmed")
    out += "  unconfirmed: no steered run deadlocked on this cycle (its paths may never overlap)\n";
  return out;
}

}  // namespace gridlock
