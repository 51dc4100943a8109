// A trial program for runner_test: makes a finding (a lock-order cycle, which does not stop it) and then
// aborts, so the runner must keep the finding it streamed before the crash.
#include <cstdlib>
#include <mutex>

#include "gridlock/gridlock.h"

int main() {
  gridlock::mutex a("a");
  gridlock::mutex b("b");
  {
    std::scoped_lock ab(a);
    std::scoped_lock then_b(b);
  }
  {
    std::scoped_lock ba(b);
    std::scoped_lock then_a(a);  // b -> a closes the cycle a -> b -> a
  }
  std::abort();
}
