// OpenMP's locks as GCC compiles them (libgomp): critical sections and omp_lock_t. Correct without an
// argument: sections always nested in one order, the unnamed section alone, two simple locks in one
// order, omp_test_lock polled, over a parallel loop. With an argument, one bug:
//   sections  critical(audit) inside critical(accounts) in one thread, the other way in another, one
//             after the other (a lock-order cycle, no hang)
//   deadlock  the same with both outer sections entered before either inner one (an actual deadlock)
//   relock    the unnamed section entered again from inside itself, through a function (a hang)
//   locks     two omp_lock_t taken in opposite orders, one thread after the other (a lock-order cycle)
#include <omp.h>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace {

long balance, audited, total;
omp_lock_t ledger, journal;
std::atomic<int> outer_taken{0};

/// Waits until both threads are inside their outer section.
void meet() {
  outer_taken.fetch_add(1);
  while (outer_taken.load() < 2) {
  }
}

void nested_sections(bool overlap) {
#pragma omp parallel num_threads(2)
  {
    const bool first = omp_get_thread_num() == 0;
    if (first) {
#pragma omp critical(accounts)  // LINE:outer_accounts
      {
        if (overlap) meet();
#pragma omp critical(audit)  // LINE:audit_inside_accounts
        { ++audited; }
      }
    }
    if (!overlap) {
#pragma omp barrier
    }
    if (!first) {
#pragma omp critical(audit)  // LINE:outer_audit
      {
        if (overlap) meet();
#pragma omp critical(accounts)  // LINE:accounts_inside_audit
        { balance -= 1; }
      }
    }
  }
}

void add_to_total(long v) {
#pragma omp critical  // LINE:relock
  { total += v; }
}

void relock() {
#pragma omp parallel for num_threads(2)
  for (int i = 0; i < 4; ++i) {
#pragma omp critical  // LINE:first_lock
    {
      if (i == 2)
        add_to_total(i);
      else
        total += i;
    }
  }
}

void simple_locks_inverted() {
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 0) {
      omp_set_lock(&ledger);
      omp_set_lock(&journal);  // LINE:journal_inside_ledger
      balance += 1;
      omp_unset_lock(&journal);
      omp_unset_lock(&ledger);
    }
#pragma omp barrier
    if (omp_get_thread_num() == 1) {
      omp_set_lock(&journal);
      omp_set_lock(&ledger);  // LINE:ledger_inside_journal
      audited += 1;
      omp_unset_lock(&ledger);
      omp_unset_lock(&journal);
    }
  }
}

void correct() {
#pragma omp parallel for num_threads(4) reduction(+ : total)
  for (int i = 0; i < 2000; ++i) {
    total += i;
    if (i % 3 == 0) {
#pragma omp critical(accounts)
      {
#pragma omp critical(audit)
        { ++audited; }
      }
    }
    if (i % 5 == 0) {
#pragma omp critical
      { ++balance; }
    }
    omp_set_lock(&ledger);
    omp_set_lock(&journal);
    balance += 2;
    omp_unset_lock(&journal);
    omp_unset_lock(&ledger);
    while (!omp_test_lock(&journal)) {
    }
    audited -= 1;
    omp_unset_lock(&journal);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  omp_init_lock(&ledger);
  omp_init_lock(&journal);
  if (std::strcmp(mode, "sections") == 0)
    nested_sections(false);
  else if (std::strcmp(mode, "deadlock") == 0)
    nested_sections(true);
  else if (std::strcmp(mode, "relock") == 0)
    relock();
  else if (std::strcmp(mode, "locks") == 0)
    simple_locks_inverted();
  else
    correct();
  omp_destroy_lock(&journal);
  omp_destroy_lock(&ledger);
  std::printf("%ld %ld %ld\n", balance, audited, total);
  return 0;
}
