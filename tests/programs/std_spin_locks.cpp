// pthread spin locks, whose waits spin in the program instead of sleeping.
//   (no argument)  correct: two locks always taken in one order, and a try-lock back-off
//   inversion      two threads, one after the other, take first -> second and second -> first
//   deadlock       the same two threads at once, each holding its first lock: an actual deadlock
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace {

pthread_spinlock_t first_spin;
pthread_spinlock_t second_spin;
std::atomic<int> holding{0};

void first_then_second(bool meet) {
  pthread_spin_lock(&first_spin);
  if (meet) {
    holding.fetch_add(1);
    while (holding.load() < 2) std::this_thread::yield();
  }
  pthread_spin_lock(&second_spin);  // LINE:first_then_second
  pthread_spin_unlock(&second_spin);
  pthread_spin_unlock(&first_spin);
}

void second_then_first(bool meet) {
  pthread_spin_lock(&second_spin);
  if (meet) {
    holding.fetch_add(1);
    while (holding.load() < 2) std::this_thread::yield();
  }
  pthread_spin_lock(&first_spin);  // LINE:second_then_first
  pthread_spin_unlock(&first_spin);
  pthread_spin_unlock(&second_spin);
}

void ordered_with_back_off() {
  for (int i = 0; i < 200; ++i) {
    pthread_spin_lock(&first_spin);
    pthread_spin_lock(&second_spin);
    pthread_spin_unlock(&second_spin);
    pthread_spin_unlock(&first_spin);
    pthread_spin_lock(&second_spin);
    if (pthread_spin_trylock(&first_spin) == 0) pthread_spin_unlock(&first_spin);  // never waits: no edge
    pthread_spin_unlock(&second_spin);
  }
}

}  // namespace

int main(int argc, char** argv) {
  pthread_spin_init(&first_spin, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&second_spin, PTHREAD_PROCESS_PRIVATE);
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "inversion") == 0) {
    std::thread(first_then_second, false).join();
    std::thread(second_then_first, false).join();
  } else if (std::strcmp(mode, "deadlock") == 0) {
    std::thread a(first_then_second, true);
    std::thread b(second_then_first, true);
    a.join();
    b.join();
  } else {
    std::thread a(ordered_with_back_off), b(ordered_with_back_off);
    a.join();
    b.join();
  }
  pthread_spin_destroy(&second_spin);
  pthread_spin_destroy(&first_spin);
  return 0;
}
