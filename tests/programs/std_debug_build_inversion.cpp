// A lock-order inversion in a program built without optimization (tests/CMakeLists.txt adds -O0), where
// std::lock_guard, std::unique_lock and std::mutex::lock are out-of-line functions: every acquisition
// of a mutex reaches pthread_mutex_lock from the same return address inside std::mutex::lock. One
// thread takes `a` alone at one line, then a -> b, then b -> a; each edge's stacks must still name the
// lines that made it, not the first line that took the lock.
#include <cstdio>
#include <mutex>

namespace {

std::mutex a, b;
long balance = 0;

void warm() {
  std::lock_guard<std::mutex> la(a);  // LINE:warm-a
  ++balance;
}

void forward() {
  std::lock_guard<std::mutex> la(a);  // LINE:forward-a
  std::lock_guard<std::mutex> lb(b);  // LINE:forward-b
  ++balance;
}

void backward() {
  std::unique_lock<std::mutex> lb(b);  // LINE:backward-b
  std::unique_lock<std::mutex> la(a);  // LINE:backward-a
  --balance;
}

}  // namespace

int main() {
  warm();
  forward();
  backward();
  std::printf("balance %ld\n", balance);
  return 0;
}
