// How the program's source spells a lock where it takes it: `store_mu` in
// `std::lock_guard<std::mutex> s(store_mu);`. A heap or stack lock has no variable a symbol table could
// name, so reports called it "pthread_mutex_t#6"; the lines of a finding's stacks (their `code`) say
// what the program calls it, as a reviewer would read it off the diff. Report time only.
#pragma once

#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace gridlock {

/// Which calls of a line can name an object of a finding's lock type (locks[].type): lock and unlock
/// calls for locks, waits and notifications for condition variables, waits and posts for semaphores.
enum class object_family { none, lock, condition, semaphore };
object_family family_of(std::string_view type);

/// The object one source line's call of `family` is on, as written there, without a leading `&` or
/// `this->`: `store_mu` in `std::lock_guard<std::mutex> s(store_mu);`, `shards_[i]` in
/// `shards_[i].lock();`, `ctx->mu` in `pthread_mutex_lock(&ctx->mu);` (and in
/// `pthread_cond_wait(&ctx->ready, &ctx->mu);`, which takes it again). Empty where the line makes no
/// such call, or calls on more than one object (`std::scoped_lock l(a, b);`): the caller cannot tell
/// which of them it took. Comments and the insides of string literals are not read. A call of a
/// function named `lock_function` counts too: the program's own lock function (`acquire(journal_mu)`)
/// that the stack went through.
std::string spelled_object(std::string_view code, object_family family, std::string_view lock_function = {});

/// Whether a symbolized function is a member of a lock class of the program's own: a mutex wrapper
/// (leveldb::port::Mutex::Lock, zmq::mutex_t::lock) or a scoped guard (leveldb::MutexLock's
/// constructor, zmq::scoped_lock_t's), by its class's name (ending in Mutex, Lock, Guard, Locker, ...,
/// a `_t` suffix aside). Its line (`mu_.lock();`) is where every lock it
/// wraps is taken; its caller's line says which (`MutexLock l(&mutex_);`).
bool in_lock_class(std::string_view function);

/// Reads line `line` (from 1) of source file `file`, "" where it cannot (symbolizer::source_text).
using source_line_reader = std::function<std::string(const std::string& file, int line)>;

/// Sets locks[].expression for each lock of a symbolized finding that has neither a name nor a
/// variable (`symbol`), from the calls that take it in the finding's stacks (each edge's held and
/// acquire sides; the wait for it; a one-lock finding's own stack), or failing those the call where it
/// was first seen, each past the program's own lock wrappers (the one lock function both sides of an
/// edge went through, members of a class named like a lock: `port::Mutex::Lock`, whose callers' lines
/// spell the lock): their spelling where they agree, else
/// the members they end in alike (`mu` for `from.mu` and `to.mu`), else none. A frame's `code` is its
/// line; a frame without one (installed code) is read with `source_line`. For every lock, named or not,
/// marks `forwards` the frames of those stacks before the line that spells it (the wrappers read past),
/// for the text report to pass over.
void name_locks_by_expression(nlohmann::json& finding, const source_line_reader& source_line);

}  // namespace gridlock
