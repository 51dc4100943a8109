#include "lock_expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "finding_json.h"

namespace gridlock {
namespace {

using nlohmann::json;

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool ident_start(const std::string& s, std::size_t i) {
  return ident_char(s[i]) && std::isdigit(static_cast<unsigned char>(s[i])) == 0 && (i == 0 || !ident_char(s[i - 1]));
}

/// `code` cut at its `//` comment, with block comments and the insides of string and character literals
/// blanked, so that what is left is code at the same offsets.
std::string masked(std::string_view code) {
  std::string s(code);
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        s[i] = ' ';
        if (c == '\\' && i + 1 < s.size()) s[++i] = ' ';  // an escaped quote does not end it
      }
    } else if (c == '"' || (c == '\'' && (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]))))) {
      quote = c;  // not a digit separator (1'000)
    } else if (s.compare(i, 2, "//") == 0) {
      s.resize(i);
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t end = std::min(s.find("*/", i + 2), s.size() - 2) + 2;
      std::fill(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(end), ' ');
    }
  }
  return s;
}

/// The offset past the bracket that closes the one at `open` ((, [, { or <), or npos.
std::size_t past_close(const std::string& s, std::size_t open) {
  const char o = s[open];
  const char c = o == '(' ? ')' : o == '[' ? ']' : o == '{' ? '}' : '>';
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == o) ++depth;
    else if (s[i] == c && --depth == 0) return i + 1;
  }
  return std::string::npos;
}

/// The offset of the bracket that opens the one that closes at `close` () or ]), or npos.
std::size_t open_of(const std::string& s, std::size_t close) {
  const char c = s[close];
  const char o = c == ')' ? '(' : '[';
  int depth = 0;
  for (std::size_t i = close + 1; i-- > 0;) {
    if (s[i] == c) ++depth;
    else if (s[i] == o && --depth == 0) return i;
  }
  return std::string::npos;
}

/// The offsets of the commas in `s` outside brackets: (), [], {}, and <> where `angles` (a declaration's
/// template arguments; in an expression `<` may compare).
std::vector<std::size_t> top_level_commas(std::string_view s, bool angles) {
  std::vector<std::size_t> commas;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{' || (angles && c == '<')) ++depth;
    else if (c == ')' || c == ']' || c == '}' || (angles && c == '>')) --depth;
    else if (c == ',' && depth == 0) commas.push_back(i);
  }
  return commas;
}

std::size_t skip_space(const std::string& s, std::size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
  return i;
}

/// Where the postfix expression that ends at `end` (exclusive) starts: names joined by `.`, `->` and
/// `::`, with calls and subscripts (`shards_[i]`, `(*it)->mu`, `pool().mu`). npos where there is none.
std::size_t postfix_start(const std::string& s, std::size_t end) {
  std::size_t i = end;
  for (;;) {
    bool any = false;
    while (i > 0 && (s[i - 1] == ')' || s[i - 1] == ']')) {
      i = open_of(s, i - 1);
      if (i == std::string::npos) return i;
      any = true;
    }
    std::size_t j = i;
    while (j > 0 && ident_char(s[j - 1])) --j;
    any = any || j < i;
    i = j;
    if (!any) return std::string::npos;
    if (i >= 2 && (s.compare(i - 2, 2, "->") == 0 || s.compare(i - 2, 2, "::") == 0)) i -= 2;
    else if (i >= 1 && s[i - 1] == '.') i -= 1;
    else return i;
  }
}

/// The arguments between the parenthesis or brace at `open` and its match, split at top-level commas.
std::optional<std::vector<std::string_view>> arguments(const std::string& s, std::string_view original,
                                                        std::size_t open) {
  const std::size_t close = past_close(s, open);
  if (close == std::string::npos) return std::nullopt;
  const std::size_t first = open + 1, end = close - 1;  // the text between the brackets
  std::vector<std::string_view> args;
  std::size_t from = first;
  for (const std::size_t comma : top_level_commas(std::string_view(s).substr(first, end - first), false)) {
    args.push_back(original.substr(from, first + comma - from));
    from = first + comma + 1;
  }
  if (end > from || !args.empty()) args.push_back(original.substr(from, end - from));
  return args;
}

