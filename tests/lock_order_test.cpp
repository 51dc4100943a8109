// The lock-order detector end to end, through the public primitives: inversions are found from the order
// locks are taken in even when the inverted paths never overlap in time (every case here runs its
// threads one after the other, so nothing can actually hang), each cycle is reported once with its
// locks, threads, edges and stacks, and the no-report rules (common gate, try-lock, read-read,
// recursive re-lock, address reuse) stay silent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include "detector_test_support.h"
#include "gridlock/gridlock.h"

namespace gridlock::test {
namespace {

class LockOrderTest : public DetectorTest {};

/// Takes `first`, then `second` while holding it: one lock-order edge first -> second.
template <class First, class Second>
void nested(First& first, Second& second) {
  std::lock_guard<First> a(first);
  std::lock_guard<Second> b(second);
}

/// In a fresh thread named `name` (joined before returning, so threads never overlap).
template <class First, class Second>
void nested_in(const char* name, First& first, Second& second) {
  run_in_thread(name, [&] { nested(first, second); });
}

/// nested_in(), holding `gate` around both.
inline void nested_under(gridlock::mutex& gate, const char* name, gridlock::mutex& first, gridlock::mutex& second) {
  run_in_thread(name, [&] {
    std::lock_guard<gridlock::mutex> g(gate);
    nested(first, second);
  });
}

struct expected_edge {
  std::string from, to, thread;
  friend bool operator<(const expected_edge& a, const expected_edge& b) {
    return std::tie(a.from, a.to, a.thread) < std::tie(b.from, b.to, b.thread);
  }
  friend bool operator==(const expected_edge& a, const expected_edge& b) {
    return std::tie(a.from, a.to, a.thread) == std::tie(b.from, b.to, b.thread);
  }
};

void PrintTo(const expected_edge& e, std::ostream* os) { *os << e.from << " -> " << e.to << " by " << e.thread; }

/// Checks one lock-order-cycle finding in full: its locks are exactly the cycle, its edges chain through
/// them in order (edge i goes from locks[i] to locks[i+1]), each edge names a thread listed in threads,
/// the edges are the expected (from, to, thread) triples, and every stack is present.
void expect_cycle(const finding& f, const std::vector<expected_edge>& expected) {
  ASSERT_EQ(f.kind, finding_kind::lock_order_cycle);
  const std::size_t n = expected.size();
  ASSERT_EQ(f.locks.size(), n) << f.message;
  ASSERT_EQ(f.edges.size(), n) << f.message;

  std::set<std::string> expected_locks, expected_threads;
  for (const expected_edge& e : expected) {
    expected_locks.insert(e.from);
    expected_threads.insert(e.thread);
  }
  EXPECT_EQ(lock_names(f), std::vector<std::string>(expected_locks.begin(), expected_locks.end()));
  EXPECT_EQ(thread_names(f), std::vector<std::string>(expected_threads.begin(), expected_threads.end()));

  std::vector<expected_edge> got;
  for (std::size_t i = 0; i < n; ++i) {
    const edge_info& e = f.edges[i];
    EXPECT_EQ(e.from, f.locks[i].id) << "edge " << i << " does not start at locks[" << i << "]";
    EXPECT_EQ(e.to, f.locks[(i + 1) % n].id) << "edge " << i << " does not end at the next lock";
    const lock_info* from = lock_by_id(f, e.from);
    const lock_info* to = lock_by_id(f, e.to);
    const thread_info* t = thread_by_id(f, e.thread);
    ASSERT_NE(from, nullptr);
    ASSERT_NE(to, nullptr);
    ASSERT_NE(t, nullptr) << "edge " << i << " names thread " << e.thread << ", which is not in threads";
    got.push_back({from->name, to->name, t->name});
    EXPECT_FALSE(e.held_stack.empty()) << "edge " << i << " has no held stack";
    EXPECT_FALSE(e.acquire_stack.empty()) << "edge " << i << " has no acquire stack";
  }
  for (const lock_info& l : f.locks) {
    EXPECT_FALSE(l.created.empty()) << l.name << " has no creation stack";
    EXPECT_NE(l.address, 0u);
    EXPECT_NE(f.message.find(l.name), std::string::npos) << f.message;
  }
  std::sort(got.begin(), got.end());
  std::vector<expected_edge> want = expected;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

// ---------------------------------------------------------------------------------------------------
// Cycles are found.

TEST_F(LockOrderTest, AbbaAcrossThreadsThatNeverOverlap) {
  gridlock::mutex a("A"), b("B");
  nested_in("t1", a, b);
  EXPECT_TRUE(findings().empty()) << summary();
  nested_in("t2", b, a);  // t1 is long gone: this can never hang, but it could with other timing

  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"A", "B", "t1"}, {"B", "A", "t2"}});
  for (const edge_info& e : all[0].edges) {
    EXPECT_FALSE(e.from_shared);
    EXPECT_FALSE(e.to_shared);
  }
  EXPECT_EQ(to_string(all[0].kind), "lock-order-cycle");
}

