#include "runner/watchdog.h"

#include <dirent.h>
#include <elfutils/libdwfl.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "runner/process_view.h"

namespace gridlock::runner {
namespace {

using nlohmann::json;

constexpr std::size_t max_frames = 64;  // past any user frame; bounds the unwind of a corrupt stack

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string task_file(pid_t pid, pid_t tid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/" + file;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// The main thread first, then the others by id.
std::vector<pid_t> task_ids(pid_t pid) {
  std::vector<pid_t> tids;
  if (DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
    while (const dirent* e = ::readdir(dir))
      if (e->d_name[0] != '.') tids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    ::closedir(dir);
  }
  std::sort(tids.begin(), tids.end(), [pid](pid_t a, pid_t b) { return (a == pid) != (b == pid) ? a == pid : a < b; });
  return tids;
}

std::string state_of(pid_t pid, pid_t tid) {
  std::ifstream in(task_file(pid, tid, "status"));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("State:")) return line.substr(line.find_first_not_of(" \t", 6));
  return {};
}

std::string wchan_of(pid_t pid, pid_t tid) {
  std::string w = first_line(task_file(pid, tid, "wchan"));
  return w == "0" ? std::string() : w;
}

/// Where a thread blocked in a system call will return to: the last field of /proc/.../syscall
/// ("nr args... sp pc", "-1 sp pc", or "running").
std::optional<Dwarf_Addr> syscall_return(pid_t pid, pid_t tid) {
  std::istringstream in(first_line(task_file(pid, tid, "syscall")));
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() < 3) return std::nullopt;
  try {
    return std::stoull(fields.back(), nullptr, 16);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

char* debuginfo_path = nullptr;
const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = &debuginfo_path,
};

struct dwfl_deleter {
  void operator()(Dwfl* d) const noexcept { dwfl_end(d); }  // also detaches from every thread
};
using dwfl_ptr = std::unique_ptr<Dwfl, dwfl_deleter>;

/// The child's modules as /proc/<pid>/maps lists them: enough to locate addresses, with or without ptrace.
dwfl_ptr report_modules(pid_t pid) {
  dwfl_ptr dwfl(dwfl_begin(&proc_callbacks));
  if (!dwfl) return nullptr;
  dwfl_report_begin(dwfl.get());
  if (dwfl_linux_proc_report(dwfl.get(), pid) != 0 || dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0)
    return nullptr;
  return dwfl;
}

/// A return address as encode_finding writes a frame: its module file and its address in that file's
/// ELF address space, so the report symbolizes it like any other finding's.
json frame_at(Dwfl* dwfl, Dwarf_Addr return_address) {
  json fr = {{"address", hex(return_address)}, {"module", ""}, {"offset", hex(return_address)}};
  // The call (return_address - 1) is surely in the caller's module; the return address may lie just past it.
  Dwfl_Module* mod = dwfl != nullptr ? dwfl_addrmodule(dwfl, return_address - 1) : nullptr;
  Dwarf_Addr bias = 0;
  if (mod == nullptr || dwfl_module_getelf(mod, &bias) == nullptr) return fr;
  const char* name = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  fr["module"] = name != nullptr ? name : "";
  fr["offset"] = hex(return_address - bias);
  return fr;
}

struct unwind_state {
  Dwfl* dwfl;
  std::map<pid_t, json> stacks;
  json frames;
};

int on_frame(Dwfl_Frame* frame, void* arg) {
  auto& u = *static_cast<unwind_state*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  // Reports take every frame as a return address (looked up at address - 1); an activation frame's pc
  // (the innermost one) is the instruction itself.
  u.frames.push_back(frame_at(u.dwfl, activation ? pc + 1 : pc));
  return u.frames.size() < max_frames ? DWARF_CB_OK : DWARF_CB_ABORT;
}

int on_thread(Dwfl_Thread* thread, void* arg) {
  auto& u = *static_cast<unwind_state*>(arg);
  u.frames = json::array();
  dwfl_thread_getframes(thread, on_frame, &u);  // fails where the unwind stops early: keep what came
  if (!u.frames.empty()) u.stacks[dwfl_thread_tid(thread)] = std::move(u.frames);
  return DWARF_CB_OK;
}

/// Each thread's stack by ptrace, by thread id; empty where ptrace is refused.
std::map<pid_t, json> ptrace_stacks(Dwfl* dwfl, pid_t pid) {
  unwind_state u{dwfl, {}, json::array()};
  if (dwfl != nullptr && dwfl_linux_proc_attach(dwfl, pid, false) == 0) dwfl_getthreads(dwfl, on_thread, &u);
  return std::move(u.stacks);
}

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

/// A process's parent and process group, from /proc/PID/stat's fourth and fifth fields (the command
/// name before them may hold spaces and parentheses, so read from its last ')'); zeros when gone.
struct process_ids {
  pid_t parent = 0;
  pid_t group = 0;
};
process_ids ids_of(pid_t pid) {
  const std::string stat = first_line("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(std::min(stat.size(), stat.rfind(')') + 1)));
  std::string state;
  process_ids ids;
  if (!(rest >> state >> ids.parent >> ids.group)) return {};
  return ids;
}

/// `leader`, then the other processes whose process group it leads, by id.
std::vector<pid_t> group_members(pid_t leader) {
  std::vector<pid_t> others;
  if (DIR* dir = ::opendir("/proc")) {
    while (const dirent* e = ::readdir(dir)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid > 0 && pid != leader && ids_of(pid).group == leader) others.push_back(pid);
    }
    ::closedir(dir);
  }
  std::sort(others.begin(), others.end());
  others.insert(others.begin(), leader);
  return others;
}

/// Every thread of one process, main thread first.
void snapshot_process(pid_t pid, std::vector<thread_snapshot>& out) {
  const std::size_t first = out.size();
  // States first: once ptrace stops a thread, /proc shows it as stopped.
  const pid_t parent = ids_of(pid).parent;
  for (pid_t tid : task_ids(pid))
    out.push_back({pid, parent, tid, first_line(task_file(pid, tid, "comm")), state_of(pid, tid),
                   wchan_of(pid, tid), json::array()});
  dwfl_ptr dwfl = report_modules(pid);
  std::map<pid_t, json> stacks = ptrace_stacks(dwfl.get(), pid);
  for (std::size_t i = first; i < out.size(); ++i) {
    thread_snapshot& t = out[i];
    if (auto it = stacks.find(t.tid); it != stacks.end()) {
      t.stack = std::move(it->second);
    } else if (auto pc = syscall_return(pid, t.tid)) {
      t.stack.push_back(frame_at(dwfl.get(), *pc));
    }
  }
}

/// What a thread the kernel has in do_wait (waitpid and the like) waits for: the end of a child process,
/// naming those of the run that have not ended.
std::string child_wait_text(const std::vector<thread_snapshot>& threads, pid_t pid) {
  std::vector<pid_t> children;
  for (const thread_snapshot& t : threads)
    if (t.parent == pid && t.tid == t.pid && !t.state.starts_with("Z")) children.push_back(t.pid);
  if (children.empty()) return "the kernel (do_wait)";
  std::string text = children.size() == 1 ? "its child process pid " : "one of its child processes, pids ";
  for (std::size_t i = 0; i < children.size(); ++i) text += (i ? ", " : "") + std::to_string(children[i]);
  return text + " (do_wait)";
}

/// The processes of `threads` in the order they appear; with `skip_ended`, only those not ended.
std::vector<pid_t> processes_of(const std::vector<thread_snapshot>& threads, bool skip_ended) {
  std::vector<pid_t> out;
  for (const thread_snapshot& s : threads)
    if (!(skip_ended && s.state.starts_with("Z")) && std::find(out.begin(), out.end(), s.pid) == out.end())
      out.push_back(s.pid);
  return out;
}

}  // namespace

std::vector<thread_snapshot> snapshot_threads(pid_t leader) {
  std::vector<thread_snapshot> threads;
  for (pid_t pid : group_members(leader)) snapshot_process(pid, threads);
  return threads;
}

std::vector<pid_t> live_processes(const std::vector<thread_snapshot>& threads) { return processes_of(threads, true); }

json timeout_finding(const std::vector<thread_snapshot>& threads, const std::map<pid_t, json>& states,
                     std::chrono::milliseconds timeout) {
  const std::vector<pid_t> processes = processes_of(threads, false);
  // Gridlock's view of each thread it knows, by OS thread id: {thread, wait}; each process's ids after
  // the previous one's.
  std::map<std::int64_t, std::pair<json, json>> known;
  json locks = json::array();
  std::uint64_t last_thread = 0, last_lock = 0;
  for (const pid_t pid : processes) {
    const auto it = states.find(pid);
    if (it == states.end() || !it->second.is_object()) continue;
    json view = it->second;
    renumber_view(view, last_thread, last_lock);
    std::map<std::uint64_t, std::int64_t> tid_of;
    for (const json& t : view.value("threads", json::array())) {
      const std::uint64_t id = t.value("id", std::uint64_t{0});
      known[t.value("tid", std::int64_t{0})].first = t;
      tid_of[id] = t.value("tid", std::int64_t{0});
      last_thread = std::max(last_thread, id);
    }
    for (const json& w : view.value("waits", json::array())) {
      const auto t = tid_of.find(w.value("thread", std::uint64_t{0}));
      if (t != tid_of.end()) known[t->second].second = w;
    }
    for (const json& l : view.value("locks", json::array())) {
      last_lock = std::max(last_lock, l.value("id", std::uint64_t{0}));
      locks.push_back(l);
    }
  }
  std::uint64_t next_id = last_thread + 1;

  json f = {{"kind", "timeout"},
            {"locks", std::move(locks)},
            {"threads", json::array()},
            {"edges", json::array()},
            {"waits", json::array()}};
  std::size_t running = 0;
  for (const thread_snapshot& s : threads) {
    const auto it = known.find(s.tid);
    const bool is_known = it != known.end();
    json thread = is_known ? it->second.first : json{{"id", next_id++}, {"tid", s.tid}, {"name", ""}};
    if (thread.value("name", "").empty()) thread["name"] = s.name;
    if (s.pid != threads.front().pid)
      thread["name"] = thread.value("name", "") + " (pid " + std::to_string(s.pid) + ")";
    json wait = is_known && it->second.second.is_object() ? it->second.second : json{{"waits_for", ""}, {"holds", json::array()}};
    wait["thread"] = thread["id"];
    if (wait.value("waits_for", "").empty() && !s.wchan.empty())
      wait["waits_for"] = s.wchan == "do_wait" ? child_wait_text(threads, s.pid) : "the kernel (" + s.wchan + ")";
    wait["state"] = s.state;
    wait["wchan"] = s.wchan;
    // Where the thread is now, when ptrace could tell, beats where Gridlock saw it start waiting.
    if (!s.stack.empty() || !wait.contains("stack")) wait["stack"] = s.stack;
    running += s.state.starts_with("R");
    f["threads"].push_back(std::move(thread));
    f["waits"].push_back(std::move(wait));
  }
  f["message"] = "timed out after " + duration_text(timeout) + " with " + std::to_string(threads.size()) +
                 " thread(s)" + (processes.size() > 1 ? " in " + std::to_string(processes.size()) + " processes" : "") +
                 ", " + std::to_string(running) + " running";
  f["stack"] = f["waits"].empty() ? json::array() : f["waits"][0]["stack"];
  name_holders_by_tid(f);
  return f;
}

}  // namespace gridlock::runner
