// Hold-and-wait on a bounded queue: the producer keeps the stats lock while pushing, and push() waits on
// the queue's condition variable for space. The consumer takes the stats lock before each pop to check
// whether it is done, so once the queue is full the producer waits for space that only the consumer can
// make, and the consumer waits for the producer's lock. Seeds whose queue holds the whole batch never
// fill it and finish.
#include <deque>
#include <mutex>

#include "gridlock/condition_variable.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  void push(int v) {
    std::unique_lock<gridlock::mutex> lk(mu_);
    not_full_.wait(lk, [&] { return items_.size() < capacity_; });
    items_.push_back(v);
    not_empty_.notify_one();
  }

  int pop() {
    std::unique_lock<gridlock::mutex> lk(mu_);
    not_empty_.wait(lk, [&] { return !items_.empty(); });
    const int v = items_.front();
    items_.pop_front();
    not_full_.notify_one();
    return v;
  }

 private:
  const std::size_t capacity_;
  gridlock::mutex mu_{"queue"};
  gridlock::condition_variable not_full_{"queue.not-full"};
  gridlock::condition_variable not_empty_{"queue.not-empty"};
  std::deque<int> items_;  // guarded by mu_
};

struct stats {
  gridlock::mutex mu{"stats"};
  int produced = 0;  // guarded by mu
  int consumed = 0;  // guarded by mu
};

void body(scenarios::context& ctx) {
  const std::size_t capacity = 1 + ctx.pick(4);
  const int total = 2 + static_cast<int>(ctx.pick(8));
  bounded_queue q(capacity);
  stats st;

  gridlock::thread producer = scenarios::start_running("producer", [&] {
    for (int i = 0; i < total; ++i) {
      std::lock_guard<gridlock::mutex> g(st.mu);  // held across push(), which may wait for space
      q.push(i);
      ++st.produced;
    }
  });
  gridlock::thread consumer = scenarios::start_running("consumer", [&] {
    for (;;) {
      {
        std::lock_guard<gridlock::mutex> g(st.mu);
        if (st.consumed == total) return;
      }
      q.pop();
      std::lock_guard<gridlock::mutex> g(st.mu);
      ++st.consumed;
    }
  });
  producer.join();
  consumer.join();
}

}  // namespace

GRIDLOCK_SCENARIO("bounded-queue-hold-and-wait",
                  "a producer holds a lock the consumer needs while waiting for space in a bounded queue "
                  "(all-threads-blocked)",
                  finding, body);
