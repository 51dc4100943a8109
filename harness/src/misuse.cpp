#include "misuse.h"

#include <string>

#include "runtime_core.h"

namespace gridlock::misuse {
namespace {

/// A finding about `self` and `locks`, with self's held set as its one wait entry.
finding make(finding_kind kind, thread_record& self, std::initializer_list<const lock_record*> locks,
             std::string message) {
  finding f;
  f.kind = kind;
  f.message = std::move(message);
  f.threads.push_back(describe(self));
  f.stack = stack_of(capture_stack(2));
  wait_info w;
  w.thread = self.id;
  w.stack = f.stack;
  for (const lock_record* l : locks)
    if (l != nullptr) f.locks.push_back(describe(*l));
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const lock_record* l = self.held[i].lock.load(std::memory_order_relaxed);
    w.holds.push_back(l->id);
    bool listed = false;
    for (const lock_info& li : f.locks) listed = listed || li.id == l->id;
    if (!listed) f.locks.push_back(describe(*l));
  }
  f.waits.push_back(std::move(w));
  return f;
}

/// Adds the held lock's acquisition stack as an edge-like record: where it was taken the first time.
void add_acquired_at(finding& f, thread_record& self, const lock_record& lock) {
  if (held_lock* h = self.find_held(&lock)) {
    edge_info e;
    e.from = lock.id;
    e.to = lock.id;
    e.from_shared = h->mode.load(std::memory_order_relaxed) == access::shared;
    e.thread = self.id;
    e.held_stack = stack_of(h->acquired_at);
    f.edges.push_back(std::move(e));
  }
}

}  // namespace

void recursive_lock(thread_record& self, lock_record& lock, access mode) {
  finding f = make(finding_kind::recursive_lock, self, {&lock},
                   label(self) + " locks " + label(lock) + " (" + lock.type_name +
                       (mode == access::shared ? ", for reading" : "") +
                       ") again while already holding it: a non-recursive lock would hang here");
  f.waits.front().lock = lock.id;
  f.waits.front().waits_for = "lock " + label(lock) + " held by itself";
  add_acquired_at(f, self, lock);
  report(std::move(f));
}

void lock_upgrade(thread_record& self, lock_record& lock) {
  finding f = make(finding_kind::lock_upgrade, self, {&lock},
                   label(self) + " asks for the write side of " + label(lock) +
                       " while holding its read side: a shared lock cannot be upgraded, this hangs");
  f.waits.front().lock = lock.id;
  f.waits.front().waits_for = "write lock of " + label(lock) + " read-held by itself";
  add_acquired_at(f, self, lock);
  report(std::move(f));
}

void unlock_not_owner(thread_record& self, lock_record& lock, access mode) {
  const thread_record* owner = lock.owner.load(std::memory_order_acquire);
  std::string what;
  if (owner != nullptr && owner != &self)
    what = "which is held by " + label(*owner);
  else if (threads::held_by_any(&lock))  // by itself in the other mode, or by readers
    what = std::string("which it does not hold ") + (mode == access::shared ? "for reading" : "for writing");
  else
    what = "which is not locked";
  finding f = make(finding_kind::unlock_not_owner, self, {&lock},
                   label(self) + " unlocks " + label(lock) + " " + what);
  if (owner != nullptr && owner != &self) f.threads.push_back(describe(*owner));
  report(std::move(f));
}

void held_at_exit(thread_record& self) {
  std::string names;
  bool all_robust = true;
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    names += (i ? ", " : "") + label(*self.held[i].lock.load());
    all_robust = all_robust && self.held[i].lock.load()->robust;
  }
  // A robust mutex goes on: glibc hands it to its next locker, who must repair what it guarded.
  finding f = make(finding_kind::lock_held_at_exit, self, {},
                   label(self) + " exits while holding " + (names.empty() ? "locks" : names) +
                       (n > 0 && all_robust ? ": the next to lock it gets EOWNERDEAD, with what it guards "
                                              "left as this thread left it"
                                            : ": whoever waits for them waits forever"));
  for (std::uint32_t i = 0; i < n; ++i) add_acquired_at(f, self, *self.held[i].lock.load());
  report(std::move(f));
}

void destroy_locked(thread_record& self, lock_record& lock) {
  const thread_record* owner = lock.owner.load(std::memory_order_acquire);
  finding f = make(finding_kind::destroy_locked, self, {&lock},
                   label(self) + " destroys " + label(lock) + " while it is held" +
                       (owner != nullptr ? " by " + label(*owner) : std::string(" for reading")));
  if (owner != nullptr && owner != &self) f.threads.push_back(describe(*owner));
  report(std::move(f));
}

void cv_different_mutex(thread_record& self, lock_record& cond, lock_record& mutex,
                        const std::vector<thread_record*>& others) {
  std::string who;
  for (std::size_t i = 0; i < others.size(); ++i) who += (i ? ", " : "") + label(*others[i]);
  finding f = make(finding_kind::cv_different_mutex, self, {&cond, &mutex},
                   label(self) + " waits on condition variable " + label(cond) + " with " + label(mutex) +
                       " while " + who + (others.size() == 1 ? " waits" : " wait") +
                       " on it with another mutex: a notify may wake the wrong waiter, and miss the right one");
  f.waits.front().lock = cond.id;
  f.waits.front().waits_for = "condition variable " + label(cond) + " with " + label(mutex);
  for (thread_record* t : others) {
    f.threads.push_back(describe(*t));
    wait_info w;
    w.thread = t->id;
    w.lock = cond.id;
    w.waits_for = "condition variable " + label(cond) + " with another mutex";
    w.stack = stack_of(t->wait_stack.load(std::memory_order_relaxed));
    f.waits.push_back(std::move(w));
  }
  report(std::move(f));
}

void on_object(thread_record& self, finding_kind kind, lock_record* object, const char* message) {
  finding f = make(kind, self, {object},
                   label(self) + ": " + message + (object ? " (" + label(*object) + ")" : std::string()));
  if (object != nullptr) f.waits.front().lock = object->id;
  report(std::move(f));
}

}  // namespace gridlock::misuse