std::string lowered_word(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> ends) {
  return std::any_of(ends.begin(), ends.end(), [&](std::string_view e) { return s.ends_with(e); });
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> starts) {
  return std::any_of(starts.begin(), starts.end(), [&](std::string_view e) { return s.starts_with(e); });
}

/// A member function of `family` called on the object before it (case and underscores aside:
/// `lock_shared`, `ReaderLock`, `lockForRead`, `notify_one`).
bool is_member_call(std::string_view name, object_family family) {
  static const std::array<std::string_view, 23> lock_members = {
      "lock", "lockshared", "trylock", "trylockfor", "trylockuntil", "trylockshared", "trylocksharedfor",
      "trylockshareduntil", "unlock", "unlockshared", "readerlock", "writerlock", "readerunlock",
      "writerunlock", "readertrylock", "writertrylock", "lockwhen", "readerlockwhen", "writerlockwhen",
      "lockforread", "lockforwrite", "trylockforread", "trylockforwrite"};
  static const std::array<std::string_view, 11> condition_members = {
      "wait", "waitfor", "waituntil", "notifyone", "notifyall", "signal", "signalall", "waitwithtimeout",
      "waitwithdeadline", "wakeone", "wakeall"};
  static const std::array<std::string_view, 5> semaphore_members = {"acquire", "tryacquire", "tryacquirefor",
                                                                      "tryacquireuntil", "release"};
  const std::string word = lowered_word(name);
  const auto in = [&](const auto& names) { return std::find(names.begin(), names.end(), word) != names.end(); };
  switch (family) {
    case object_family::lock: return in(lock_members);
    case object_family::condition: return in(condition_members);
    case object_family::semaphore: return in(semaphore_members);
    case object_family::none: break;
  }
  return false;
}

/// A type's name without a `_t` suffix, as C-style code names types (ZeroMQ's mutex_t, scoped_lock_t).
std::string_view without_type_suffix(std::string_view name) {
  return name.size() > 2 && name.ends_with("_t") ? name.substr(0, name.size() - 2) : name;
}

/// A C function of `family` whose first argument is the object (pthread_mutex_lock, sem_post), or a
/// scoped guard type whose constructor's is (std::lock_guard, absl::MutexLock, QMutexLocker,
/// zmq::scoped_lock_t, Thrift's Synchronized).
bool is_taking_name(std::string_view name, object_family family) {
  name = without_type_suffix(name);
  switch (family) {
    case object_family::lock:
      return (starts_with_any(name, {"pthread_mutex_", "pthread_rwlock_", "pthread_spin_", "mtx_", "omp_set_",
                                     "omp_unset_", "omp_test_"}) &&
              name.ends_with("lock")) ||
             ends_with_any(name, {"_lock", "_guard", "_locker", "Lock", "Locker", "Guard", "Synchronized"});
    case object_family::condition: return starts_with_any(name, {"pthread_cond_", "cnd_"});
    case object_family::semaphore: return name.starts_with("sem_");
    case object_family::none: break;
  }
  return false;
}

/// Whether `e` reads as an expression that names an object, not a declaration (`std::mutex& m`, from a
/// function's own signature) or a statement: two names apart only by spaces are neither.
bool names_an_object(std::string_view e) {
  // Nor a choice between objects (`thread_safe ? &sync : nullptr`).
  if (e.empty() || e.size() > 80 || e.find_first_of(";{}=\"?") != std::string_view::npos) return false;
  const std::string s(e);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ident_char(s[i]) || (i + 1 < s.size() && ident_char(s[i + 1]))) continue;
    std::size_t j = i + 1;
    bool spaced = false;
    for (; j < s.size() && (std::isspace(static_cast<unsigned char>(s[j])) != 0 || s[j] == '&' || s[j] == '*'); ++j)
      spaced = spaced || std::isspace(static_cast<unsigned char>(s[j])) != 0;
    if (spaced && j < s.size() && ident_char(s[j])) return false;
  }
  std::string brackets;
  for (char c : s) {
    if (c == '(' || c == '[') brackets += c;
    else if (c == ')' || c == ']') {
      if (brackets.empty() || brackets.back() != (c == ')' ? '(' : '[')) return false;
      brackets.pop_back();
    }
  }
  return brackets.empty();
}

