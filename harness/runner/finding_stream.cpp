#include "runner/finding_stream.h"

#include <signal.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gridlock/finding.h"
#include "crash_report.h"
#include "runner_stream.h"
#include "state_request.h"

namespace gridlock::runner {
namespace {

// A stream line longer than this is no line gridlock wrote: drop it rather than grow without bound.
constexpr std::size_t max_line = 64u << 20;

// What a field of a finding must hold, where present, for the reports to read it as encode_finding()
// writes it: they read each with a default of that type, which throws on another type.
enum class expects { text, whole, integer, flag, hex, wholes, frames, objects };

struct field {
  const char* key;
  expects what;
  const std::vector<field>* element = nullptr;  // expects::objects: each element's fields
};

const std::vector<field> frame_fields = {
    {"address", expects::hex}, {"module", expects::text}, {"offset", expects::hex}, {"function", expects::text},
    {"file", expects::text},   {"line", expects::whole},  {"inlined", expects::flag}, {"code", expects::text}};
const std::vector<field> lock_fields = {
    {"id", expects::whole},      {"name", expects::text},      {"type", expects::text},
    {"address", expects::text},  {"created", expects::frames}, {"module", expects::text},
    {"offset", expects::hex},    {"symbol", expects::text}};
const std::vector<field> thread_fields = {
    {"id", expects::whole}, {"tid", expects::integer}, {"name", expects::text}, {"started_at", expects::frames}};
const std::vector<field> take_fields = {
    {"thread", expects::whole}, {"held_stack", expects::frames}, {"acquire_stack", expects::frames}};
const std::vector<field> edge_fields = {
    {"from", expects::whole},   {"to", expects::whole},           {"from_mode", expects::text},
    {"to_mode", expects::text}, {"thread", expects::whole},       {"held_stack", expects::frames},
    {"acquire_stack", expects::frames}, {"also", expects::objects, &take_fields}};
const std::vector<field> wait_fields = {
    {"thread", expects::whole}, {"waits_for", expects::text}, {"holds", expects::wholes},
    {"lock", expects::whole},   {"stack", expects::frames}};
const std::vector<field> finding_fields = {
    {"message", expects::text},
    {"locks", expects::objects, &lock_fields},
    {"threads", expects::objects, &thread_fields},
    {"edges", expects::objects, &edge_fields},
    {"waits", expects::objects, &wait_fields},
    {"stack", expects::frames},
    {"pid", expects::integer},
    {"repeats", expects::whole}};
const std::vector<field> crash_fields = {
    {"signal", expects::whole}, {"tid", expects::integer}, {"stack", expects::frames}};

bool is_whole(const nlohmann::json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
}

/// A code address as the symbolizer parses it: hexadecimal digits after "0x", 64 bits at most.
bool is_hex(const nlohmann::json& j) {
  if (!j.is_string()) return false;
  const std::string& s = j.get_ref<const std::string&>();
  return s.size() > 2 && s.size() <= 18 && s.starts_with("0x") &&
         s.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
}

bool has_fields(const nlohmann::json& object, const std::vector<field>& fields);

bool holds_right(const nlohmann::json& j, const field& f) {
  const auto all = [&](auto&& ok) { return j.is_array() && std::all_of(j.begin(), j.end(), ok); };
  switch (f.what) {
    case expects::text: return j.is_string();
    case expects::whole: return is_whole(j);
    case expects::integer: return j.is_number_integer();
    case expects::flag: return j.is_boolean();
    case expects::hex: return is_hex(j);
    case expects::wholes: return all(is_whole);
    case expects::frames: return all([](const nlohmann::json& e) { return has_fields(e, frame_fields); });
    case expects::objects: return all([&](const nlohmann::json& e) { return has_fields(e, *f.element); });
  }
  return false;
}

/// Whether `object` is an object whose `fields`, where present, hold what they must.
bool has_fields(const nlohmann::json& object, const std::vector<field>& fields) {
  return object.is_object() && std::all_of(fields.begin(), fields.end(), [&](const field& f) {
           const auto it = object.find(f.key);
           return it == object.end() || holds_right(*it, f);
         });
}

/// Whether `j` has the shape of a finding as the runtime writes it (encode_finding), as far as the
/// reports rely on it: a line from another writer (a program that writes to the descriptor it got as
/// fd 3, anyone who can write the spare file) must not stop the reports of the whole run.
bool well_formed(const nlohmann::json& j) {
  const auto kind = j.find("kind");
  return j.contains("message") && kind != j.end() && kind->is_string() &&
         parse_finding_kind(kind->get<std::string>()) && has_fields(j, finding_fields);
}

/// What makes a finding one the stream has had before, as the runtime wrote it: its kind, every frame
/// of its stacks (its threads' starts too: a GoogleTest binary's tests that make one cycle through a
/// shared helper differ only there, and the report names each test) and where each lock lives. Two
/// of one shape (a cycle through the same code over other heap locks) symbolize alike, so have one
/// fingerprint and the same tests: the report keeps one anyway.
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
  for (const nlohmann::json& t : f.value("threads", nlohmann::json::array()))
    add(t.value("started_at", nlohmann::json::array()));
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
  } else if (j.contains(runner_stream::preloaded_key)) {
    preloaded_.insert(pid);
  } else if (const auto reply = j.find(state_reply_key); reply != j.end()) {
    if (well_formed(*reply)) states_[pid] = std::move(*reply);
  } else if (const auto crash = j.find(crash_key); crash != j.end()) {
    if (has_fields(*crash, crash_fields) && crash->contains("stack")) {
      (*crash)["pid"] = pid;
      crashes.push_back(std::move(*crash));
    }
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
