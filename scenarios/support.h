// Small helpers shared by the built-in scenarios (not part of the scenario interface).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "gridlock/thread.h"

namespace scenarios {

/// Starts a named gridlock::thread and returns once its body is running. A join is a wait the wait-for
/// graph can follow only once the joined thread has announced itself, so scenarios whose finding is a
/// join that can never end start the threads they will join this way.
template <class F>
gridlock::thread start_running(std::string name, F body) {
  std::atomic<bool> running{false};
  gridlock::thread t = gridlock::thread::named(std::move(name), [&running, body = std::move(body)]() mutable {
    running.store(true, std::memory_order_release);  // the last use of `running` in this thread
    body();
  });
  while (!running.load(std::memory_order_acquire)) std::this_thread::yield();
  return t;
}

/// Keeps the calling thread busy (yielding) for about `d`: a scenario's timing window.
inline void spin_for(std::chrono::microseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
}

}  // namespace scenarios
