// Two Go-style services that each wait for the other's message before sending their own: the pinger
// receives a pong before it pings, and the ponger receives a ping before it pongs. Both block on a
// receive, and nothing can ever arrive.
#include <string>

#include "gridlock/channel.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

void body(scenarios::context& ctx) {
  gridlock::channel<int> pings(0, "pings");
  gridlock::channel<int> pongs(0, "pongs");
  const int rallies = 1 + static_cast<int>(ctx.pick(3));
  gridlock::thread pinger = scenarios::start_running("pinger", [&] {
    for (int i = 0; i < rallies; ++i) {
      auto last = pongs.receive();  // waits for a pong before the first ping
      if (!last) return;
      pings.send(*last + 1);
    }
  });
  gridlock::thread ponger = scenarios::start_running("ponger", [&] {
    for (int i = 0; i < rallies; ++i) {
      auto ball = pings.receive();
      if (!ball) return;
      pongs.send(*ball + 1);
    }
  });
  pinger.join();
  ponger.join();
}

}  // namespace

GRIDLOCK_SCENARIO("channel-cycle",
                  "two goroutine-style threads each wait to receive from the other before sending "
                  "(all-threads-blocked)",
                  finding, body);
