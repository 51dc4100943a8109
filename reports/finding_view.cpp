#include "reports/finding_view.h"

#include <string.h>

#include <algorithm>
#include <filesystem>

#include "finding_json.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// The first locating frame of `stack` past its first `skip` user frames, under `root` if `inside`.
json find_in(const json& stack, const std::string& root, bool inside, std::size_t skip = 0) {
  const std::vector<json> user = user_frames(stack);
  for (std::size_t i = skip; i < user.size(); ++i)
    if (is_program_source(user[i]) && (!inside || !path_under(user[i].value("file", ""), root).empty())) return user[i];
  return nullptr;
}

/// `j[key]` when it is a list, else nullptr.
const json* list_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

/// Every stack of the finding, deciding_stack() first.
std::vector<const json*> all_stacks(const json& f) {
  std::vector<const json*> stacks = {&deciding_stack(f), list_at(f, "stack")};
  if (const json* edges = list_at(f, "edges"))
    for (const json& e : *edges) stacks.push_back(list_at(e, "acquire_stack")), stacks.push_back(list_at(e, "held_stack"));
  if (const json* waits = list_at(f, "waits"))
    for (const json& w : *waits) stacks.push_back(list_at(w, "stack"));
  std::erase(stacks, nullptr);
  return stacks;
}

}  // namespace

std::optional<std::uint64_t> lock_id(const json& id) {
  if (id.is_number_unsigned()) return id.get<std::uint64_t>();
  if (id.is_number_integer() && id.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(id.get<std::int64_t>());
  return std::nullopt;
}

std::vector<std::uint64_t> involved_locks(const json& f) {
  std::vector<std::uint64_t> ids;
  const auto add = [&](const json& id) {
    if (const auto lock = lock_id(id); lock && std::find(ids.begin(), ids.end(), *lock) == ids.end()) ids.push_back(*lock);
  };
  for (const json& e : f.value("edges", json::array())) add(e.value("from", json())), add(e.value("to", json()));
  for (const json& w : f.value("waits", json::array())) {
    add(w.value("lock", json()));
    for (const json& id : w.value("holds", json::array())) add(id);
  }
  if (ids.empty())
    for (const json& l : f.value("locks", json::array())) add(l.value("id", json()));
  return ids;
}

std::string finding_title(const json& f) {
  std::string title = f.value("kind", "finding");
  const std::vector<std::uint64_t> ids = involved_locks(f);
  for (std::size_t i = 0; i < ids.size(); ++i)
    title += (i == 0 ? (ids.size() == 1 ? " on lock " : " on locks ") : ", ") + lock_label(f, ids[i]);
  return title;
}

const json& deciding_stack(const json& f) {
  static const json none = json::array();
  if (const json* edges = list_at(f, "edges"); edges && !edges->empty())
    if (const json* s = list_at((*edges)[0], "acquire_stack")) return *s;
  if (const json* s = list_at(f, "stack"); s && !s->empty()) return *s;
  if (const json* waits = list_at(f, "waits"); waits && !waits->empty())
    if (const json* s = list_at((*waits)[0], "stack")) return *s;
  return none;
}

json stack_locating_frame(const json& stack, std::size_t skip, const std::string& source_root) {
  if (json frame = find_in(stack, source_root, true, skip); !frame.is_null()) return frame;
  return find_in(stack, source_root, false, skip);
}

json locating_frame(const json& f, const std::string& source_root) {
  // The first edge's acquisition decides a cycle: past the lock function both its locks went through.
  const json* edges = list_at(f, "edges");
  const std::size_t skip = edges != nullptr && !edges->empty() ? lock_function_depth((*edges)[0]) : 0;
  if (json frame = stack_locating_frame(deciding_stack(f), skip, source_root); !frame.is_null()) return frame;
  for (bool inside : {true, false})
    for (const json* s : all_stacks(f))
      if (json frame = find_in(*s, source_root, inside); !frame.is_null()) return frame;
  return nullptr;
}

std::string path_under(const std::string& file, const std::string& root) {
  if (file.empty() || root.empty()) return "";
  const fs::path p = fs::path(file).lexically_normal();
  if (!p.is_absolute()) return p.generic_string();  // already relative: to the build's own directory
  const fs::path r = fs::path(root).lexically_normal();
  const fs::path rel = p.lexically_relative(r);
  if (rel.empty() || *rel.begin() == "..") return "";
  return rel.generic_string();
}

std::string display_path(const std::string& file, const std::string& root) {
  const std::string rel = path_under(file, root);
  return rel.empty() ? file : rel;
}

std::string ending_text(const json& run) {
  if (run.contains("signal")) {
    const int sig = run["signal"].get<int>();
    const char* name = ::sigabbrev_np(sig);
    return "signal " + std::to_string(sig) + (name != nullptr ? std::string(" (SIG") + name + ")" : "");
  }
  if (run.contains("exit_code")) return "exit code " + std::to_string(run["exit_code"].get<int>());
  return run.value("outcome", "");
}

}  // namespace gridlock::reports
