#include "runner/finding_stream.h"

#include <signal.h>

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "gridlock/finding.h"
#include "state_request.h"

namespace gridlock::runner {
namespace {

// A stream line longer than this is no line gridlock wrote: drop it rather than grow without bound.
constexpr std::size_t max_line = 64u << 20;

bool array_of_objects(const nlohmann::json& j) {
  return j.is_array() && std::all_of(j.begin(), j.end(), [](const nlohmann::json& e) { return e.is_object(); });
}

/// Whether `j` has the shape of a finding as the runtime writes it (encode_finding), as far as the
/// reports rely on it: a line from another writer (a program that writes to the descriptor it got as
/// fd 3, anyone who can write the spare file) must not stop the reports of the whole run.
bool well_formed(const nlohmann::json& j) {
  const auto kind = j.find("kind");
  const auto message = j.find("message");
  if (kind == j.end() || !kind->is_string() || !parse_finding_kind(kind->get<std::string>()) ||
      message == j.end() || !message->is_string())
    return false;
  // Each of these, where present: an array of objects (frames, locks, ...), in turn.
  const auto arrays_of_objects = [](const nlohmann::json& object, std::initializer_list<const char*> keys) {
    return std::all_of(keys.begin(), keys.end(), [&](const char* key) {
      const auto it = object.find(key);
      return it == object.end() || array_of_objects(*it);
    });
  };
  if (!arrays_of_objects(j, {"locks", "threads", "edges", "waits", "stack"})) return false;
  const auto all = [&](const char* key, std::initializer_list<const char*> stacks) {
    const auto it = j.find(key);
    return it == j.end() || std::all_of(it->begin(), it->end(), [&](const nlohmann::json& e) {
             return arrays_of_objects(e, stacks);
           });
  };
  if (!all("locks", {"created"}) || !all("edges", {"held_stack", "acquire_stack", "also"}) || !all("waits", {"stack"}))
    return false;
  // An edge's sightings by other threads (`also`) carry stacks too.
  const auto edges = j.find("edges");
  return edges == j.end() || std::all_of(edges->begin(), edges->end(), [&](const nlohmann::json& e) {
           const auto also = e.find("also");
           return also == e.end() || std::all_of(also->begin(), also->end(), [&](const nlohmann::json& o) {
                    return arrays_of_objects(o, {"held_stack", "acquire_stack"});
                  });
         });
}

/// What makes a finding one the stream has had before, as the runtime wrote it: its kind, every frame
/// of its stacks and where each lock lives. Two of one shape (a cycle through the same code over other
/// heap locks) symbolize alike, so have one fingerprint: the report keeps one anyway.
std::string shape_of(const nlohmann::json& f) {
  std::string s = f.value("kind", "");
  const auto add = [&](const nlohmann::json& stack) {
    s += '|';
    for (const nlohmann::json& fr : stack) s += fr.value("module", "") + '+' + fr.value("offset", "") + ';';
  };
  for (const nlohmann::json& e : f.value("edges", nlohmann::json::array())) {
    add(e.value("held_stack", nlohmann::json::array()));
    add(e.value("acquire_stack", nlohmann::json::array()));
  }
  for (const nlohmann::json& w : f.value("waits", nlohmann::json::array())) add(w.value("stack", nlohmann::json::array()));
  add(f.value("stack", nlohmann::json::array()));
  for (const nlohmann::json& l : f.value("locks", nlohmann::json::array()))
    s += '|' + l.value("module", "") + '+' + l.value("offset", "");
  return s;
}

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
    if (well_formed(*reply)) states_[pid] = std::move(*reply);
  } else if (!(other_ && other_(j)) && well_formed(j)) {
    // A program that makes thousands of one finding (a cycle for each row's lock of a table) would keep
    // them all until the report: hundreds of megabytes. One, with the count of the others, is kept.
    if (const auto [at, added] = shapes_.emplace(shape_of(j), findings.size()); !added) {
      nlohmann::json& first = findings[at->second];
      first["repeats"] = first.value("repeats", 0) + 1;
      return;
    }
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
