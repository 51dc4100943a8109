// The list of built-in scenarios, filled by each scenario file's static registration.
#include <algorithm>

#include "scenario.h"

namespace scenarios {
namespace {

std::vector<const scenario*>& registered() {
  static std::vector<const scenario*> list;
  return list;
}

}  // namespace

registration::registration(const scenario& s) { registered().push_back(&s); }

std::vector<const scenario*> all() {
  std::vector<const scenario*> list = registered();
  std::sort(list.begin(), list.end(), [](const scenario* a, const scenario* b) { return a->name < b->name; });
  return list;
}

const scenario* find(std::string_view name) {
  for (const scenario* s : registered())
    if (s->name == name) return s;
  return nullptr;
}

}  // namespace scenarios