std::string trimmed_object(std::string_view e) {
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.front())) != 0) e.remove_prefix(1);
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.back())) != 0) e.remove_suffix(1);
  if (e.starts_with("&")) e.remove_prefix(1);
  if (e.starts_with("this->")) e.remove_prefix(6);
  return names_an_object(e) ? std::string(e) : std::string();
}

/// A call of an object's family found in a line: the object as written ("" where it cannot be told),
/// where the call's own text ends (the calls inside a guard's arguments are not its own), the variable
/// a guard's declaration names (`lk` in `std::unique_lock<std::mutex> lk(mu);`), and what a C++
/// condition wait takes again before it returns, its first argument (`lk` in `cv.wait(lk, pred)`).
struct call {
  std::string object;
  std::size_t end;
  std::string variable = {};
  std::string relocks = {};
  bool address = false;  // the object was written with `&` before it (a pointer to it was passed)
};

/// Whether an argument is written as an address (`&ctx->mu`).
bool takes_address(std::string_view argument) {
  while (!argument.empty() && std::isspace(static_cast<unsigned char>(argument.front())) != 0) argument.remove_prefix(1);
  return argument.starts_with("&");
}

/// The call of `family` (or of `lock_function`, handed the lock as its argument number `lock_argument`,
/// from 0) whose name is the word at [at, end) of the masked line `s` (`code` unmasked), or nullopt
/// where that word names no such call.
std::optional<call> call_at(const std::string& s, std::string_view code, std::size_t at, std::size_t end,
                            object_family family, std::string_view lock_function, std::size_t lock_argument) {
  const std::string_view name = std::string_view(s).substr(at, end - at);
  std::size_t before = at;
  while (before > 0 && std::isspace(static_cast<unsigned char>(s[before - 1])) != 0) --before;
  const bool member = (before >= 1 && s[before - 1] == '.') || (before >= 2 && s.compare(before - 2, 2, "->") == 0);
  std::size_t after = skip_space(s, end);
  if (member) {
    if (after >= s.size() || s[after] != '(' || !(is_member_call(name, family) || name == lock_function))
      return std::nullopt;
    std::size_t object_end = s[before - 1] == '.' ? before - 1 : before - 2;
    while (object_end > 0 && std::isspace(static_cast<unsigned char>(s[object_end - 1])) != 0) --object_end;
    std::string relocks;
    if (family == object_family::condition && lowered_word(name).starts_with("wait"))
      if (const auto args = arguments(s, code, after); args && !args->empty()) relocks = trimmed_object(args->front());
    const std::size_t start = postfix_start(s, object_end);
    if (start == std::string::npos) return call{"", end, {}, std::move(relocks)};
    return call{trimmed_object(code.substr(start, object_end - start)), end, {}, std::move(relocks)};
  }
  // A C condition wait takes its mutex again before it returns: the mutex is its second argument.
  const bool relock = family == object_family::lock && starts_with_any(name, {"pthread_cond_", "cnd_"}) &&
                      name.find("wait") != std::string_view::npos;
  if (!is_taking_name(name, family) && name != lock_function && !relock) return std::nullopt;
  if (after < s.size() && s[after] == '<') after = skip_space(s, past_close(s, after));  // template arguments
  std::string variable;
  if (after < s.size() && ident_start(s, after)) {  // the guard's variable
    const std::size_t from = after;
    while (after < s.size() && ident_char(s[after])) ++after;
    variable = s.substr(from, after - from);
    after = skip_space(s, after);
  }
  if (after >= s.size() || (s[after] != '(' && s[after] != '{')) return std::nullopt;
  const auto args = arguments(s, code, after);
  if (!args || args->empty()) return std::nullopt;  // a lock's getter (GetLock()), not a call on a lock
  const std::size_t past = past_close(s, after);
  // std::scoped_lock takes every lock it is given, as std::lock does: which one this call took is not
  // in the line.
  if (name.ends_with("scoped_lock") && args->size() > 1) return call{"", past};
  if (relock) return call{args->size() > 1 ? trimmed_object((*args)[1]) : "", past};
  const std::string_view lock = name == lock_function && lock_argument < args->size() ? (*args)[lock_argument] : args->front();
  return call{trimmed_object(lock), past, std::move(variable), {}, takes_address(lock)};
}

