// A trial program for runner_test: locks a non-recursive gridlock::mutex twice, a fatal finding
// (recursive-lock), so the runtime ends it with gridlock::deadlock_exit_code.
#include "gridlock/gridlock.h"

int main() {
  gridlock::mutex m("m");
  m.lock();
  m.lock();
  return 0;
}
