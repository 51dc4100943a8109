// gridlock::channel<T>: a Go-style channel. Capacity 0 is unbuffered: send() returns once a receiver
// has taken the value. receive() returns nullopt once the channel is closed and drained. A send on a
// closed channel is reported (channel-closed-send) and the value dropped; a send or receive that can
// never complete shows up as all-threads-blocked. Under a strategy that runs one thread at a time
// (gridlock/turns.h) a waiter parks in turns instead of sleeping on changed_.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "gridlock/events.h"
#include "gridlock/turns.h"

namespace gridlock {

template <class T>
class channel {
 public:
  explicit channel(std::size_t capacity = 0, const char* name = nullptr)
      : capacity_(capacity),
        rec_(events::lock_created(this, lock_kind::plain, "gridlock::channel", name)) {}
  ~channel() { events::lock_destroyed(rec_); }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  /// Sends a value; false if the channel is closed (reported as a finding).
  bool send(T value) {
    events::at_sync_point(sync_point::channel_send);  // before our lock: a delay never holds it
    internal_scope scope;
    std::unique_lock<std::mutex> g(mu_);
    wait_until(g, [&] { return closed_ || capacity_ == 0 || queue_.size() < capacity_; });
    if (closed_) return closed_send(g);
    queue_.push_back(std::move(value));
    const std::uint64_t ticket = ++sent_;
    signal();
    if (capacity_ == 0) {
      wait_until(g, [&] { return received_ >= ticket || closed_; });
      if (received_ < ticket) return closed_send(g);
    }
    return true;
  }

  /// Receives the next value, waiting for one; nullopt once closed and drained.
  std::optional<T> receive() {
    events::at_sync_point(sync_point::channel_receive);
    internal_scope scope;
    std::unique_lock<std::mutex> g(mu_);
    wait_until(g, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    std::optional<T> value(std::move(queue_.front()));
    queue_.pop_front();
    ++received_;
    signal();
    return value;
  }

  /// Closes the channel: pending and later receives drain what is left, then get nullopt.
  void close() {
    events::at_sync_point(sync_point::channel_close);
    internal_scope scope;
    std::lock_guard<std::mutex> g(mu_);
    closed_ = true;
    signal();
  }

  lock_record* record() const noexcept { return rec_; }

 private:
  /// Waits for `ready`, telling the detectors only when it really has to wait.
  template <class Ready>
  void wait_until(std::unique_lock<std::mutex>& g, Ready ready) {
    if (ready()) return;
    ++waiting_;
    detail::wait_announced(g, changed_, {wait_kind::channel, this, rec_, nullptr, access::exclusive, false}, ready);
    --waiting_;
  }

  void signal() {
    changed_.notify_all();
    if (waiting_ > 0) {
      events::notified(rec_);
      detail::wake(rec_, true);
    }
  }

  bool closed_send(std::unique_lock<std::mutex>& g) {
    g.unlock();
    events::report_misuse(finding_kind::channel_closed_send, rec_, "send on a closed channel");
    return false;
  }

  std::mutex mu_;
  std::condition_variable changed_;  // any change: a value in or out, or close
  std::deque<T> queue_;
  const std::size_t capacity_;
  bool closed_ = false;
  std::uint64_t sent_ = 0;      // values ever queued; the ticket of an unbuffered send
  std::uint64_t received_ = 0;  // values ever taken
  int waiting_ = 0;             // threads inside wait_until's real wait
  lock_record* rec_;
};

}  // namespace gridlock
