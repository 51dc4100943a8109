// The runtime's own lock for its slow paths (new edges, wait-for checks, the finding list, the stack
// depot). It is a spin lock that yields, not a pthread mutex: the LD_PRELOAD interposer intercepts
// pthread_mutex_lock, and the detectors must never observe, or deadlock on, their own locking.
//
// Holding one is a critical section (below): the interposer must know, so that fork() never copies a
// runtime lock held by a thread the child will not have, and so that a program's signal handler never
// runs while its thread holds one.
#pragma once

#include <sched.h>

#include <atomic>

namespace gridlock {

/// Told when a thread enters its outermost runtime critical section and when it leaves it, so the
/// host can hold back what must not happen meanwhile (the interposer: fork() in another thread, a
/// program's asynchronous signal handler on this one). `enter` may wait before the section starts;
/// both must nest (count) and must not take an internal_lock.
struct critical_observer {
  void (*enter)() noexcept;
  void (*leave)() noexcept;
};

namespace detail {
/// Null (the default) in a program that links the runtime itself: there is nothing to hold back.
/// Installed once, by the interposer's constructor, before any critical section (internal_lock.cpp).
extern constinit const critical_observer* critical_hooks;
}  // namespace detail

/// Brackets runtime work that holds a lock not of the runtime's own (glibc's unwinder) as a critical
/// section. internal_lock brackets itself.
class critical_section {
 public:
  critical_section() noexcept { enter(); }
  ~critical_section() { leave(); }
  critical_section(const critical_section&) = delete;
  critical_section& operator=(const critical_section&) = delete;

  static void enter() noexcept {
    if (const critical_observer* o = detail::critical_hooks) [[unlikely]] o->enter();
  }
  static void leave() noexcept {
    if (const critical_observer* o = detail::critical_hooks) [[unlikely]] o->leave();
  }
};

class internal_lock {
 public:
  constexpr internal_lock() noexcept = default;
  void lock() noexcept {
    critical_section::enter();
    for (unsigned spins = 0; locked_.exchange(true, std::memory_order_acquire);) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64)
          cpu_relax();
        else
          sched_yield();
      }
    }
  }
  bool try_lock() noexcept {
    critical_section::enter();
    if (!locked_.exchange(true, std::memory_order_acquire)) return true;
    critical_section::leave();
    return false;
  }
  void unlock() noexcept {
    locked_.store(false, std::memory_order_release);
    critical_section::leave();
  }

 private:
  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    asm volatile("yield" ::: "memory");
#endif
  }

  std::atomic<bool> locked_{false};
};

}  // namespace gridlock
