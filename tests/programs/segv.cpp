// A trial program for runner_test: dies of SIGSEGV, having found nothing.
int main() {
  // Both volatile: the compiler may neither see that the pointer is null nor drop the store.
  volatile int* volatile nowhere = nullptr;
  *nowhere = 42;
  return 0;
}
