// What a detector found, as plain data: kinds, the locks and threads involved, and raw stacks
// (return addresses, symbolized only when a report is written). Detectors build these; the runtime
// hands them to the sinks (stderr, the runner's stream, GRIDLOCK_JSON) and to tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock {

/// Every kind of finding. The JSON names (to_string) are an interface: keep them exactly.
enum class finding_kind : std::uint8_t {
  lock_order_cycle,
  deadlock,
  all_threads_blocked,
  recursive_lock,
  lock_upgrade,
  unlock_not_owner,
  lock_held_at_exit,
  destroy_locked,
  cv_wait_unlocked,
  cv_different_mutex,
  wait_group_negative,
  channel_closed_send,
  timeout,
  signal_handler_lock,
};

/// "lock-order-cycle", "deadlock", ... as in JSON.
std::string_view to_string(finding_kind kind) noexcept;
/// Inverse of to_string; nullopt for an unknown name.
std::optional<finding_kind> parse_finding_kind(std::string_view name) noexcept;
/// Whether a finding of this kind means the reporting thread can never proceed (an actual deadlock or
/// a self-deadlock); the runtime's policy applies to these.
bool is_fatal(finding_kind kind) noexcept;

/// Raw return addresses, innermost first.
using raw_stack = std::vector<std::uintptr_t>;

/// A lock as a report names it.
struct lock_info {
  std::uint64_t id = 0;      ///< unique within the process, never reused
  std::string name;          ///< the user's name, or empty
  std::string type;          ///< "gridlock::mutex", "std::mutex", "pthread_rwlock_t", ...
  std::uintptr_t address = 0;
  raw_stack created;         ///< where it was created (or first seen, for interposed locks)
};

/// A thread as a report names it.
struct thread_info {
  std::uint32_t id = 0;      ///< Gridlock's own number: 1 is the first thread seen (usually main)
  std::int32_t tid = 0;      ///< the OS thread id
  std::string name;
  raw_stack started_at;      ///< where the program started it, when Gridlock saw that (empty otherwise)
};

/// Another thread's take of an edge, in the same modes as the edge's own.
struct edge_sighting {
  std::uint32_t thread = 0;  ///< thread id
  raw_stack held_stack;      ///< where that thread acquired `from`
  raw_stack acquire_stack;   ///< where it acquired `to` while holding `from`
  bool after_failed_try = false;  ///< as the fallback of a try of `to` that events::try_fails failed
};

/// One lock-order edge: `thread` acquired `to` while holding `from`.
struct edge_info {
  std::uint64_t from = 0;    ///< lock id
  std::uint64_t to = 0;      ///< lock id
  bool from_shared = false;  ///< `from` was held for reading
  bool to_shared = false;    ///< `to` was acquired for reading
  std::uint32_t thread = 0;  ///< thread id
  raw_stack held_stack;      ///< where `from` was acquired
  raw_stack acquire_stack;   ///< where `to` was acquired while `from` was held
  bool after_failed_try = false;  ///< as the fallback of a try of `to` that events::try_fails failed
  /// The same edge taken by other threads (listed in `threads`): reports choose which take to show
  /// (finding_json.h, symbolize_finding).
  std::vector<edge_sighting> also;
};

/// What one thread waits for at the moment of the finding.
struct wait_info {
  std::uint32_t thread = 0;           ///< thread id
  std::string waits_for;              ///< human text: "lock B (owned by thread 2)", "join of thread 3", ...
  std::optional<std::uint64_t> lock;  ///< the lock waited on, if any
  std::vector<std::uint64_t> holds;   ///< locks this thread holds
  raw_stack stack;                    ///< where it waits
};

/// One finding. `locks` and `threads` describe every lock and thread that `edges`/`waits` refer to.
struct finding {
  finding_kind kind = finding_kind::timeout;
  std::string message;               ///< one line a person can read
  std::vector<lock_info> locks;
  std::vector<thread_info> threads;
  std::vector<edge_info> edges;      ///< lock-order cycles: the cycle, in order
  std::vector<wait_info> waits;      ///< actual deadlocks, misuse: each involved thread's state
  raw_stack stack;                   ///< where it was detected (the reporting thread)
};

}  // namespace gridlock
