// A trial program for runner_test: writes a line to each output and exits with code 3, finding nothing.
#include <cstdio>

int main() {
  std::puts("exit3 says hello on stdout");
  std::fputs("exit3: something went wrong\n", stderr);
  return 3;
}
