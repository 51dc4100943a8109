#include "state_request.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "finding_json.h"
#include "runner_stream.h"
#include "runtime_core.h"
#include "wait_for_detector.h"

namespace gridlock {
namespace {

bool g_answering = false;
int g_signal = 0;

void announce() {
  runner_stream::write_line(nlohmann::json{{state_announce_key, g_signal}, {"pid", ::getpid()}}.dump() + "\n");
}

// Not async-signal-safe: it allocates and symbol-locates. It runs only in a process that is hung and
// about to be killed, and the watchdog waits for the answer only briefly, so the worst case (the
// interrupted thread held the allocator's lock) costs nothing but this answer. Likewise the line is not
// serialized with the runtime's own stream writes: none happen in a hung process.
void on_request(int) {
  const int saved_errno = errno;
  try {
    internal_scope scope;
    const nlohmann::json reply = {{state_reply_key, encode_finding(wait_for::every_thread(finding_kind::timeout))},
                                  {"pid", ::getpid()}};
    runner_stream::write_line(reply.dump() + "\n");
  } catch (...) {
  }
  errno = saved_errno;
}

}  // namespace

void answer_state_requests(int signal) {
  // The runner asks only a process whose answer it hears at once.
  if (!runner_stream::live() || g_answering) return;
  g_answering = true;
  g_signal = signal;
  struct sigaction action {};
  action.sa_handler = on_request;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  {
    const internal_scope runtime;  // the interposer's sigaction() hook: not the program's handler
    ::sigaction(signal, &action, nullptr);
  }
  announce();
}

void answer_state_requests_after_fork() {
  if (g_answering && runner_stream::live()) announce();
}

}  // namespace gridlock
