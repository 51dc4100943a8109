// gridlock::thread: std::thread that announces itself to the detectors, so a join is a wait the
// wait-for graph understands ("join while holding the lock the joined thread needs") and its name shows
// in reports. Construct with thread::named(...) to give it a name. (Any thread's exit is checked for
// held locks; that needs no wrapper.)
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "gridlock/events.h"
#include "gridlock/turns.h"

namespace gridlock {

class thread {
 public:
  thread() noexcept = default;
  template <class F, class... Args>
  explicit thread(F&& f, Args&&... args)
      : thread(name_tag{}, std::string(), std::forward<F>(f), std::forward<Args>(args)...) {}

  /// A thread with a name for reports.
  template <class F, class... Args>
  static thread named(std::string name, F&& f, Args&&... args) {
    return thread(name_tag{}, std::move(name), std::forward<F>(f), std::forward<Args>(args)...);
  }

  thread(thread&&) noexcept = default;
  thread& operator=(thread&&) noexcept = default;

  bool joinable() const noexcept { return impl_.joinable(); }
  std::thread::id get_id() const noexcept { return impl_.get_id(); }
  std::thread::native_handle_type native_handle() { return impl_.native_handle(); }
  void detach() { impl_.detach(); }

  /// Joins, telling the wait-for graph which thread this one now waits for.
  void join() {
    // The child may not have announced itself yet; without its record the join would look like a
    // wait that ends by itself, and a join-while-holding-its-lock deadlock would go unreported.
    while (started_ && !started_->load(std::memory_order_acquire)) std::this_thread::yield();
    events::at_sync_point(sync_point::before_wait);
    wait_target target;
    target.kind = wait_kind::thread;
    target.object = this;
    target.thread = events::find_thread(impl_.native_handle());
    if (target.thread != nullptr && detail::under_control()) {
      // In turns the joined thread runs only when it has the turn: wait parked for its last sync point,
      // not in the real join (which then returns at once, or nearly).
      events::announce_block(target);
      detail::park_until(target.thread, false, [&] { return detail::thread_ended(target.thread); });
    } else {
      events::before_block(target);
    }
    {
      internal_scope scope;
      impl_.join();
    }
    events::after_wake();
  }

 private:
  struct name_tag {};
  template <class F, class... Args>
  thread(name_tag, std::string name, F&& f, Args&&... args)
      : started_(std::make_shared<std::atomic<bool>>(false)),
        impl_(
            [name = std::move(name), started = started_, key = events::child_schedule_key(),
             at = events::thread_starting()](auto&& body, auto&&... a) {
              events::thread_started(name.empty() ? nullptr : name.c_str(), at);
              started->store(true, std::memory_order_release);
              events::thread_begins(key);  // a thread_start sync point
              std::invoke(std::forward<decltype(body)>(body), std::forward<decltype(a)>(a)...);
              events::at_sync_point(sync_point::thread_exit);
            },
            std::forward<F>(f), std::forward<Args>(args)...) {}

  std::shared_ptr<std::atomic<bool>> started_;  // set by the child once its record exists
  std::thread impl_;
};

}  // namespace gridlock
