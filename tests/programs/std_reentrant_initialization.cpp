// An initializer that reaches its own initialization again: undefined behaviour, and a hang under
// libstdc++ and glibc (the thread waits for itself to finish). With an argument, a function-local
// static whose constructor touches the static; without, a std::call_once whose function calls it again.
#include <cstdio>
#include <mutex>

namespace {

std::once_flag setup_done;
void setup();
void ensure_setup() { std::call_once(setup_done, setup); }  // LINE:call_once
void setup() { ensure_setup(); }

struct service {
  service();
};
service& the_service() {
  static service s;  // LINE:first_use
  return s;
}
service::service() { the_service(); }

}  // namespace

int main(int argc, char**) {
  if (argc > 1)
    the_service();
  else
    ensure_setup();
  std::puts("not reached");
}