/// Each call of `family` (or of `lock_function`, as call_at's) in `code`, in order.
std::vector<call> calls_in(std::string_view code, object_family family, std::string_view lock_function,
                           std::size_t lock_argument = 0) {
  const std::string s = masked(code);
  std::vector<call> found;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ident_start(s, i)) continue;
    std::size_t end = i;
    while (end < s.size() && ident_char(s[end])) ++end;
    std::optional<call> c = call_at(s, code, i, end, family, lock_function, lock_argument);
    i = (c ? c->end : end) - 1;
    if (c) found.push_back(std::move(*c));
  }
  return found;
}

/// The first argument of a C++ condition wait in `code` (`lk` in `cv.wait(lk, pred)`, `&mu_` read as
/// `mu_` in absl's `cv.Wait(&mu_)`): the guard or lock it takes again before it returns; "" where the
/// line has no such wait.
std::string waited_argument(std::string_view code) {
  for (call& c : calls_in(code, object_family::condition, {}))
    if (!c.relocks.empty()) return std::move(c.relocks);
  return {};
}

/// spelled_object()'s call: the one object `code`'s calls of `family` (or of `lock_function`, as
/// call_at's) are on, or an empty object where they are on none or several.
call spelled_call(std::string_view code, object_family family, std::string_view lock_function,
                  std::size_t lock_argument = 0) {
  if (family == object_family::none) return {"", 0};
  std::optional<call> found;
  for (call& c : calls_in(code, family, lock_function, lock_argument)) {
    if (c.object.empty() || (found && found->object != c.object)) return {"", 0};  // cannot tell, or two objects
    found = std::move(c);
  }
  return found.value_or(call{"", 0});
}

bool is_identifier(std::string_view e) {
  return !e.empty() && std::all_of(e.begin(), e.end(), ident_char) && std::isdigit(static_cast<unsigned char>(e[0])) == 0;
}

/// How far above a line the declaration of a name it uses is looked for (a guard's, a parameter's).
constexpr int declaration_lines_above = 40;

/// A symbolized function's unqualified name and the last component of its scope (its class, where it is
/// a member): {"Lock", "Mutex"} for "leveldb::port::Mutex::Lock()", {"acquire", ""} for
/// "(anonymous namespace)::acquire(std::mutex&)".
struct function_name {
  std::string name;
  std::string scope;
};

function_name name_of(std::string_view function) {
  std::string full(qualified_name(function));
  for (std::size_t at; (at = full.find("(anonymous namespace)::")) != std::string::npos;) full.erase(at, 23);
  full.resize(std::min(full.find('('), full.size()));
  const std::string_view qualified = without_template_arguments(full);
  const std::size_t colons = qualified.rfind("::");
  if (colons == std::string_view::npos) return {std::string(qualified), ""};
  const std::string_view scope = without_template_arguments(qualified.substr(0, colons));
  const std::size_t outer = scope.rfind("::");
  return {std::string(qualified.substr(colons + 2)),
          std::string(outer == std::string_view::npos ? scope : scope.substr(outer + 2))};
}

