// Producer/consumer through Go-style channels: a reader sends lines on a buffered channel and closes it,
// a parser turns them into records on an unbuffered channel and closes that when its input is drained,
// and a writer receives until the channel is closed. Every send has a receiver and every receive ends.
#include <string>
#include <vector>

#include "gridlock/channel.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

void body(scenarios::context& ctx) {
  const std::size_t buffer = ctx.pick(5);  // 0 is unbuffered as well
  const int lines = 5 + static_cast<int>(ctx.pick(60));
  gridlock::channel<std::string> raw(buffer, "raw-lines");
  gridlock::channel<int> records(0, "records");
  long total = 0;

  gridlock::thread reader = gridlock::thread::named("reader", [&] {
    for (int i = 0; i < lines; ++i) raw.send("line " + std::to_string(i));
    raw.close();
  });
  gridlock::thread parser = gridlock::thread::named("parser", [&] {
    while (auto line = raw.receive()) records.send(static_cast<int>(line->size()));
    records.close();
  });
  gridlock::thread writer = gridlock::thread::named("writer", [&] {
    while (auto record = records.receive()) total += *record;
  });
  reader.join();
  parser.join();
  writer.join();
}

}  // namespace

GRIDLOCK_SCENARIO("channel-pipeline",
                  "reader -> parser -> writer over channels, each stage closing its output when done", clean,
                  body);