/// Thread i takes lock i, then lock i+1 (mod n); only the last thread closes the cycle.
void ring(std::size_t n) {
  std::vector<std::string> lock_name, thread_name;
  for (std::size_t i = 0; i < n; ++i) {
    lock_name.push_back("L" + std::to_string(i));
    thread_name.push_back("t" + std::to_string(i));
  }
  std::vector<std::optional<gridlock::mutex>> locks(n);
  for (std::size_t i = 0; i < n; ++i) locks[i].emplace(lock_name[i].c_str());

  std::vector<expected_edge> expected;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 == n) {
      EXPECT_TRUE(findings().empty()) << "reported before the cycle closed:\n" << summary();
    }
    nested_in(thread_name[i].c_str(), *locks[i], *locks[(i + 1) % n]);
    expected.push_back({lock_name[i], lock_name[(i + 1) % n], thread_name[i]});
  }
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], expected);
}

TEST_F(LockOrderTest, ThreeLockCycle) { ring(3); }

TEST_F(LockOrderTest, FiveLockCycle) { ring(5); }

TEST_F(LockOrderTest, SameCycleIsReportedOnce) {
  gridlock::mutex a("A"), b("B");
  for (int round = 0; round < 3; ++round) {
    nested_in("t1", a, b);
    nested_in("t2", b, a);
  }
  nested(a, b);  // and once more from main, both ways
  nested(b, a);
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"A", "B", "t1"}, {"B", "A", "t2"}});
}

// A tree of locks rebalanced while threads walk it (RocksDB's range-lock tree) made tens of thousands of
// cycles, each a finding to encode and stream: a process reports 1,000 and looks for no more.
TEST_F(LockOrderTest, AProcessReportsAThousandCyclesAtMost) {
  // In a thread of its own: the locks' creation and their takes use up its budget of stack captures,
  // not main's (the next cases' thread starts).
  run_in_thread("many", [&] {
    std::vector<std::unique_ptr<gridlock::mutex>> locks;
    for (int i = 0; i < 2100; ++i) locks.push_back(std::make_unique<gridlock::mutex>());
    for (std::size_t i = 0; i < locks.size(); i += 2) {
      nested(*locks[i], *locks[i + 1]);
      nested(*locks[i + 1], *locks[i]);
    }
  });
  EXPECT_EQ(findings().size(), 1000u) << "1,050 cycles";
}

/// The edge of `f` from the lock named `from`.
const edge_info& edge_from(const finding& f, const std::string& from) {
  for (const edge_info& e : f.edges)
    if (lock_by_id(f, e.from)->name == from) return e;
  ADD_FAILURE() << "no edge from " << from;
  return f.edges.front();
}

