#include "runner/finding_stream.h"

#include <signal.h>

#include <utility>

#include "state_request.h"

namespace gridlock::runner {
namespace {

// A stream line longer than this is no line gridlock wrote: drop it rather than grow without bound.
constexpr std::size_t max_line = 64u << 20;

}  // namespace

finding_stream::finding_stream(line_handler other) : other_(std::move(other)) {}

void finding_stream::feed(const char* data, std::size_t n) {
  line_.append(data, n);
  std::size_t start = 0;
  for (std::size_t end; (end = line_.find('\n', start)) != std::string::npos; start = end + 1)
    on_line(std::string_view(line_).substr(start, end - start));
  line_.erase(0, start);
  if (line_.size() > max_line) line_.clear();
}

void finding_stream::on_line(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return;  // cut short by a kill mid-write
  const auto pid_field = j.find("pid");
  const pid_t pid = pid_field != j.end() && pid_field->is_number_integer() ? pid_field->get<pid_t>() : 0;
  if (const auto it = j.find(state_announce_key); it != j.end() && it->is_number_integer()) {
    state_signals_[pid] = it->get<int>();
  } else if (const auto reply = j.find(state_reply_key); reply != j.end()) {
    states_[pid] = std::move(*reply);
  } else if (!(other_ && other_(j)) && j.contains("kind")) {
    findings.push_back(std::move(j));
  }
}

std::map<pid_t, nlohmann::json> ask_states(finding_stream& stream, const std::vector<pid_t>& processes,
                                           std::chrono::milliseconds patience, const stream_pump& pump) {
  for (const pid_t pid : processes) {
    const auto signal = stream.state_signals().find(pid);
    if (signal == stream.state_signals().end() || ::kill(pid, signal->second) != 0) continue;
    const auto until = std::chrono::steady_clock::now() + patience;
    while (!stream.states().contains(pid) && std::chrono::steady_clock::now() < until)
      if (!pump(until)) return stream.states();
  }
  return stream.states();
}

}  // namespace gridlock::runner
