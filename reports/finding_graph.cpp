#include "reports/finding_graph.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numbers>
#include <optional>
#include <set>

#include "finding_json.h"
#include "reports/finding_view.h"
#include "reports/xml_text.h"
#include "utf8.h"

namespace gridlock::reports {
namespace {

using nlohmann::json;

constexpr std::size_t label_chars = 34;   // longer labels are cut, the whole text is in the tooltip
constexpr std::size_t detail_chars = 36;  // the same for an edge label's second line
constexpr double char_width = 7.5;        // at 13px, near enough for sans-serif
constexpr double node_char_width = 8.2;   // the same, bold (node labels)
constexpr double node_height = 30;

std::string cut(const std::string& text, std::size_t max = label_chars) {
  if (text.size() <= max) return text;
  return std::string(utf8_prefix(text, max - 1)) + "\xE2\x80\xA6";  // …
}

/// The frame an edge is labelled with: the first user frame of `stack` past its first `skip` (an edge's
/// lock_function_depth) with a source line of the program's own, so that a wait inside a library
/// without debug information (GLib's, called by the program) or in a library's header (Boost's inline
/// mutex::lock) shows the program's line; else the first user frame.
json label_frame(const json& stack, std::size_t skip) {
  const std::vector<json> user = user_frames(stack);
  for (std::size_t i = skip; i < user.size(); ++i)
    if (is_program_source(user[i])) return user[i];
  return first_user_frame(stack);
}

/// "function (file:line)" with the function shortened, from label_frame(stack, skip).
std::string where(const json& stack, std::size_t skip = 0) {
  const json frame = label_frame(stack, skip);
  if (frame.is_null()) return "";
  std::string text = short_function(frame.value("function", ""));
  if (text.empty()) text = "?";
  const std::string file = frame.value("file", "");
  if (!file.empty())
    text += " \xC2\xB7 " + file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(frame.value("line", 0));
  return text;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct point {
  double x = 0, y = 0;
};

std::string without_anonymous_namespaces(std::string name) {
  for (std::size_t at; (at = name.find("(anonymous namespace)::")) != std::string::npos;) name.erase(at, 23);
  return name;
}

/// The text in a node's box (its whole label is the tooltip). A lock's name keeps its end, the most
/// particular part: no "(anonymous namespace)::", a static's initialization (its guard variable) as
/// "static NAME", and a name still too long cut at the front, at a "::" where it can.
std::string node_text(const finding_graph::node& n) {
  if (n.thread) return cut(n.label);
  static const std::string guard = "guard variable for ";
  std::string name = without_anonymous_namespaces(n.label);
  if (name.starts_with(guard)) name = "static " + name.substr(guard.size());
  if (name.size() <= label_chars) return name;
  std::size_t start = name.size() - (label_chars - 1);
  // Whole trailing components where there are any, else not mid-character.
  if (const std::size_t colons = name.find("::", start); colons != std::string::npos && colons + 2 < name.size())
    start = colons + 2;
  while (start < name.size() && (static_cast<unsigned char>(name[start]) & 0xC0) == 0x80) ++start;
  return "\xE2\x80\xA6" + name.substr(start);  // …
}

/// The node's half-size: a box around its text.
point half_size(const finding_graph::node& n) {
  return {std::max(36.0, static_cast<double>(node_text(n).size()) * node_char_width / 2 + 14), node_height / 2};
}

/// Where a ray from the centre `c` towards `toward` leaves a box of half-size `h`.
point box_exit(point c, point toward, point h) {
  const double dx = toward.x - c.x, dy = toward.y - c.y;
  const double t = std::min(dx != 0 ? h.x / std::abs(dx) : 1e9, dy != 0 ? h.y / std::abs(dy) : 1e9);
  return {c.x + dx * std::min(t, 1.0), c.y + dy * std::min(t, 1.0)};
}

}  // namespace

std::string short_function(const std::string& function) {
  std::string fn = without_anonymous_namespaces(function);
  // A leading return type ("void ns::f<...>(...)"): a space before any of < ( :
  if (const std::size_t space = fn.find(' '); space != std::string::npos && space < fn.find_first_of("<(:"))
    fn.erase(0, space + 1);
  // The parameters: from the first '(' outside template arguments that is not "operator()"'s own.
  int depth = 0;
  for (std::size_t i = 0; i < fn.size(); ++i) {
    if (fn.compare(i, 10, "operator()") == 0) {
      i += 9;
      continue;
    }
    if (fn[i] == '<') ++depth;
    else if (fn[i] == '>' && depth > 0) --depth;
    else if (fn[i] == '(' && depth == 0) {
      fn.erase(i);
      break;
    }
  }
  if (fn.size() <= label_chars) return fn;
  // Still long: template arguments as <…>.
  std::string out;
  depth = 0;
  for (char c : fn) {
    if (c == '<' && depth++ == 0) out += "<\xE2\x80\xA6";
    else if (c == '>' && depth > 0 && --depth == 0) out += '>';
    else if (depth == 0) out += c;
  }
  return out;
}

finding_graph graph_of(const json& f) {
  finding_graph g;
  std::map<std::string, std::size_t> index;  // "lock:ID" / "thread:ID" -> node
  const auto lock_node = [&](std::uint64_t id) {
    const auto [it, added] = index.try_emplace("lock:" + std::to_string(id), g.nodes.size());
    if (added) g.nodes.push_back({lock_label(f, id), false});
    return it->second;
  };
  const auto thread_node = [&](std::uint32_t id) {
    const auto [it, added] = index.try_emplace("thread:" + std::to_string(id), g.nodes.size());
    if (added) g.nodes.push_back({thread_label(f, id), true});
    return it->second;
  };

  const json& edges = f.contains("edges") && f["edges"].is_array() ? f["edges"] : json::array();
  // A misuse finding's records of where its lock was acquired are no edges: its threads' holds are.
  if (!std::all_of(edges.begin(), edges.end(), [](const json& e) { return acquisition_record(e); })) {
    for (const json& e : edges) {
      if (acquisition_record(e)) continue;
      finding_graph::edge out;
      out.from = lock_node(e.value("from", std::uint64_t{0}));
      out.to = lock_node(e.value("to", std::uint64_t{0}));
      out.label = thread_label(f, e.value("thread", 0u));
      out.detail = where(e.value("acquire_stack", json::array()), lock_function_depth(e));
      out.tooltip = out.label + " acquires " + g.nodes[out.to].label + " while holding " + g.nodes[out.from].label +
                    (out.detail.empty() ? "" : ", at " + out.detail);
      g.edges.push_back(std::move(out));
    }
    return g;
  }

  // The wait-for graph, visited from the first waiting thread along "waits for" and "held by", so the
  // cycle comes out in order around the ring.
  const json& waits = f.contains("waits") && f["waits"].is_array() ? f["waits"] : json::array();
  std::map<std::uint32_t, const json*> wait_of;
  std::map<std::uint64_t, std::vector<std::uint32_t>> holders;
  for (const json& w : waits) {
    const std::uint32_t t = w.value("thread", 0u);
    wait_of.try_emplace(t, &w);
    for (const json& id : w.value("holds", json::array()))
      if (const auto lock = lock_id(id)) holders[*lock].push_back(t);
  }
  const auto joined = [](const json& w) -> std::optional<std::uint32_t> {
    const std::string text = w.value("waits_for", "");
    if (!text.starts_with("join of thread ")) return std::nullopt;
    return static_cast<std::uint32_t>(std::strtoul(text.c_str() + 15, nullptr, 10));
  };
  const auto waited_lock = [](const json& w) -> std::optional<std::uint64_t> {
    return w.contains("lock") ? lock_id(w["lock"]) : std::nullopt;
  };
  // Nodes in chain order: a thread, what it waits for, that lock's holder, what the holder waits for,
  // ... Chains start at threads no other thread waits for, so each reads in one direction round the
  // ring; what is left is a cycle, entered at its first wait.
  std::set<std::uint32_t> waited_on;
  for (const json& w : waits) {
    if (const auto j = joined(w)) waited_on.insert(*j);
    if (const auto lock = waited_lock(w))
      for (std::uint32_t holder : holders[*lock]) waited_on.insert(holder);
  }
  std::vector<std::uint32_t> order;  // threads in visiting order
  const auto follow = [&](std::uint32_t t) {
    while (std::find(order.begin(), order.end(), t) == order.end()) {
      order.push_back(t);
      thread_node(t);
      const auto it = wait_of.find(t);
      if (it == wait_of.end()) return;
      if (const auto j = joined(*it->second)) {
        t = *j;
      } else if (const auto lock = waited_lock(*it->second)) {
        lock_node(*lock);
        if (holders[*lock].empty()) return;
        t = holders[*lock].front();
      } else {
        return;
      }
    }
  };
  for (const json& w : waits)
    if (!waited_on.contains(w.value("thread", 0u))) follow(w.value("thread", 0u));
  for (const json& w : waits) follow(w.value("thread", 0u));
  for (std::uint32_t t : order) {
    const std::size_t me = thread_node(t);
    const auto it = wait_of.find(t);
    if (it == wait_of.end()) continue;
    const json& w = *it->second;
    finding_graph::edge out;
    out.from = me;
    out.detail = where(w.value("stack", json::array()));
    if (const auto j = joined(w)) {
      out.to = thread_node(*j);
      out.label = "joins";
    } else if (const auto waited = waited_lock(w)) {
      const std::uint64_t lock = *waited;
      out.to = lock_node(lock);
      out.label = "waits for";
      for (std::uint32_t holder : holders[lock]) {
        const std::size_t h = thread_node(holder);
        const std::size_t l = out.to;
        if (std::none_of(g.edges.begin(), g.edges.end(), [&](const auto& e) { return e.holds && e.from == l && e.to == h; }))
          g.edges.push_back({l, h, "held by", "", g.nodes[l].label + " is held by " + g.nodes[h].label, true});
      }
    } else {
      continue;  // waits for nothing drawable (a kernel wait, a running thread): the table says what
    }
    out.tooltip = g.nodes[me].label + " " + w.value("waits_for", out.label) + (out.detail.empty() ? "" : ", at " + out.detail);
    g.edges.push_back(std::move(out));
  }
  // Locks held by a thread that waits for nothing drawable (a lock held at exit, a kernel wait).
  for (const auto& [lock, threads] : holders)
    for (std::uint32_t t : threads) {
      const std::size_t l = lock_node(lock), h = thread_node(t);
      if (std::none_of(g.edges.begin(), g.edges.end(), [&](const auto& e) { return e.holds && e.from == l && e.to == h; }))
        g.edges.push_back({l, h, "held by", "", g.nodes[l].label + " is held by " + g.nodes[h].label, true});
    }
  if (g.edges.empty()) g.nodes.clear();  // lone threads say nothing a table does not
  return g;
}

std::string render_svg(const finding_graph& g) {
  if (g.nodes.empty()) return "";
  const std::size_t n = g.nodes.size();
  double widest = 0;
  for (const auto& node : g.nodes) widest = std::max(widest, half_size(node).x);
  // A ring wide enough that an edge's label, which sits just outside the edge between two neighbours,
  // clears both neighbours' boxes. Two nodes side by side have their labels above and below.
  double widest_label = 0;
  for (const auto& e : g.edges)
    widest_label = std::max(widest_label, static_cast<double>(std::max(cut(e.label).size(), cut(e.detail, detail_chars).size())) * char_width / 2);
  const double radius = n == 1 ? 0
                        : n == 2 ? std::max(130.0, widest + 60)
                                 : std::max(120.0, (widest_label + widest + 12) / std::sin(std::numbers::pi / static_cast<double>(n)));
  std::vector<point> at(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double start = n == 2 ? std::numbers::pi : -std::numbers::pi / 2;  // two nodes: side by side
    const double a = start + 2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    at[i] = {radius * std::cos(a), radius * std::sin(a)};
  }

  struct drawn {
    std::string path, text;
  };
  double min_x = -widest, max_x = widest, min_y = -node_height, max_y = node_height;
  const auto grow = [&](point p, double half_w, double half_h) {
    min_x = std::min(min_x, p.x - half_w), max_x = std::max(max_x, p.x + half_w);
    min_y = std::min(min_y, p.y - half_h), max_y = std::max(max_y, p.y + half_h);
  };
  std::string edges_svg, labels_svg;
  for (const auto& e : g.edges) {
    const point a = at[e.from], b = at[e.to];
    const bool self = e.from == e.to;
    const double dx = b.x - a.x, dy = b.y - a.y, len = std::hypot(dx, dy);
    // Bow to the left of the direction of travel: outwards for a ring visited clockwise, and to
    // opposite sides for the two edges between the same pair of nodes.
    point c;
    if (self) {
      c = {a.x, a.y - 90};
    } else {
      const double bow = (e.holds ? 0.18 : 0.3) * len;
      c = {(a.x + b.x) / 2 + dy / len * bow, (a.y + b.y) / 2 - dx / len * bow};
    }
    const point start = self ? point{a.x - 12, a.y - node_height / 2} : box_exit(a, c, half_size(g.nodes[e.from]));
    const point end = self ? point{a.x + 12, a.y - node_height / 2} : box_exit(b, c, half_size(g.nodes[e.to]));
    const point ctrl = self ? point{a.x, a.y - 110} : c;
    edges_svg += "<path class=\"" + std::string(e.holds ? "edge holds" : "edge") + "\" d=\"M" + fixed(start.x) + "," +
                 fixed(start.y) + " Q" + fixed(ctrl.x) + "," + fixed(ctrl.y) + " " + fixed(end.x) + "," + fixed(end.y) +
                 "\" marker-end=\"url(#" + std::string(e.holds ? "arrow-holds" : "arrow") + ")\"><title>" +
                 xml_escape(e.tooltip) + "</title></path>\n";
    // The label just outside the middle of the curve, on the side it bows to, so the curve never runs
    // through the text: its box touches the curve's apex from outside.
    const point mid = {0.25 * start.x + 0.5 * ctrl.x + 0.25 * end.x, 0.25 * start.y + 0.5 * ctrl.y + 0.25 * end.y};
    const std::string label = cut(e.label), detail = cut(e.detail, detail_chars);
    const double half_w = static_cast<double>(std::max(label.size(), detail.size())) * char_width / 2;
    const double lines_h = detail.empty() ? 15 : 30;
    point out = self ? point{0, -1} : point{mid.x - (a.x + b.x) / 2, mid.y - (a.y + b.y) / 2};
    const double out_len = std::hypot(out.x, out.y);
    out = out_len > 0 ? point{out.x / out_len, out.y / out_len} : point{0, -1};
    const double to_edge = std::min(out.x != 0 ? (half_w + 2) / std::abs(out.x) : 1e9, out.y != 0 ? (lines_h / 2 + 2) / std::abs(out.y) : 1e9);
    const point text = {mid.x + out.x * (to_edge + 4), mid.y + out.y * (to_edge + 4)};  // the text block's centre
    grow(text, half_w + 4, lines_h / 2 + 4);
    const double first_baseline = text.y - lines_h / 2 + 11;
    labels_svg += "<text class=\"" + std::string(e.holds ? "label holds" : "label") + "\" x=\"" + fixed(text.x) +
                  "\" y=\"" + fixed(first_baseline) + "\"><title>" + xml_escape(e.tooltip) + "</title>" + xml_escape(label);
    if (!detail.empty())
      labels_svg += "<tspan class=\"detail\" x=\"" + fixed(text.x) + "\" dy=\"15\">" + xml_escape(detail) + "</tspan>";
    labels_svg += "</text>\n";
  }
  std::string nodes_svg;
  for (std::size_t i = 0; i < n; ++i) {
    const point h = half_size(g.nodes[i]);
    grow(at[i], h.x, h.y);
    nodes_svg += "<g class=\"" + std::string(g.nodes[i].thread ? "node thread" : "node lock") + "\"><title>" +
                 xml_escape(g.nodes[i].label) + "</title><rect x=\"" + fixed(at[i].x - h.x) + "\" y=\"" +
                 fixed(at[i].y - h.y) + "\" width=\"" + fixed(2 * h.x) + "\" height=\"" + fixed(2 * h.y) + "\" rx=\"" +
                 (g.nodes[i].thread ? "15" : "5") + "\"/><text x=\"" + fixed(at[i].x) + "\" y=\"" + fixed(at[i].y + 4) +
                 "\">" + xml_escape(node_text(g.nodes[i])) + "</text></g>\n";
  }
  const double pad = 12;
  const double w = max_x - min_x + 2 * pad, h = max_y - min_y + 2 * pad;
  // Small graphs are drawn a little larger than their units: the graph is what a reader looks at first.
  const double zoom = n <= 3 ? 1.25 : 1.0;
  std::string svg = "<svg class=\"graph\" role=\"img\" viewBox=\"" + fixed(min_x - pad) + " " + fixed(min_y - pad) + " " +
                    fixed(w) + " " + fixed(h) + "\" width=\"" + fixed(w * zoom) + "\" height=\"" + fixed(h * zoom) + "\">\n";
  svg += edges_svg + nodes_svg + labels_svg + "</svg>";
  return svg;
}

std::string svg_defs() {
  return "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\">"
         "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
         "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/></marker>"
         "<marker id=\"arrow-holds\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
         "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead holds\"/></marker></defs></svg>\n";
}

}  // namespace gridlock::reports