/// Reads the spellings of a finding's locks off its stacks: a frame's `code`, or where it has none (a
/// line of installed code: spdlog's sink takes its `mutex_` in its header) the line `source_line` reads.
struct spelling_reader {
  object_family family;
  const source_line_reader& source_line;

  /// The spelling at `stack`'s first user frame, past the program's own lock wrappers: the one lock
  /// function both sides of an edge went through (`lock_depth` 1: `acquire(std::mutex& m)`), members
  /// of its lock classes, and any function whose line takes a lock it was handed (its parameter:
  /// `if (pthread_mutex_lock(mutex))` in libuv's `uv_mutex_lock(uv_mutex_t* mutex)`). A wrapper's
  /// caller calls it, whatever its name (`acquire(journal_mu)`), with the lock where the wrapper has that
  /// parameter (`try_feed_record(rec, m_BackendMutex, *m_pBackend)`: Boost.Log's sink frontend).
  /// `through`, where given and a spelling is found: how many of the stack's frames (past plumbing)
  /// come before the one whose line spells it.
  std::string at(const json& stack, std::size_t lock_depth, std::size_t* through = nullptr) const {
    if (!stack.is_array()) return {};
    std::vector<const json*> frames;
    for (const json& frame : stack)
      if (!is_plumbing_frame(frame)) frames.push_back(&frame);
    std::size_t i = 0;
    while (i + 1 < frames.size() && ((i == 0 && lock_depth == 1) || in_lock_class(frames[i]->value("function", ""))))
      ++i;
    // A member of an object the function was handed (`mtx->mtx` in NNG's `nni_plat_mtx_lock(nni_plat_mtx
    // *mtx)`) is read on in its caller, through what that passed: `sock->s_mx.mtx`. `handed` is the
    // first such spelling (said where no caller tells more), `member` its access and member (`->mtx`).
    std::string handed, member;
    std::size_t handed_at = 0;
    std::size_t argument = 0;  // which parameter of the frame below was the lock (or what holds it)
    const auto spelled_at = [through](std::string spelling, std::size_t frame) {
      if (through != nullptr) *through = frame;
      return spelling;
    };
    for (; i < frames.size(); ++i) {
      // A lock class reached through a function that was handed the lock (Boost.Thread's
      // posix::pthread_mutex_lock(pthread_mutex_t* m), called by boost::mutex::lock() on its member m):
      // passed over as at the start, its caller names the lock.
      if (i > 0 && i + 1 < frames.size() && in_lock_class(frames[i]->value("function", ""))) {
        argument = 0;
        continue;
      }
      const std::string lock_function = i > 0 ? name_of(frames[i - 1]->value("function", "")).name : "";
      const json& frame = *frames[i];
      std::string code = frame.value("code", "");
      const std::string file = frame.value("file", "");
      const int line = frame.value("line", 0);
      if (code.empty() && !file.empty()) code = source_line(file, line);
      call spelled = spelled_call(code, family, lock_function, argument);
      std::string object = std::move(spelled.object);
      if (!member.empty()) {
        if (object.empty()) return spelled_at(handed, handed_at);
        object = member.starts_with("->") && spelled.address ? object + "." + member.substr(2) : object + member;
      }
      // A condition wait takes its lock again (`cv.wait(lk)`), but counts only through its guard's
      // declaration: a lock's own name there may be one the other lines spell another way.
      const bool waited = object.empty() && family == object_family::lock && !(object = waited_argument(code)).empty();
      if (file.empty()) return spelled_at(object, i);
      const std::string function = name_of(frame.value("function", "")).name;
      if (!is_identifier(object)) {
        const std::size_t root = handed_root(object);
        const std::optional<std::size_t> at = root == 0 ? std::nullopt : parameter_at(file, line, function, object.substr(0, root));
        if (!at) return spelled_at(object, i);
        if (handed.empty()) {
          handed = object;
          handed_at = i;
        }
        member = object.substr(root);
        argument = *at;
        continue;
      }
      if (std::string declared = guard_declared_above(file, line, object); !declared.empty())
        return spelled_at(declared, i);
      if (waited) return {};
      const std::optional<std::size_t> at = parameter_at(file, line, function, object);
      if (!at) return spelled_at(object, i);
      argument = *at;
    }
    return spelled_at(handed, handed_at);
  }

