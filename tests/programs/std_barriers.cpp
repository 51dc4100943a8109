// pthread barriers, whose waits glibc makes on a futex word of its own, out of every other hook's reach.
//   (no argument)  correct: four threads meet at one barrier round after round, and a second barrier
//                  is destroyed and made again for fewer parties
//   holding        a thread waits at a barrier holding the mutex its partner needs before it arrives
//   short          a barrier for three parties that only two threads ever reach
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace {

pthread_barrier_t meeting_point;
std::mutex table_mu;
std::atomic<long> table{0};

void arrive_holding_the_table() {
  std::lock_guard<std::mutex> g(table_mu);
  ++table;
  pthread_barrier_wait(&meeting_point);  // LINE:wait_holding
}

void update_then_arrive() {
  {
    std::lock_guard<std::mutex> g(table_mu);  // LINE:partner_lock
    ++table;
  }
  pthread_barrier_wait(&meeting_point);
}

std::atomic<int> serial_arrivals{0};

void arrive() {
  const int r = pthread_barrier_wait(&meeting_point);  // LINE:short_wait
  serial_arrivals += r == PTHREAD_BARRIER_SERIAL_THREAD;  // also keeps the wait from being a tail call
}

/// Rounds at one barrier, each thread's part of a round under a mutex: the round's last arrival must
/// never look like a waiter, however the arrivals interleave.
void rounds(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    {
      std::lock_guard<std::mutex> g(table_mu);
      ++table;
    }
    pthread_barrier_wait(&meeting_point);
  }
}

void run_threads(int n, void (*body)(int), int arg) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(body, arg);
  for (auto& t : threads) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "holding") == 0) {
    pthread_barrier_init(&meeting_point, nullptr, 2);
    std::thread a(arrive_holding_the_table);
    while (table == 0) std::this_thread::yield();  // a holds the mutex (or has passed: never, it waits)
    std::thread b(update_then_arrive);
    a.join();
    b.join();
  } else if (std::strcmp(mode, "short") == 0) {
    pthread_barrier_init(&meeting_point, nullptr, 3);
    std::thread a(arrive), b(arrive);
    a.join();  // LINE:short_join
    b.join();
  } else {
    pthread_barrier_init(&meeting_point, nullptr, 4);
    run_threads(4, rounds, 2000);
    pthread_barrier_destroy(&meeting_point);
    pthread_barrier_init(&meeting_point, nullptr, 3);
    run_threads(3, rounds, 500);
  }
  pthread_barrier_destroy(&meeting_point);
  return 0;
}