// One thread's start-up path may take an edge first that another thread takes too (LevelDB's main thread
// logs under the DB mutex before the compaction thread does), or two threads take it at different lines
// in either order: the finding keeps up to two other threads' takes, whatever their line, so that a
// report can name the threads that can deadlock and a fingerprint need not follow the first.
TEST_F(LockOrderTest, OtherThreadsTakesOfAnEdgeAreKeptUpToTwo) {
  gridlock::mutex a("A"), b("B");
  nested_in("first", a, b);
  run_in_thread("second", [&] {  // another line
    std::lock_guard<gridlock::mutex> ga(a);
    std::lock_guard<gridlock::mutex> gb(b);
  });
  nested_in("third", a, b);   // first's line
  nested_in("fourth", a, b);  // two are kept
  nested_in("closer", b, a);

  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  const edge_info& ab = edge_from(f, "A");
  EXPECT_EQ(thread_by_id(f, ab.thread)->name, "first");
  std::vector<std::string> others;
  for (const edge_sighting& o : ab.also) {
    const thread_info* t = thread_by_id(f, o.thread);
    ASSERT_NE(t, nullptr) << "a take's thread is not in threads";
    others.push_back(t->name);
    EXPECT_FALSE(o.held_stack.empty());
    EXPECT_FALSE(o.acquire_stack.empty());
  }
  EXPECT_EQ(others, (std::vector<std::string>{"second", "third"}));
  EXPECT_NE(ab.also[0].acquire_stack, ab.acquire_stack) << "second took B at another line";
  EXPECT_TRUE(edge_from(f, "B").also.empty());
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"closer", "first", "second", "third"}));
}

// A take in other modes than the witness's (a write where it read) would show another edge: it is not
// kept. (The first read take weakened the edge's gates, so it became the witness.)
TEST_F(LockOrderTest, ATakeOfAnEdgeInOtherModesIsNotKept) {
  gridlock::shared_mutex a("A");
  gridlock::mutex b("B");
  const auto read_then_lock = [&] {
    std::shared_lock<gridlock::shared_mutex> ga(a);
    std::lock_guard<gridlock::mutex> gb(b);
  };
  nested_in("writer", a, b);
  run_in_thread("reader", read_then_lock);
  nested_in("writer2", a, b);
  nested_in("closer", b, a);

  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  EXPECT_TRUE(edge_from(all[0], "A").also.empty());
  expect_cycle(all[0], {{"A", "B", "reader"}, {"B", "A", "closer"}});
}

// A finding says where each thread was started (gridlock::thread's constructor, here in
// run_in_thread): "thread 3" says nothing of an unnamed thread.
TEST_F(LockOrderTest, ThreadsSayWhereTheyWereStarted) {
  gridlock::mutex a("A"), b("B");
  nested_in("t1", a, b);
  nested_in("t2", b, a);
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  ASSERT_EQ(all[0].threads.size(), 2u);
  for (const thread_info& t : all[0].threads) EXPECT_FALSE(t.started_at.empty()) << t.name;
}

TEST_F(LockOrderTest, ReadHeldWhilePlainWantedAndReverseWithWriteSideIsReported) {
  gridlock::shared_mutex s("S");
  gridlock::mutex m("M");
  run_in_thread("reader", [&] {
    std::shared_lock<gridlock::shared_mutex> r(s);
    std::lock_guard<gridlock::mutex> g(m);
  });
  run_in_thread("writer", [&] {
    std::lock_guard<gridlock::mutex> g(m);
    std::unique_lock<gridlock::shared_mutex> w(s);  // the writer waits for the reader: a real cycle
  });
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"S", "M", "reader"}, {"M", "S", "writer"}});
  for (const edge_info& e : all[0].edges) {
    const lock_info* from = lock_by_id(all[0], e.from);
    ASSERT_NE(from, nullptr);
    if (from->name == "S") {
      EXPECT_TRUE(e.from_shared);   // S held for reading
      EXPECT_FALSE(e.to_shared);
    } else {
      EXPECT_FALSE(e.from_shared);
      EXPECT_FALSE(e.to_shared);    // S wanted for writing
    }
  }
}

