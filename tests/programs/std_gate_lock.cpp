// Correct: two threads take a and b in opposite orders, but always under the same gate mutex, which
// serializes the inverted sections. Expected: no finding, exit code 0.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex gate;
std::mutex a;
std::mutex b;
int x = 0;

void forward() {
  for (int i = 0; i < 10000; ++i) {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
    ++x;
  }
}

void backward() {
  for (int i = 0; i < 10000; ++i) {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
    --x;
  }
}

}  // namespace

int main() {
  std::thread t1(forward);
  std::thread t2(backward);
  t1.join();
  t2.join();
  std::printf("x %d\n", x);
  return x == 0 ? 0 : 1;
}
