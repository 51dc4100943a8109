// The table the dining-philosophers scenarios share: forks (named mutexes) around it and one
// philosopher thread per seat. The scenarios differ only in the order a philosopher takes its forks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"

namespace scenarios {

struct table {
  explicit table(std::size_t seats) {
    for (std::size_t i = 0; i < seats; ++i)
      forks.push_back(std::make_unique<gridlock::mutex>(("fork[" + std::to_string(i) + "]").c_str()));
    meals.resize(seats);
  }
  /// The forks next to `seat`: its own on the left, its neighbour's on the right.
  gridlock::mutex& left_of(std::size_t seat) const { return *forks[seat]; }
  gridlock::mutex& right_of(std::size_t seat) const { return *forks[(seat + 1) % forks.size()]; }

  std::vector<std::unique_ptr<gridlock::mutex>> forks;
  std::vector<int> meals;  // meals[i] guarded by fork i
};

/// Seats a philosopher at every seat of `t`, each a thread (philosopher-0, philosopher-1, ...) that
/// runs `dine(seat)`, and returns once all have eaten.
template <class Dine>
void serve(table& t, Dine dine) {
  std::vector<gridlock::thread> philosophers;
  for (std::size_t i = 0; i < t.forks.size(); ++i)
    philosophers.push_back(gridlock::thread::named("philosopher-" + std::to_string(i), [dine, i] { dine(i); }));
  for (gridlock::thread& p : philosophers) p.join();
}

}  // namespace scenarios
