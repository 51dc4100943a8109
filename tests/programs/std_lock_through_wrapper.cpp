// A program that locks through one out-of-line function of its own, as C libraries do (GLib's
// g_mutex_lock, LibreOffice's osl_acquireMutex): every acquisition returns into that function, whichever
// line called it. Built without frame pointers, as distributions build. The writer takes `ledger`
// then `journal`; the auditor, after the writer has finished, first takes `journal` alone at one line,
// then takes `journal` and `ledger` nested at others, and nests `index` under `journal` at a line
// beside `ledger`'s. Expected: lock-order-cycle, each stack at its own line: the auditor's held side
// at audit_journal's line (not glance's, that thread's first use of the lock through the function),
// its acquire side at audit_ledger's (not audit_index's, the line before it under the same lock).
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex ledger;
std::mutex journal;
std::mutex index_lock;
int acquisitions = 0;

/// The program's one locking function. The count after the call keeps it from being a tail call
/// (which would return straight to the line).
[[gnu::noinline]] void acquire(std::mutex& m) {
  m.lock();
  ++acquisitions;
}

[[gnu::noinline]] void release(std::mutex& m) {
  m.unlock();
  ++acquisitions;
}

[[gnu::noinline]] void write_entry() {
  acquire(ledger);
  acquire(journal);  // LINE:write_journal
  release(journal);
  release(ledger);
}

[[gnu::noinline]] void glance() {
  acquire(journal);  // LINE:glance
  release(journal);
}

[[gnu::noinline]] void audit() {
  acquire(journal);  // LINE:audit_journal
  acquire(index_lock);  // LINE:audit_index
  release(index_lock);
  acquire(ledger);  // LINE:audit_ledger
  release(ledger);
  release(journal);
}

}  // namespace

int main() {
  std::thread writer(write_entry);
  writer.join();
  std::thread auditor([] {
    glance();
    audit();
  });
  auditor.join();
  std::printf("%d acquisitions\n", acquisitions);
  return 0;
}
