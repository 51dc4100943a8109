// The Go goroutine leak: a request is sent to several replicas, each answering on an unbuffered channel,
// and the caller takes the first answer and stops listening. Every other replica blocks forever in
// send(), since nobody will ever receive; joining them never ends.
#include <string>
#include <vector>

#include "gridlock/channel.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

void body(scenarios::context& ctx) {
  const std::size_t replicas = 2 + ctx.pick(3);
  gridlock::channel<std::string> answers(0, "answers");  // unbuffered
  std::vector<gridlock::thread> fetchers;
  for (std::size_t i = 0; i < replicas; ++i)
    fetchers.push_back(scenarios::start_running("replica-" + std::to_string(i), [&answers, i] {
      answers.send("answer from replica " + std::to_string(i));
    }));
  auto first = answers.receive();  // the fastest replica wins; nobody receives the rest
  (void)first;
  for (gridlock::thread& f : fetchers) f.join();
}

}  // namespace

GRIDLOCK_SCENARIO("unbuffered-send",
                  "replicas answer on an unbuffered channel, the caller takes only the first answer "
                  "(all-threads-blocked)",
                  finding, body);