TEST_F(LockOrderTest, EdgeSeenUnderGateThenWithoutItMakesCycleReportable) {
  gridlock::mutex gate("G"), a("A"), b("B");
  nested_under(gate, "t1", a, b);
  nested_under(gate, "t2", b, a);
  EXPECT_TRUE(findings().empty()) << "gated cycle reported:\n" << summary();

  nested_in("t3", a, b);  // the same order, but no gate now: t3 and t2 can deadlock
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  // The edge A -> B is witnessed by the observation that made the cycle reportable (t3, ungated), not
  // by t1's gated one, which could never deadlock with t2.
  expect_cycle(all[0], {{"A", "B", "t3"}, {"B", "A", "t2"}});
  EXPECT_EQ(lock_named(all[0], "G"), nullptr) << "the gate is not on the cycle";
}

// ---------------------------------------------------------------------------------------------------
// No-report rules.

/// Runs `nest` with a gate lock G and locks A, B and C, then destroys them: neither the nesting nor the
/// destruction may report anything.
template <class Nest>
void expect_nothing_with_a_gate(Nest nest) {
  {
    gridlock::mutex gate("G"), a("A"), b("B"), c("C");
    nest(gate, a, b, c);
  }
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, CommonGateLockSuppressesCycle) {
  expect_nothing_with_a_gate([](gridlock::mutex& gate, gridlock::mutex& a, gridlock::mutex& b, gridlock::mutex&) {
    for (int round = 0; round < 2; ++round) {
      nested_under(gate, "t1", a, b);
      nested_under(gate, "t2", b, a);
    }
  });
}

TEST_F(LockOrderTest, CommonGateOfThreeLockCycleSuppressesIt) {
  expect_nothing_with_a_gate([](gridlock::mutex& gate, gridlock::mutex& a, gridlock::mutex& b, gridlock::mutex& c) {
    nested_under(gate, "t1", a, b);
    nested_under(gate, "t2", b, c);
    nested_under(gate, "t3", c, a);
  });
}

// Two edges under one gate are enough: t1 and t2 can never wait at once, so the cycle can never close,
// whatever t3 does without the gate (GStreamer's decoder: two edges under its pad's stream lock, one in
// a libavcodec worker outside it).
TEST_F(LockOrderTest, GateSharedByTwoEdgesOfACycleSuppressesIt) {
  expect_nothing_with_a_gate([](gridlock::mutex& gate, gridlock::mutex& a, gridlock::mutex& b, gridlock::mutex& c) {
    nested_under(gate, "t1", a, b);
    nested_under(gate, "t2", b, c);
    nested_in("t3", c, a);
  });
}

// One gated edge is not: the other two threads may still wait at once with the gated one.
TEST_F(LockOrderTest, GateOnOneEdgeOnlyLeavesTheCycleReported) {
  gridlock::mutex gate("G"), a("A"), b("B"), c("C");
  nested_under(gate, "t1", a, b);
  nested_in("t2", b, c);
  nested_in("t3", c, a);
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"A", "B", "t1"}, {"B", "C", "t2"}, {"C", "A", "t3"}});
}

// An edge's own first lock gates it too. log4cxx: a logger's lock G, its appender's M (always under G),
// and the user's X (an appender callback takes it; the user logs holding it). X -> G -> X is a real
// cycle; X -> G -> M -> X is not: its G -> M edge holds G, and so does its M -> X edge, so their threads
// could never wait at once. It was reported beside the real one.
TEST_F(LockOrderTest, AnEdgesFirstLockGatesAnotherEdgeTakenUnderIt) {
  gridlock::mutex g("G"), m("M"), x("X");
  nested_under(g, "appender", m, x);
  nested_under(x, "user", g, m);
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"X", "G", "user"}, {"G", "X", "appender"}});
}

