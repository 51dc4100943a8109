#include "state_request.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "finding_json.h"
#include "lock_record.h"
#include "runtime_core.h"

namespace gridlock {
namespace {

int g_stream_fd = -1;

std::string object_text(const lock_record* l) { return l != nullptr ? label(*l) : "?"; }

std::string wait_text(wait_kind what, const lock_record* object, const thread_record* joined, access mode) {
  switch (what) {
    case wait_kind::lock: {
      std::string s = (mode == access::shared ? "read lock of " : "lock ") + object_text(object);
      if (object != nullptr)
        if (const thread_record* owner = object->owner.load(std::memory_order_acquire)) s += " held by " + label(*owner);
      return s;
    }
    case wait_kind::thread: return joined != nullptr ? "join of " + label(*joined) : "join of a thread";
    case wait_kind::condition: return "condition variable " + object_text(object);
    case wait_kind::channel: return "channel " + object_text(object);
    case wait_kind::wait_group: return "wait group " + object_text(object);
    case wait_kind::none: break;
  }
  return {};
}

// Every live thread the runtime knows, with what it holds and waits for. The process is hung, so the
// records hold still while we read them.
finding known_threads() {
  finding f;
  f.kind = finding_kind::timeout;
  std::vector<const lock_record*> locks;
  auto note_lock = [&](const lock_record* l) {
    if (l != nullptr && std::find(locks.begin(), locks.end(), l) == locks.end()) locks.push_back(l);
  };
  for (thread_record* t = threads::first(); t != nullptr; t = t->next) {
    if (!t->alive.load(std::memory_order_acquire)) continue;
    f.threads.push_back(describe(*t));
    wait_info w;
    w.thread = t->id;
    const std::uint32_t held = std::min(t->held_count.load(std::memory_order_acquire), thread_record::max_held);
    for (std::uint32_t i = 0; i < held; ++i)
      if (const lock_record* l = t->held[i].lock.load(std::memory_order_relaxed)) {
        w.holds.push_back(l->id);
        note_lock(l);
      }
    // A notified wait is shown too: a notify reached its condition variable, and yet the thread may
    // sleep on in it (the notify woke another waiter).
    const std::uint64_t state = thread_record::wait_state(t->wait_epoch.load(std::memory_order_acquire));
    if (state != thread_record::wait_running) {
      const wait_kind what = t->wait_what.load(std::memory_order_relaxed);
      const lock_record* object = t->wait_lock.load(std::memory_order_relaxed);
      w.waits_for = wait_text(what, object, t->wait_thread.load(std::memory_order_relaxed),
                              t->wait_access.load(std::memory_order_relaxed));
      if (t->wait_timed.load(std::memory_order_relaxed)) w.waits_for += " (timed)";
      if (state == thread_record::wait_notified) w.waits_for += " (notified)";
      note_lock(object);  // condition variables, channels, wait groups too: reports name them by it
      if (what == wait_kind::lock && object != nullptr) w.lock = object->id;
      w.stack = stack_of(t->wait_stack.load(std::memory_order_relaxed));
    }
    f.waits.push_back(std::move(w));
  }
  for (const lock_record* l : locks) f.locks.push_back(describe(*l));
  return f;
}

// Not async-signal-safe: it allocates and symbol-locates. It runs only in a process that is hung and
// about to be killed, and the watchdog waits for the answer only briefly, so the worst case (the
// interrupted thread held the allocator's lock) costs nothing but this answer. Likewise the line is not
// serialized with the runtime's own stream writes: none happen in a hung process.
void on_request(int) {
  const int saved_errno = errno;
  try {
    internal_scope scope;
    const nlohmann::json reply = {{state_reply_key, encode_finding(known_threads())}};
    write_all(g_stream_fd, reply.dump() + "\n");
  } catch (...) {
  }
  errno = saved_errno;
}

}  // namespace

void answer_state_requests(int signal) {
  const char* fd = std::getenv("GRIDLOCK_STREAM_FD");
  if (fd == nullptr || g_stream_fd >= 0) return;
  g_stream_fd = std::atoi(fd);
  struct sigaction action {};
  action.sa_handler = on_request;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
  write_all(g_stream_fd, nlohmann::json{{state_announce_key, signal}}.dump() + "\n");
}

}  // namespace gridlock
