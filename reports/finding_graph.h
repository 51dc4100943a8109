// A finding as a small graph for the HTML report, and that graph as inline SVG. A lock-order cycle is
// its locks, with an edge per cycle edge labelled with the thread and the function that acquired the
// second lock. A wait-for finding (deadlock, all threads blocked, misuse, timeout) is a resource
// allocation graph: threads and locks as nodes, "waits for" edges labelled with the function where the
// thread waits, and "held by" edges from each lock to the threads holding it. Nodes sit on a circle in
// the order the cycle visits them, edges bow outwards, so a cycle reads as a ring.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gridlock::reports {

struct finding_graph {
  struct node {
    std::string label;
    bool thread = false;  ///< a thread, else a lock (or condition variable, channel, ...)
  };
  struct edge {
    std::size_t from = 0, to = 0;  ///< node indexes
    std::string label;             ///< first line: the thread, or what the edge means
    std::string detail;            ///< second line: the function and its file:line; may be empty
    std::string tooltip;           ///< the full text, for <title>
    bool holds = false;            ///< a "held by" edge (drawn quieter)
  };
  std::vector<node> nodes;
  std::vector<edge> edges;
};

/// The graph of a symbolized finding; no nodes when there is nothing to draw (no edges, and no wait
/// that involves a lock or a join).
finding_graph graph_of(const nlohmann::json& finding);

/// Inline SVG (no namespace URL needed inside HTML), every label escaped; "" for an empty graph. Its
/// arrowheads are svg_defs()'s, which the page holds once.
std::string render_svg(const finding_graph& graph);
/// The arrowhead markers every graph of a page refers to.
std::string svg_defs();

/// A function name short enough for a label: no parameters, no return type, no "(anonymous namespace)::".
std::string short_function(const std::string& function);

}  // namespace gridlock::reports