TEST_F(LockOrderTest, TryLockClosingCycleIsNotReported) {
  {
    gridlock::mutex a("A"), b("B");
    nested_in("t1", a, b);
    run_in_thread("t2", [&] {
      std::lock_guard<gridlock::mutex> g(b);
      ASSERT_TRUE(a.try_lock());  // cannot block, so it cannot deadlock
      a.unlock();
    });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, ScopedLockClosingCycleIsNotReported) {
  {
    gridlock::mutex a("A"), b("B");
    nested_in("t1", a, b);
    run_in_thread("t2", [&] { std::scoped_lock<gridlock::mutex, gridlock::mutex> both(b, a); });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, StdLockClosingCycleIsNotReported) {
  {
    gridlock::mutex a("A"), b("B");
    nested_in("t1", a, b);
    run_in_thread("t2", [&] {
      std::lock(b, a);  // locks one, tries the others, backs off: deadlock-free by construction
      std::lock_guard<gridlock::mutex> gb(b, std::adopt_lock);
      std::lock_guard<gridlock::mutex> ga(a, std::adopt_lock);
    });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, ReadReadCycleIsNotReported) {
  {
    gridlock::shared_mutex s1("S1"), s2("S2");
    run_in_thread("t1", [&] {
      std::shared_lock<gridlock::shared_mutex> r1(s1);
      std::shared_lock<gridlock::shared_mutex> r2(s2);
    });
    run_in_thread("t2", [&] {
      std::shared_lock<gridlock::shared_mutex> r2(s2);
      std::shared_lock<gridlock::shared_mutex> r1(s1);
    });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, SharedMutexReadSideOnBothPathsIsNotReported) {
  {
    gridlock::shared_mutex s("S");
    gridlock::mutex m("M");
    run_in_thread("t1", [&] {
      std::shared_lock<gridlock::shared_mutex> r(s);
      std::lock_guard<gridlock::mutex> g(m);
    });
    run_in_thread("t2", [&] {
      std::lock_guard<gridlock::mutex> g(m);
      std::shared_lock<gridlock::shared_mutex> r(s);  // a reader never waits for a reader
    });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, RecursiveMutexRelockIsNotReported) {
  {
    gridlock::recursive_mutex r("R");
    gridlock::mutex a("A");
    run_in_thread("t1", [&] {
      std::lock_guard<gridlock::recursive_mutex> r1(r);
      std::lock_guard<gridlock::recursive_mutex> r2(r);  // re-entry: no self edge, no recursive-lock
      std::lock_guard<gridlock::mutex> g(a);
      std::lock_guard<gridlock::recursive_mutex> r3(r);  // re-entry while holding A: no edge A -> R
    });
    run_in_thread("t2", [&] {
      std::lock_guard<gridlock::recursive_mutex> r1(r);
      std::lock_guard<gridlock::mutex> g(a);
      std::lock_guard<gridlock::recursive_mutex> r2(r);
    });
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, AddressReusedByNewLockWithOppositeOrderIsNotReported_Optional) {
  {
    std::optional<gridlock::mutex> slot;
    gridlock::mutex b("B");
    slot.emplace("A");
    const void* address = &*slot;
    nested_in("t1", *slot, b);
    slot.reset();
    slot.emplace("A2");  // a new lock at the very same address
    ASSERT_EQ(static_cast<const void*>(&*slot), address);
    nested_in("t2", b, *slot);
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, AddressReusedByNewLockWithOppositeOrderIsNotReported_PlacementNew) {
  {
    alignas(gridlock::mutex) std::byte storage[sizeof(gridlock::mutex)];
    gridlock::mutex b("B");
    auto* first = new (storage) gridlock::mutex("A");
    nested_in("t1", *first, b);
    std::destroy_at(first);
    auto* second = new (storage) gridlock::mutex("A2");
    ASSERT_EQ(static_cast<void*>(first), static_cast<void*>(second));
    nested_in("t2", b, *second);
    std::destroy_at(second);
  }  // the locks are gone too: destroying them reports nothing either
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(LockOrderTest, DestroyedLockLeavesNoCycleBehindForItsPartners) {
  // After A is gone, B -> C and C -> B between the survivors is a cycle of its own, found as usual;
  // A's old edges must not show up in it.
  std::optional<gridlock::mutex> a;
  a.emplace("A");
  gridlock::mutex b("B"), c("C");
  run_in_thread("t1", [&] {
    std::lock_guard<gridlock::mutex> ga(*a);
    nested(b, c);
  });
  a.reset();
  nested_in("t2", c, b);
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  expect_cycle(all[0], {{"B", "C", "t1"}, {"C", "B", "t2"}});
}

}  // namespace
}  // namespace gridlock::test
