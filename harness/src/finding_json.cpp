#include "finding_json.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "finding_text.h"
#include "googletest_tests.h"
#include "lock_expression.h"
#include "std_sync_words.h"

namespace gridlock {
namespace {

using nlohmann::json;

std::string hex(std::uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(v));
  return buf;
}

json encode_stack(const raw_stack& stack) {
  json frames = json::array();
  for (std::uintptr_t pc : stack) {
    const code_location where = locate(pc);
    frames.push_back({{"address", hex(pc)}, {"module", where.module}, {"offset", hex(where.offset)}});
  }
  return frames;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A frame of Gridlock's runtime itself: the interposer's (its library) or the detector's code that took
// the stack. The public primitives (include/gridlock/) are not: the program called them.
bool is_runtime_frame(const json& fr) {
  const std::string module = fr.value("module", "");
  if (starts_with(module.substr(module.find_last_of('/') + 1), "libgridlock")) return true;
  const std::string function = fr.value("function", "");
  const std::string_view fn = qualified_name(function);
  return (starts_with(fn, "gridlock::") || starts_with(fn, "_ZN8gridlock") || starts_with(fn, "_ZZN8gridlock")) &&
         fr.value("file", "").find("include/gridlock/") == std::string::npos;
}

}  // namespace

// Replaces each located frame with its symbolized frames: several where calls were inlined (all but
// the last marked "inlined"), so a lock taken in an inlined helper still names its caller. A stack the
// runtime captured starts inside it, and its hooks may be inside too (the thunk that starts every
// thread, a pthread_once hook calling the program's initializer): those frames go, so that the stack is
// the program's calls.
void symbolize_stack(json& stack, symbolizer& s) {
  if (!stack.is_array()) return;
  json out = json::array();
  for (json& fr : stack) {  // moved from: `stack` is replaced by `out`
    if (fr.contains("module")) fr["module"] = s.module_file(fr.value("module", ""));
    if (fr.contains("function")) {
      out.push_back(std::move(fr));
      continue;
    }
    code_location loc;
    loc.module = fr.value("module", "");
    loc.offset = std::stoull(fr.value("offset", "0x0"), nullptr, 16);
    loc.address = std::stoull(fr.value("address", "0x0"), nullptr, 16);
    const std::vector<frame> chain = s.resolve_inlined(loc);
    for (std::size_t i = 0; i < chain.size(); ++i) {
      json sym = fr;
      sym["function"] = chain[i].function;
      sym["file"] = chain[i].file;
      sym["line"] = chain[i].line;
      if (i + 1 < chain.size()) sym["inlined"] = true;
      if (is_program_source(sym))
        if (std::string code = s.source_text(chain[i].file, chain[i].line); !code.empty()) sym["code"] = std::move(code);
      out.push_back(std::move(sym));
    }
  }
  // A stack of nothing else keeps them: some frame must say where.
  if (std::find_if_not(out.begin(), out.end(), is_runtime_frame) != out.end())
    out.erase(std::remove_if(out.begin(), out.end(), is_runtime_frame), out.end());
  stack = std::move(out);
}

namespace {

// A frame's call within one finding: two stacks with the same one went through the same call.
std::string call_of(const json& fr) {
  return fr.value("function", "") + "@" + fr.value("file", "") + ":" + std::to_string(fr.value("line", 0)) + "#" +
         fr.value("module", "") + "+" + fr.value("offset", "");
}

// lock_function_depth() of an edge's user frames.
std::size_t shared_calls(const std::vector<json>& held, const std::vector<json>& acquire) {
  std::size_t n = 0;
  while (n < held.size() && n < acquire.size() && call_of(held[n]) == call_of(acquire[n])) ++n;
  return n < held.size() && n < acquire.size() ? n : 0;
}

// The identity of a stack for fingerprints: the first user frame's function and the base name of its
// source file ("deposit@bank.cpp": two programs' main::{lambda} are different places), without the
// line, which moves with every edit; module+offset where the function is unknown. `skip`: user
// frames to pass over (lock_function_depth).
/// A frame's location: function@file, module+offset where there is no function name.
std::string location(const json& fr) {
  if (!fr.value("function", "").empty()) {
    const std::string file = fr.value("file", "");
    return fr.value("function", "") + "@" + file.substr(file.find_last_of('/') + 1);
  }
  std::string module = fr.value("module", "");
  module = module.substr(module.find_last_of('/') + 1);
  return module + "+" + fr.value("offset", "");
}

std::string site(const std::vector<json>& user, std::size_t skip = 0) {
  // The program's lock class (LevelDB's port::Mutex::Lock, ZeroMQ's mutex_t::lock, inlined into every
  // caller) is where every lock is taken: its caller says where this one was.
  while (skip + 1 < user.size() && in_lock_class(user[skip].value("function", ""))) ++skip;
  if (skip >= user.size()) return "?";
  // Installed code (Boost's inline mutex::lock and lock_guard, a system library's lock wrapper) is the
  // same in every program that uses it: its callers up to the program's own code say where. So does
  // the caller of a function without source (a wrapper in a program built without debug information).
  std::string s = location(user[skip]);
  for (std::size_t at = skip; at + 1 < user.size(); ++at) {
    const bool without_source = at == skip && user[at].value("file", "").empty();
    if (!without_source && !is_installed_code(user[at])) break;
    s += "<" + location(user[at + 1]);
  }
  return s;
}

/// The place an edge (or a sighting of it: anything with the two stacks) counts as in fingerprints: where
/// its second lock was taken, past a lock function both were taken through.
std::string edge_site(const json& edge) {
  const std::vector<json> held = user_frames(edge.value("held_stack", json::array()));
  const std::vector<json> acquire = user_frames(edge.value("acquire_stack", json::array()));
  return site(acquire, shared_calls(held, acquire));
}

/// What one take of an edge has: the edge's own (beside from, to and the modes), or one in its `also`.
constexpr std::array<const char*, 4> take_keys = {"thread", "held_stack", "acquire_stack", "after_failed_try"};

/// One take of an edge, as show_takes() moves them around.
json take_of(const json& t) {
  json take = json::object();
  for (const char* key : take_keys)
    if (const auto it = t.find(key); it != t.end()) take[key] = *it;
  return take;
}

/// Shows each edge by one of its takes (its own and other threads', `also`), so that the finding names
/// different threads where it can: one thread's start-up path may have made every edge of a cycle first
/// while another thread takes one of them too, and that is the pair of threads that can deadlock. Most
/// constrained edge first; among a thread's choices, the take whose site sorts first, so that the same
/// takes are shown the same way whichever came first. The others stay in `also`, in that order.
void show_takes(json& f) {
  const auto edges = f.find("edges");
  if (edges == f.end() || !edges->is_array()) return;
  std::vector<std::vector<json>> takes;  // per edge, by site
  for (const json& e : *edges) {
    std::vector<std::pair<std::string, json>> by_site{{edge_site(e), take_of(e)}};
    for (const json& o : e.value("also", json::array())) by_site.emplace_back(edge_site(o), take_of(o));
    std::stable_sort(by_site.begin(), by_site.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<json> sorted;
    for (auto& [at, t] : by_site) sorted.push_back(std::move(t));
    takes.push_back(std::move(sorted));
  }
  const auto threads_of = [&](std::size_t i) {
    std::set<std::uint32_t> ids;
    for (const json& t : takes[i]) ids.insert(t.value("thread", 0u));
    return ids.size();
  };
  std::vector<std::size_t> order(takes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return threads_of(a) < threads_of(b); });
  std::set<std::uint32_t> shown;
  std::vector<std::size_t> pick(takes.size(), 0);
  for (const std::size_t i : order) {
    for (std::size_t k = 0; k < takes[i].size(); ++k)
      if (!shown.contains(takes[i][k].value("thread", 0u))) {
        pick[i] = k;
        break;
      }
    shown.insert(takes[i][pick[i]].value("thread", 0u));
  }
  for (std::size_t i = 0; i < takes.size(); ++i) {
    json& e = (*edges)[i];
    for (const char* key : take_keys) e.erase(key);
    e.update(takes[i][pick[i]]);
    json also = json::array();
    for (std::size_t k = 0; k < takes[i].size(); ++k)
      if (k != pick[i]) also.push_back(std::move(takes[i][k]));
    if (also.empty())
      e.erase("also");
    else
      e["also"] = std::move(also);
  }
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// A lock's variable as the program's source names it. The compiler's variable for an OpenMP critical
/// section, .gomp_critical_user_NAME (the interposer's own for the unnamed section has no NAME), is the
/// section: `omp critical(NAME)`.
std::string source_name(std::string symbol) {
  constexpr std::string_view section_variable = ".gomp_critical_user_";
  if (!symbol.starts_with(section_variable)) return symbol;
  const std::string name = symbol.substr(section_variable.size());
  return name.empty() ? "omp critical" : "omp critical(" + name + ")";
}

}  // namespace

void rename_in_text(json& text, const std::string& label, const std::string& symbol) {
  std::string s = text.is_string() ? text.get<std::string>() : std::string();
  for (std::size_t at = s.find(label); at != std::string::npos; at = s.find(label, at)) {
    const std::size_t end = at + label.size();
    if (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) {
      at = end;
      continue;
    }
    s.replace(at, label.size(), symbol);
    at += symbol.size();
  }
  text = s;
}

std::string_view qualified_name(std::string_view fn) {
  const std::size_t space = fn.find(' ');
  if (space != std::string_view::npos && space < fn.find_first_of("<(:")) return fn.substr(space + 1);
  return fn;
}

std::vector<std::string> strings_in(const json& list) {
  std::vector<std::string> out;
  if (list.is_array())
    for (const json& s : list)
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

std::string_view without_template_arguments(std::string_view name) {
  if (!name.ends_with('>')) return name;
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    depth += name[i] == '>' ? 1 : name[i] == '<' ? -1 : 0;
    if (depth == 0) return name.substr(0, i);
  }
  return name;
}

json encode_finding(const finding& f) {
  json j;
  j["kind"] = std::string(to_string(f.kind));
  j["message"] = f.message;
  j["locks"] = json::array();
  for (const lock_info& l : f.locks) {
    json jl = {{"id", l.id}, {"name", l.name}, {"type", l.type}, {"address", hex(l.address)},
               {"created", encode_stack(l.created)}};
    // A lock in a module's data (a global, or a member of one) can be named by its variable later.
    if (const code_location where = locate(l.address); !where.module.empty()) {
      jl["module"] = where.module;
      jl["offset"] = hex(where.offset);
    }
    j["locks"].push_back(std::move(jl));
  }
  j["threads"] = json::array();
  for (const thread_info& t : f.threads) {
    j["threads"].push_back({{"id", t.id}, {"tid", t.tid}, {"name", t.name}});
    if (!t.started_at.empty()) j["threads"].back()["started_at"] = encode_stack(t.started_at);
  }
  j["edges"] = json::array();
  for (const edge_info& e : f.edges) {
    j["edges"].push_back({{"from", e.from}, {"to", e.to},
                          {"from_mode", e.from_shared ? "shared" : "exclusive"},
                          {"to_mode", e.to_shared ? "shared" : "exclusive"}, {"thread", e.thread},
                          {"held_stack", encode_stack(e.held_stack)},
                          {"acquire_stack", encode_stack(e.acquire_stack)}});
    if (e.after_failed_try) j["edges"].back()["after_failed_try"] = true;
    for (const edge_sighting& o : e.also) {
      j["edges"].back()["also"].push_back({{"thread", o.thread},
                                           {"held_stack", encode_stack(o.held_stack)},
                                           {"acquire_stack", encode_stack(o.acquire_stack)}});
      if (o.after_failed_try) j["edges"].back()["also"].back()["after_failed_try"] = true;
    }
  }
  j["waits"] = json::array();
  for (const wait_info& w : f.waits) {
    json jw = {{"thread", w.thread}, {"waits_for", w.waits_for}, {"holds", w.holds}, {"stack", encode_stack(w.stack)}};
    if (w.lock) jw["lock"] = *w.lock;
    j["waits"].push_back(std::move(jw));
  }
  j["stack"] = encode_stack(f.stack);
  j["pid"] = ::getpid();  // a run of a daemon has several processes, each numbering its threads from 1
  return j;
}

void symbolize_finding(json& f, symbolizer& s) {
  symbolize_stack(f["stack"], s);
  for (json& l : f["locks"]) symbolize_stack(l["created"], s);
  for (json& t : f["threads"])
    if (t.contains("started_at")) symbolize_stack(t["started_at"], s);
  for (json& e : f["edges"]) {
    symbolize_stack(e["held_stack"], s);
    symbolize_stack(e["acquire_stack"], s);
    if (e.contains("also"))
      for (json& o : e["also"]) {
        symbolize_stack(o["held_stack"], s);
        symbolize_stack(o["acquire_stack"], s);
      }
  }
  show_takes(f);
  for (json& w : f["waits"]) symbolize_stack(w["stack"], s);
  if (const std::vector<std::string> tests = googletest_tests(f); !tests.empty()) f["tests"] = tests;
  f.erase(googletest_running_key);
  for (json& l : f["locks"]) {
    if (l.contains("module")) l["module"] = s.module_file(l.value("module", ""));
    if (l.contains("module") && !l.contains("symbol")) {
      code_location where;
      where.module = l.value("module", "");
      where.offset = std::stoull(l.value("offset", "0x0"), nullptr, 16);
      if (std::string symbol = s.data_symbol(where); !symbol.empty()) l["symbol"] = source_name(std::move(symbol));
    }
  }
  name_std_sync_words(f);  // by the waiters' stacks, before the labels it changes are renamed
  name_locks_by_expression(f, [&s](const std::string& file, int line) { return s.source_text(file, line); });
  for (const json& l : f["locks"]) {
    if (!l.value("name", "").empty()) continue;
    const std::uint64_t id = l.value("id", std::uint64_t{0});
    const std::string written = l.value("type", "lock") + "#" + std::to_string(id);
    const std::string label = lock_label(f, id);  // its variable, or how the program's calls spell it
    if (label == written) continue;
    rename_in_text(f["message"], written, label);
    for (json& w : f["waits"]) rename_in_text(w["waits_for"], written, label);
  }
}

bool is_installed_code(const json& fr) {
  const std::string file = fr.value("file", "");
  const std::string module = fr.value("module", "");
  // Not all of /usr: a program's own source can live there (/usr/src/app in container images).
  return starts_with(file, "/usr/include/") || starts_with(file, "/usr/local/include/") || starts_with(file, "/usr/lib/") ||
         starts_with(module, "/lib/") || starts_with(module, "/usr/lib/");
}

bool is_program_source(const json& fr) {
  return !fr.value("file", "").empty() && !is_installed_code(fr) && !is_plumbing_frame(fr);
}

bool is_plumbing_frame(const json& fr) {
  if (is_runtime_frame(fr)) return true;
  const std::string full = fr.value("function", "");
  const std::string_view fn = qualified_name(full);
  // Mangled names are those the demangler could not read (GCC's C4/D4 constructors).
  if (starts_with(fn, "_ZNSt") || starts_with(fn, "_ZSt")) return true;
  if (starts_with(fn, "gridlock::") || starts_with(fn, "std::") || starts_with(fn, "__gnu_cxx::") ||
      starts_with(fn, "__gthread") || starts_with(fn, "pthread_") || starts_with(fn, "__pthread") ||
      starts_with(fn, "_start") || starts_with(fn, "__libc_start") ||
      starts_with(fn, "start_thread") || starts_with(fn, "clone"))
    return true;
  // Abseil's lock classes and guards (absl::MutexLock's constructor, inlined), as std::lock_guard.
  if (starts_with(fn, "absl::")) return true;
  // Code inlined from Gridlock's own headers (the primitives, gridlock::thread's wrapper).
  if (fr.value("file", "").find("include/gridlock/") != std::string::npos) return true;
  const std::string module = fr.value("module", "");
  const std::string base = module.substr(module.find_last_of('/') + 1);
  // Abseil's libraries too, as libstdc++: their waits (AbslInternalPerThreadSemWait) are C symbols.
  return starts_with(base, "libc.so") || starts_with(base, "libstdc++") || starts_with(base, "libabsl_");
}

std::vector<json> user_frames(const json& stack) {
  std::vector<json> user;
  if (stack.is_array())
    for (const json& fr : stack)
      if (!is_plumbing_frame(fr)) user.push_back(fr);
  return user;
}

std::size_t lock_function_depth(const json& edge) {
  return shared_calls(user_frames(edge.value("held_stack", json::array())),
                      user_frames(edge.value("acquire_stack", json::array())));
}

json first_user_frame(const json& stack) {
  if (!stack.is_array()) return nullptr;
  for (const json& fr : stack)
    if (!is_plumbing_frame(fr)) return fr;
  return nullptr;
}

void add_fingerprint(json& f) {
  std::vector<std::string> parts;
  // The acquiring side only: the held side's stack is the first path that made the edge, and which
  // path that is (a compaction thread or a manual compaction's caller, under RocksDB's DB mutex) is
  // timing. Where the second lock is taken is the same on every path. The held stack still tells
  // how many calls a lock function both sides went through shares (shared_calls).
  // An edge several threads took at different lines (`also`) counts by the one that sorts first, so
  // that which thread came first does not change it.
  for (const json& e : f.value("edges", json::array())) {
    std::string at = edge_site(e);
    for (const json& o : e.value("also", json::array())) at = std::min(at, edge_site(o));
    parts.push_back(at);
  }
  for (const json& w : f.value("waits", json::array())) {
    const std::vector<json> user = user_frames(w.value("stack", json::array()));
    // A timeout lists every thread. One the watchdog found running was wherever it happened to be (a
    // spinning scheduler's loop, a busy worker), which differs from run to run: it counts by its
    // outermost frame of the program's own code (its thread's body, main), which does not.
    if (w.value("state", "").starts_with("R")) {
      const auto outer = std::find_if(user.rbegin(), user.rend(), is_program_source);
      parts.push_back("running@" + (outer != user.rend() ? location(*outer) : user.empty() ? "?" : location(user.back())));
      continue;
    }
    parts.push_back("wait@" + site(user));
  }
  if (parts.empty()) parts.push_back("at@" + site(user_frames(f.value("stack", json::array()))));
  // The locks' variables, where they have one (without the offset into it): two cycles through the
  // same functions but other locks are two bugs. Heap locks, and elements of one array, are not told
  // apart: the same code with other objects is the same bug.
  for (const json& l : f.value("locks", json::array()))
    if (const std::string symbol = l.value("symbol", ""); !symbol.empty())
      parts.push_back("lock@" + symbol.substr(0, symbol.find('+')));
  // Sorted: the same cycle entered at another edge, or the same threads listed in another order,
  // is the same finding.
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string text = f.value("kind", "");
  for (const std::string& p : parts) text += "|" + p;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(text)));
  f["fingerprint"] = buf;
}

}  // namespace gridlock
