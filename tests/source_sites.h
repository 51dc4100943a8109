// Where findings point in the tests' own sources: a line marked `// LINE:tag` in a source file, and
// the file:line of the first frame outside Gridlock and the standard library in a finding's stacks
// (encoded and symbolized JSON, as the reports have it).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "finding_json.h"

namespace gridlock::test {

/// The line of `// LINE:tag` in the file at `path`.
inline int line_of(const std::string& path, const std::string& tag) {
  std::ifstream in(path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find("// LINE:" + tag) != std::string::npos) return n;
  ADD_FAILURE() << "no LINE:" << tag << " in " << path;
  return -1;
}

/// file:line (file without directories) of every frame of a symbolized stack that has a line.
inline std::vector<std::string> frame_sites(const nlohmann::json& stack) {
  std::vector<std::string> sites;
  for (const nlohmann::json& frame : stack) {
    const std::string file = frame.value("file", "");
    if (!file.empty())
      sites.push_back(file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(frame.value("line", 0)));
  }
  return sites;
}

/// file:line (file without directories) of the first user frame of every stack of `which` kind in a
/// finding: "stack", "acquire" or "held" (its edges'), "waits".
inline std::vector<std::string> user_sites(const nlohmann::json& f, const std::string& which) {
  std::vector<nlohmann::json> stacks;
  if (which == "stack") stacks.push_back(f.at("stack"));
  if (which == "acquire" || which == "held")
    for (const nlohmann::json& e : f.at("edges"))
      stacks.push_back(e.at(which == "acquire" ? "acquire_stack" : "held_stack"));
  if (which == "waits")
    for (const nlohmann::json& w : f.at("waits")) stacks.push_back(w.at("stack"));
  std::vector<std::string> sites;
  for (const nlohmann::json& s : stacks) {
    const nlohmann::json fr = first_user_frame(s);
    if (fr.is_object()) {
      std::string file = fr.value("file", "");
      file = file.substr(file.find_last_of('/') + 1);
      sites.push_back(file + ":" + std::to_string(fr.value("line", 0)));
    }
  }
  return sites;
}

}  // namespace gridlock::test
