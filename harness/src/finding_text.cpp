#include "finding_text.h"

#include <algorithm>
#include <vector>

#include "finding_json.h"

namespace gridlock {
namespace {

using nlohmann::json;

/// Code from installed headers or system libraries (/usr/include, /usr/lib, /lib), or with no source
/// line: a library the program uses, not the program's own source.
bool is_library_frame(const json& fr) {
  const std::string file = fr.value("file", "");
  const std::string module = fr.value("module", "");
  return file.empty() || file.rfind("/usr/", 0) == 0 || module.rfind("/lib/", 0) == 0 ||
         module.rfind("/usr/lib/", 0) == 0;
}

/// The top `frames` frames past the runtime's own; when those are all library code (a lock taken inside
/// a logging library, say), also the first frame of the program's own source, so the reader sees which
/// of their lines led there.
void append_stack(std::string& out, const json& stack, const std::string& indent, int frames) {
  int shown = 0;
  bool program_shown = false;
  int skipped = 0;
  for (const json& fr : stack) {
    if (is_plumbing_frame(fr)) continue;
    if (shown < frames) {
      ++shown;
      program_shown = program_shown || !is_library_frame(fr);
      out += indent + "  at " + frame_text(fr) + "\n";
      continue;
    }
    if (program_shown) break;
    if (is_library_frame(fr)) {
      ++skipped;
      continue;
    }
    if (skipped > 0) out += indent + "  ... " + std::to_string(skipped) + " library frame(s)\n";
    out += indent + "  at " + frame_text(fr) + "\n";
    break;
  }
  if (shown == 0) out += indent + "  (no user frames; build with -g and frame info for stacks)\n";
}

/// The first frame of the program's own source in `stack`, else its first frame past the runtime's, else
/// null.
json first_program_frame(const json& stack) {
  json first;
  for (const json& fr : stack) {
    if (is_plumbing_frame(fr)) continue;
    if (!is_library_frame(fr)) return fr;
    if (first.is_null()) first = fr;
  }
  return first;
}

/// One line per lock with neither a name nor a variable to call it by (a heap-allocated std::mutex):
/// where it was first seen, so two "pthread_mutex_t#N" of one report can be told apart.
void append_unnamed_locks(std::string& out, const json& f) {
  for (const json& l : f.value("locks", json::array())) {
    if (!l.value("name", "").empty() || !l.value("symbol", "").empty()) continue;
    const json where = first_program_frame(l.value("created", json::array()));
    if (where.is_null()) continue;
    out += "  " + lock_label(f, l.value("id", std::uint64_t{0})) + ": first seen at " + frame_text(where) + "\n";
  }
}

/// "2-4, 7": sorted thread ids, runs joined.
std::string id_ranges(std::vector<std::uint32_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(ids[i]) + (j > i ? "-" + std::to_string(ids[j]) : "");
    i = j + 1;
  }
  return out;
}

/// Each thread's wait, holds and stack. Threads whose lines would be the same (a thousand workers
/// parked in one place) are one entry, as Go groups goroutines, so a hang stays readable.
void append_waits(std::string& out, const json& f, int frames) {
  struct group {
    std::string waits_for, holds, stack;
    std::vector<std::uint32_t> threads;
  };
  std::vector<group> groups;
  for (const json& w : f.value("waits", json::array())) {
    group g;
    g.waits_for = w.value("waits_for", "");
    for (const json& id : w.value("holds", json::array()))
      g.holds += (g.holds.empty() ? "" : ", ") + lock_label(f, id.get<std::uint64_t>());
    append_stack(g.stack, w.value("stack", json::array()), "  ", frames);
    const auto same = std::find_if(groups.begin(), groups.end(), [&](const group& o) {
      return o.waits_for == g.waits_for && o.holds == g.holds && o.stack == g.stack;
    });
    const std::uint32_t thread = w.value("thread", 0u);
    if (same != groups.end()) {
      same->threads.push_back(thread);
    } else {
      g.threads.push_back(thread);
      groups.push_back(std::move(g));
    }
  }
  for (const group& g : groups) {
    const bool one = g.threads.size() == 1;
    out += "  " + (one ? thread_label(f, g.threads[0])
                       : std::to_string(g.threads.size()) + " threads (" + id_ranges(g.threads) + ")");
    if (!g.waits_for.empty()) out += (one ? " waits for " : " wait for ") + g.waits_for;
    if (!g.holds.empty()) out += (one ? ", holding " : ", each holding ") + g.holds;
    out += ":\n" + g.stack;
  }
}

}  // namespace

std::string lock_label(const json& f, std::uint64_t id) {
  for (const json& l : f.value("locks", json::array()))
    if (l.value("id", std::uint64_t{0}) == id)
    {
      if (!l.value("name", "").empty()) return l.value("name", "");
      if (!l.value("symbol", "").empty()) return l.value("symbol", "");  // the variable it lives in
      return l.value("type", "lock") + "#" + std::to_string(id);
    }
  return "#" + std::to_string(id);
}

std::string thread_label(const json& f, std::uint32_t id) {
  for (const json& t : f.value("threads", json::array()))
    if (t.value("id", 0u) == id && !t.value("name", "").empty())
      return "thread " + std::to_string(id) + " (" + t.value("name", "") + ")";
  return "thread " + std::to_string(id);
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

std::string render_text(const json& f, int frames) {
  std::string out = "gridlock: " + f.value("kind", "") + " [" + f.value("fingerprint", "") + "]\n  " +
                    f.value("message", "") + "\n";
  append_unnamed_locks(out, f);
  for (const json& e : f.value("edges", json::array())) {
    const std::string from = lock_label(f, e.value("from", std::uint64_t{0}));
    const std::string to = lock_label(f, e.value("to", std::uint64_t{0}));
    if (from == to) {
      // Misuse findings record where the lock they are about was taken.
      out += "  " + from + " was acquired by " + thread_label(f, e.value("thread", 0u)) + ":\n";
      append_stack(out, e.value("held_stack", json::array()), "  ", frames);
      continue;
    }
    out += "  " + thread_label(f, e.value("thread", 0u)) + ": " + from + " -> " + to + "\n";
    out += "    acquired " + to + " while holding " + from + ":\n";
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
