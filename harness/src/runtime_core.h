// Declarations shared by the runtime's own files (not part of the public API).
#pragma once

#include <string>
#include <string_view>

#include "gridlock/finding.h"
#include "hash.h"
#include "lock_record.h"
#include "thread_record.h"

namespace gridlock {

/// Keeps the calling thread's name as the kernel has it now, when it had none of its own at
/// registration (one named after it started): the kernel's name leaves with the thread, and findings
/// made later still name it ("held by thread 4 (VM Thread) which has exited").
void keep_os_name(thread_record& self) noexcept;
/// Marks a thread dead; its record is reused once it holds nothing. Returns the number of this end
/// among the process's thread ends (from 1; 0 when the thread was not alive).
std::uint64_t unregister_thread(thread_record* r) noexcept;
/// Whether the calling thread's exit hook checks it as a thread that ends (lock-held-at-exit, the
/// wait-for re-check, and out of the registry). On from registration for every thread but the main one,
/// whose thread-local destructors run when it calls exit() (returning from main does): the process is
/// going away, threads still blocked then are not stuck, and main stays registered, running, for the
/// destructors exit() runs next. The interposer turns it on for a main thread that calls pthread_exit,
/// and off for any thread that calls exit().
void check_thread_exit(bool on) noexcept;
/// Calls fn(arg) when the calling thread exits (a thread-local destructor of this module: after those
/// registered later, before those registered earlier). Returns false where it could not register.
bool at_thread_exit(void (*fn)(void*), void* arg) noexcept;
/// The program's file name without directories ("" if unknown), for thread naming.
const char* program_short_name() noexcept;
/// Whether a thread name is just the process's (as the kernel keeps it: 15 characters), which every
/// thread starts with: it says nothing about the thread.
bool inherited_name(const char* name) noexcept;

/// How messages name a lock ("A", or "gridlock::mutex#3" when unnamed) and a thread ("thread 2 (worker)").
std::string label(const lock_record& lock);
std::string label(const thread_record& thread);

/// A lock or thread as findings name them.
lock_info describe(const lock_record& lock);
thread_info describe(const thread_record& thread);

/// Hands a finding to every sink (stored list, stderr, the runner's stream) and then applies the
/// deadlock policy if the kind is fatal. Call with no runtime lock held: it may end the process or
/// throw. `dedupe_key`, if non-empty, suppresses a finding already reported under the same key.
void report(finding f, const std::string& dedupe_key = {});

/// For a forked child whose parent reports its findings (gridlock::check): from now on each finding goes
/// to `fd` as one JSON line, as to the runner's stream (runner_stream.h), and no longer to stderr or
/// GRIDLOCK_JSON. The in-process list is kept. Call while no other thread reports.
void stream_findings_to(int fd) noexcept;

/// Writes all of `text` to `fd` with write(2) (no stdio, no allocation), retrying short writes and
/// EINTR; gives up silently on an error.
void write_all(int fd, std::string_view text) noexcept;


}  // namespace gridlock
