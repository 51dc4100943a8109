// A std::mutex is unlocked twice (the second time it is not locked: undefined behaviour for std::mutex,
// an error the interposer refuses to carry out). Expected: unlock-not-owner, exit code 0.
#include <cstdio>
#include <mutex>

namespace {

std::mutex mu;
int value = 0;

void update() {
  mu.lock();
  ++value;
  mu.unlock();
}

}  // namespace

int main() {
  update();
  mu.unlock();  // LINE:bad_unlock
  std::printf("value %d\n", value);
  return 0;
}
