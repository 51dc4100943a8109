// Initialization of libgridlock_preload.so: runs as the library's constructor, before the program's own
// constructors and main(). Until it has finished every hook passes straight through.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "crash_report.h"
#include "gridlock/runtime.h"
#include "interposer.h"
#include "runner_stream.h"
#include "state_request.h"

namespace gridlock::preload {
namespace {

/// A program with a runtime of its own writes GRIDLOCK_JSON itself at exit; this library's runtime then
/// writes its findings next to it, to GRIDLOCK_JSON + ".preload.json", so neither overwrites the other.
/// The reporter reads the variable once, when it first starts: start it now with the other name.
void separate_json_report() {
  const char* path = std::getenv("GRIDLOCK_JSON");
  if (path == nullptr || *path == '\0') return;
  const std::string original = path;
  setenv("GRIDLOCK_JSON", (original + ".preload.json").c_str(), 1);
  (void)gridlock::findings();
  setenv("GRIDLOCK_JSON", original.c_str(), 1);
}

[[gnu::constructor(101)]] void initialize() {
  if (!resolve_real()) return;
  lock_table_init();
  install_fork_handlers();
  const bool embedded = detect_embedded_runtime();
  find_libcxx();
  find_absl();
  find_allocator();
  if (embedded) separate_json_report();
  // An exception cannot travel through pthread_mutex_lock and friends: `throw` is taken as `exit`.
  if (const char* p = std::getenv("GRIDLOCK_ON_DEADLOCK"); p != nullptr && std::strcmp(p, "throw") == 0)
    set_deadlock_policy(deadlock_policy::exit);
  // The main thread is registered now, between the guards that tell its exit (pthread_exit) from the
  // process's exit (return from main, exit()).
  {
    hook_scope h;
    register_with_exit_guards(true);
  }
  // Under gridlock exec, a run that times out reports what each thread holds and waits for, as a
  // runner trial does. The highest real-time signal: programs use SIGUSR1/2 and the low real-time ones
  // far more. (A runtime linked into the program answers for itself, if it does.)
  if (!embedded) {
    answer_state_requests(SIGRTMAX);
    report_crashes();
  }
  if (runner_stream::enabled())
    runner_stream::write_line(nlohmann::json{{runner_stream::preloaded_key, true}, {"pid", ::getpid()}}.dump() + "\n");
  const std::uint8_t mode = hook_mode::observing | (embedded ? hook_mode::nested : 0) |
                            (g_allocator.size != 0 ? hook_mode::beside_allocator : 0);
  g_mode.store(mode, std::memory_order_release);
}

}  // namespace
}  // namespace gridlock::preload