  /// Where a member access through a leading variable starts (`ctx->mu`, `q.mu`: after `ctx`, `q`), or 0
  /// where the spelling starts otherwise.
  static std::size_t handed_root(const std::string& object) {
    std::size_t end = 0;
    while (end < object.size() && ident_char(object[end])) ++end;
    if (end == 0 || !is_identifier(object.substr(0, end))) return 0;
    const std::string_view rest = std::string_view(object).substr(end);
    return rest.starts_with("->") || rest.starts_with(".") ? end : 0;
  }

  /// Where `name` is among the parameters of `function` (from 0), whose line `line` of `file` is: its
  /// header (the nearest line up to there that names `function(`, not past the end of the previous
  /// top-level block) declares it; nullopt where it is none of them.
  std::optional<std::size_t> parameter_at(const std::string& file, int line, const std::string& function,
                                          const std::string& name) const {
    if (!is_identifier(function)) return std::nullopt;  // an operator, a lambda: no header to find
    for (int at = line; at > 0 && at >= line - declaration_lines_above; --at) {  // a one-line function's too
      const std::string code = masked(source_line(file, at));
      if (code.starts_with("}")) return std::nullopt;
      for (std::size_t f = code.find(function); f != std::string::npos; f = code.find(function, f + 1)) {
        const std::size_t open = skip_space(code, f + function.size());
        if (!ident_start(code, f) || open >= code.size() || code[open] != '(') continue;
        const std::size_t close = past_close(code, open);
        const std::string params = code.substr(open, close == std::string::npos ? std::string::npos : close - open);
        for (std::size_t p = params.find(name); p != std::string::npos; p = params.find(name, p + 1)) {
          const std::size_t after = skip_space(params, p + name.size());
          if (ident_start(params, p) && after < params.size() && std::string_view(",)[=").find(params[after]) != std::string_view::npos)
            return top_level_commas(std::string_view(params).substr(1, p - 1), true).size();
        }
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  /// The object a guard named `variable` was declared on (`std::unique_lock<std::mutex> lk(mu, ...)`,
  /// then `lk.lock()` or `cv.wait(lk)`) in the lines above `line` of `file`, up to the end of the
  /// previous top-level block; "" where none declares it.
  std::string guard_declared_above(const std::string& file, int line, const std::string& variable) const {
    for (int at = line - 1; at > 0 && at >= line - declaration_lines_above; --at) {
      const std::string code = source_line(file, at);
      if (code.starts_with("}")) break;
      for (const call& c : calls_in(code, object_family::lock, {}))
        if (c.variable == variable) return c.object;
    }
    return {};
  }

  /// Calls `visit(stack, lock_depth)` for each stack of `f` that takes or waits for lock `id`: each
  /// edge's (and its `also` takes') held side for its `from` lock and acquire side for its `to`, the
  /// waits for it, and a one-lock finding's own stack. `Json`: json, or const json to read only.
  template <class Json, class Visit>
  static void each_stack(Json& f, const json& id, Visit&& visit) {
    if (Json* edges = array_in(f, "edges"))
      for (Json& e : *edges) {
        std::vector<Json*> takes = {&e};
        if (Json* also = array_in(e, "also"))
          for (Json& o : *also) takes.push_back(&o);
        for (Json* t : takes) {
          const std::size_t depth = lock_function_depth(*t);
          if (Json* held = array_in(*t, "held_stack"); held != nullptr && e.value("from", json()) == id) visit(*held, depth);
          if (Json* acquire = array_in(*t, "acquire_stack"); acquire != nullptr && e.value("to", json()) == id)
            visit(*acquire, depth);
        }
      }
    if (Json* waits = array_in(f, "waits"))
      for (Json& w : *waits)
        if (Json* stack = array_in(w, "stack"); stack != nullptr && w.value("lock", json()) == id) visit(*stack, 0);
    if (Json* stack = array_in(f, "stack"); stack != nullptr && f.value("locks", json::array()).size() == 1)
      visit(*stack, 0);
  }

  template <class Json>
  static Json* array_in(Json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it != object.end() && it->is_array() ? &*it : nullptr;
  }

  /// Every spelling of lock `id` at the calls of `f` that take or wait for it.
  std::vector<std::string> of(const json& f, const json& id) const {
    std::vector<std::string> found;
    each_stack(f, id, [&](const json& stack, std::size_t depth) {
      if (std::string s = at(stack, depth); !s.empty()) found.push_back(std::move(s));
    });
    return found;
  }

  /// Marks `forwards` the frames each stack of lock `id` went through before the line that spells it:
  /// the program's lock wrappers, which the text report passes over to show that line.
  void mark_wrappers(json& f, const json& id) const {
    each_stack(f, id, [&](json& stack, std::size_t depth) {
      std::size_t through = 0;
      if (at(stack, depth, &through).empty()) return;
      for (json& frame : stack) {
        if (through == 0) break;
        if (is_plumbing_frame(frame)) continue;
        frame["forwards"] = true;
        --through;
      }
    });
  }
};

/// Whether a member's name starts at `at` of a spelling: at its start, or after `.` or `->`.
bool starts_member(const std::string& s, std::size_t at) {
  return at == 0 || s[at - 1] == '.' || (at >= 2 && s.compare(at - 2, 2, "->") == 0);
}

/// What one lock's spellings share: the whole where they agree; else their common trailing members
/// (`mu` of `state->mu` and `state_->mu`, one object reached two ways; of `from.mu` and `to.mu`);
/// "" where they share none.
std::string common_spelling(const std::vector<std::string>& found) {
  std::string common = found.front();
  for (const std::string& s : found) {
    std::size_t n = 0;
    while (n < common.size() && n < s.size() && common[common.size() - 1 - n] == s[s.size() - 1 - n]) ++n;
    while (n > 0 && !(starts_member(common, common.size() - n) && starts_member(s, s.size() - n))) --n;
    common.erase(0, common.size() - n);
  }
  return common;
}

}  // namespace

object_family family_of(std::string_view type) {
  if (type.find("cond") != std::string_view::npos) return object_family::condition;
  if (type.starts_with("sem_") || type.find("semaphore") != std::string_view::npos) return object_family::semaphore;
  for (std::string_view lock : {"mutex", "rwlock", "spinlock", "omp_lock"})
    if (type.find(lock) != std::string_view::npos) return object_family::lock;
  return object_family::none;
}

bool in_lock_class(std::string_view function) {
  const std::string scope = name_of(function).scope;
  return is_taking_name(scope, object_family::lock) || ends_with_any(without_type_suffix(scope), {"Mutex", "mutex"});
}

std::string spelled_object(std::string_view code, object_family family, std::string_view lock_function) {
  return spelled_call(code, family, lock_function).object;
}

void name_locks_by_expression(json& f, const source_line_reader& source_line) {
  if (!f.contains("locks") || !f["locks"].is_array()) return;
  for (json& l : f["locks"]) {
    const spelling_reader read{family_of(l.value("type", "")), source_line};
    if (read.family == object_family::none) continue;
    read.mark_wrappers(f, l.value("id", json()));
    if (!l.value("name", "").empty() || !l.value("symbol", "").empty()) continue;
    std::vector<std::string> found = read.of(f, l.value("id", json()));
    if (found.empty())
      if (std::string s = read.at(l.value("created", json::array()), 0); !s.empty()) found.push_back(std::move(s));
    if (found.empty()) continue;
    if (std::string common = common_spelling(found); !common.empty()) l["expression"] = std::move(common);
  }
}

}  // namespace gridlock
