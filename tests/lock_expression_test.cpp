// Naming a lock without a variable by how the program's source spells it at its calls
// (harness/src/lock_expression.h): the line parser, then whole findings and the labels reports use.
#include "lock_expression.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "finding_text.h"

namespace {

using gridlock::object_family;
using gridlock::spelled_object;
using nlohmann::json;

TEST(SpelledObject, LockCallsNameTheirObject) {
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"std::lock_guard<std::mutex> s(store_mu);  // LINE:refresh", "store_mu"},
      {"std::unique_lock<std::mutex> lk(queue_mu_, std::try_to_lock);", "queue_mu_"},
      {"std::shared_lock<std::shared_mutex> r(table->rw);", "table->rw"},
      {"std::scoped_lock lock{mu_};", "mu_"},
      {"auto g = std::unique_lock{pool().mu};", "pool().mu"},
      {"absl::MutexLock l(&this->mu_);", "mu_"},
      {"QMutexLocker locker(&m_mutex);", "m_mutex"},
      {"mu.lock();", "mu"},
      {"if (!(*it)->mu.try_lock()) return false;", "(*it)->mu"},
      {"shards_[key % shards_.size()].lock_shared();", "shards_[key % shards_.size()]"},
      {"pthread_mutex_lock(&ctx->mu);", "ctx->mu"},
      {"if (pthread_rwlock_wrlock(&g_table_lock) != 0) abort();", "g_table_lock"},
      {"pthread_mutex_unlock(m);", "m"},
      {"mtx_lock(&queue.mu);", "queue.mu"},
      // A C condition wait takes its mutex (the second argument) again before it returns.
      {"while (q->n == 0) pthread_cond_wait(&q->nonempty, &q->mu);", "q->mu"},
      // The lock's getter inside a guard is the guard's object, not a second call.
      {"std::lock_guard<std::mutex> g(locks_.get_lock(key));", "locks_.get_lock(key)"},
      // A guard inside a macro that compiles it in or out (Boost.Log's sink frontend).
      {"BOOST_LOG_EXPR_IF_MT(boost::log::aux::exclusive_lock_guard< BackendMutexT > lock(backend_mutex);)", "backend_mutex"},
      // A lock call in a comment or a string is no call.
      {"log(\"mu.lock() failed\"); other_mu.lock();  /* not audit_mu.lock() */", "other_mu"},
  };
  for (const auto& [line, object] : lines) EXPECT_EQ(spelled_object(line, object_family::lock), object) << line;
}

TEST(SpelledObject, ALineThatCannotSayWhichLockNamesNone) {
  for (const std::string line : {
           "std::scoped_lock both(from.mu, to.mu);",  // it took both; which one this stack took is not here
           "std::lock(a, b);",
           "std::lock_guard<std::mutex> a(m1); std::lock_guard<std::mutex> b(m2);",
           "bool try_lock(std::mutex& m) {",  // a signature: no object
           "cv.wait(lk, [&] { return ready; });",  // a wait, not a lock call
           "refresh(key);",
           "",
       })
    EXPECT_EQ(spelled_object(line, object_family::lock), "") << line;
}

TEST(SpelledObject, ConditionVariablesAndSemaphoresAreNamedByTheirOwnCalls) {
  EXPECT_EQ(spelled_object("ready_cv.wait(lk, [&] { return ready; });", object_family::condition), "ready_cv");
  EXPECT_EQ(spelled_object("pthread_cond_wait(&q->nonempty, &q->mu);", object_family::condition), "q->nonempty");
  EXPECT_EQ(spelled_object("std::unique_lock<std::mutex> lk(mu);", object_family::condition), "");
  EXPECT_EQ(spelled_object("sem_wait(never_posted);", object_family::semaphore), "never_posted");
  EXPECT_EQ(spelled_object("slots_.acquire();", object_family::semaphore), "slots_");
  EXPECT_EQ(spelled_object("mu.lock();", object_family::semaphore), "");
}

TEST(SpelledObject, EachLockTypeHasItsFamily) {
  EXPECT_EQ(gridlock::family_of("pthread_mutex_t (recursive)"), object_family::lock);
  EXPECT_EQ(gridlock::family_of("std::shared_mutex"), object_family::lock);
  EXPECT_EQ(gridlock::family_of("gridlock::mutex"), object_family::lock);
  EXPECT_EQ(gridlock::family_of("pthread_cond_t"), object_family::condition);
  EXPECT_EQ(gridlock::family_of("gridlock::condition_variable"), object_family::condition);
  EXPECT_EQ(gridlock::family_of("sem_t"), object_family::semaphore);
  EXPECT_EQ(gridlock::family_of("std::future"), object_family::none);
}

/// Frames in these findings carry their `code`: none is read from a file.
const gridlock::source_line_reader no_source = [](const std::string&, int) { return std::string(); };

json program_frame(const std::string& function, int line, const std::string& code) {
  return {{"function", function}, {"file", "/src/app/bank.cpp"}, {"line", line}, {"module", "/src/app/bank"},
          {"code", code}};
}

/// A std::mutex lock as symbolized: libstdc++'s inlined frames, then the program's line.
json lock_stack(const std::string& function, int line, const std::string& code) {
  const json library = {{"function", "std::mutex::lock()"}, {"file", "/usr/include/c++/12/bits/std_mutex.h"},
                        {"line", 100}};
  return json::array({library, program_frame(function, line, code), program_frame("main", 90, "run();")});
}

/// The program's file (program_frame's) as these lines, by number: "" for any other line or file.
gridlock::source_line_reader program_source(std::map<int, std::string> lines) {
  return [lines = std::move(lines)](const std::string& file, int line) {
    const auto it = lines.find(line);
    return file == "/src/app/bank.cpp" && it != lines.end() ? it->second : std::string();
  };
}

json unnamed_lock(int id) { return {{"id", id}, {"name", ""}, {"type", "pthread_mutex_t"}}; }

json edge(int from, int to, int thread, json held_stack, json acquire_stack) {
  return {{"from", from}, {"to", to}, {"thread", thread}, {"held_stack", std::move(held_stack)},
          {"acquire_stack", std::move(acquire_stack)}};
}

/// Locks 1 and 2 in a cycle: thread 3, in `a`, takes 1 (the line `a_first`) then 2 (`a_second`);
/// thread 4, in `b`, takes 2 (`b_first`) then 1 (`b_second`).
json two_lock_cycle(const std::string& a, const std::string& a_first, const std::string& a_second,
                    const std::string& b, const std::string& b_first, const std::string& b_second) {
  return {{"kind", "lock-order-cycle"},
          {"locks", {unnamed_lock(1), unnamed_lock(2)}},
          {"edges", {edge(1, 2, 3, lock_stack(a, 21, a_first), lock_stack(a, 22, a_second)),
                     edge(2, 1, 4, lock_stack(b, 27, b_first), lock_stack(b, 28, b_second))}}};
}

// A cycle between two members: each is spelled alike at both of its calls, and the reports' labels
// call them so.
TEST(NameLocksByExpression, ACycleOfMembersIsCalledByThem) {
  json f = two_lock_cycle("cache::refresh", "std::lock_guard<std::mutex> i(index_mu);",
                          "std::lock_guard<std::mutex> s(store_mu);", "cache::evict",
                          "std::lock_guard<std::mutex> s(store_mu);", "std::lock_guard<std::mutex> i(index_mu);");
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(f["locks"][0].value("expression", ""), "index_mu");
  EXPECT_EQ(f["locks"][1].value("expression", ""), "store_mu");
  EXPECT_EQ(gridlock::lock_label(f, 1), "index_mu");
  EXPECT_EQ(gridlock::lock_label(f, 2), "store_mu");
}

// transfer(a, b) and transfer(b, a): each account's lock is `from.mu` on one path and `to.mu` on the
// other. Neither spelling is its name; the member both end in is, with the ids apart.
TEST(NameLocksByExpression, CallsThatSpellALockTwoWaysNameItByTheMemberTheyShare) {
  const std::string first = "std::lock_guard<std::mutex> first(from.mu);";
  const std::string second = "std::lock_guard<std::mutex> second(to.mu);";
  json f = two_lock_cycle("transfer", first, second, "transfer", first, second);
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(gridlock::lock_label(f, 1), "mu#1");
  EXPECT_EQ(gridlock::lock_label(f, 2), "mu#2");
  // One object reached through two pointers: what they share is all there is to call it by.
  json g = two_lock_cycle("serve", "std::lock_guard<std::mutex> g(state->mu);", "log_mu_.lock();", "sink::write",
                          "log_mu_.lock();", "std::lock_guard<std::mutex> g(state_->mu);");
  gridlock::name_locks_by_expression(g, no_source);
  EXPECT_EQ(gridlock::lock_label(g, 1), "mu");
  EXPECT_EQ(gridlock::lock_label(g, 2), "log_mu_");
  // Spellings that end in different members share nothing.
  json h = two_lock_cycle("serve", "std::lock_guard<std::mutex> g(state->mu);", "log_mu_.lock();", "sink::write",
                          "log_mu_.lock();", "std::lock_guard<std::mutex> g(registry_mu);");
  gridlock::name_locks_by_expression(h, no_source);
  EXPECT_EQ(gridlock::lock_label(h, 1), "pthread_mutex_t#1");
}

// A lock a library takes in its own header (installed code, whose frames carry no `code`) is read
// from the header: spdlog's sink takes its `mutex_` in base_sink-inl.h.
TEST(NameLocksByExpression, ALibrarysLineIsReadFromItsHeader) {
  const json library_take = json::array(
      {{{"function", "spdlog::sinks::base_sink<std::mutex>::log"},
        {"file", "/usr/include/spdlog/sinks/base_sink-inl.h"},
        {"line", 28}},
       program_frame("main", 36, "logger->info(\"request {}\", n);")});
  json f = {{"kind", "deadlock"},
            {"locks", {unnamed_lock(1)}},
            {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", library_take}}}}};
  gridlock::name_locks_by_expression(f, [](const std::string& file, int line) {
    return file == "/usr/include/spdlog/sinks/base_sink-inl.h" && line == 28 ? "std::lock_guard<Mutex> lock(mutex_);"
                                                                               : "";
  });
  EXPECT_EQ(gridlock::lock_label(f, 1), "mutex_");
}

// Two records' locks taken by one line in a loop share its spelling: their ids tell them apart.
TEST(NameLocksByExpression, LocksOneLineSpellsAlikeKeepTheirIds) {
  const json take = lock_stack("table::lock_rows", 40, "rows_[i]->mu.lock();");
  json f = {{"kind", "lock-order-cycle"},
            {"locks", {unnamed_lock(5), unnamed_lock(6)}},
            {"edges", {edge(5, 6, 1, take, take), edge(6, 5, 2, take, take)}}};
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(gridlock::lock_label(f, 5), "rows_[i]->mu#5");
  EXPECT_EQ(gridlock::lock_label(f, 6), "rows_[i]->mu#6");
}

// Both locks taken through the program's lock function: its line spells its parameter, the same for
// every lock, so the callers' lines name them.
TEST(NameLocksByExpression, ALockFunctionsOwnLineIsPassedOver) {
  const auto through = [](int line, const std::string& code) {
    json s = lock_stack("acquire(std::mutex&)", 12, "m.lock();");
    s.insert(s.begin() + 2, program_frame("ledger::post", line, code));
    return s;
  };
  json f = {{"kind", "lock-order-cycle"},
            {"locks", {unnamed_lock(1), unnamed_lock(2)}},
            {"edges",
             {edge(1, 2, 3, through(30, "acquire(journal_mu);"), through(31, "acquire(ledger_mu);")),
              edge(2, 1, 4, through(50, "acquire(ledger_mu);"), through(51, "acquire(journal_mu);"))}}};
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(f["locks"][0].value("expression", ""), "journal_mu") << f.dump(2);
  EXPECT_EQ(f["locks"][1].value("expression", ""), "ledger_mu") << f.dump(2);
}

// A lock class of the program's (LevelDB's port::Mutex, and its MutexLock guard) spells its own member
// for every lock it wraps: the lines that call it name the lock.
TEST(NameLocksByExpression, ALockClassOfTheProgramsIsPassedOver) {
  const json wrapper = program_frame("leveldb::port::Mutex::Lock()", 55, "mu_.lock();");
  const json guard = program_frame("leveldb::MutexLock::MutexLock(leveldb::port::Mutex*)", 26, "mu_->Lock();");
  json write = lock_stack("leveldb::DBImpl::Write", 1210, "MutexLock l(&mutex_);");
  for (const json& frame : {guard, wrapper}) write.insert(write.begin() + 1, frame);
  json background = lock_stack("leveldb::DBImpl::BackgroundCall", 690, "mutex_.Lock();");
  background.insert(background.begin() + 1, wrapper);
  json f = two_lock_cycle("app::Logger::Logv", "std::lock_guard<std::mutex> l(file_mu_);", "", "", "", "");
  f["edges"][0]["acquire_stack"] = write;
  f["edges"][1]["held_stack"] = background;
  f["edges"][1]["acquire_stack"] = lock_stack("app::Logger::Logv", 15, "std::lock_guard<std::mutex> l(file_mu_);");
  json through_guard_only = f;
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(gridlock::lock_label(f, 1), "file_mu_");
  EXPECT_EQ(gridlock::lock_label(f, 2), "mutex_") << f["edges"].dump(2);
  // Through the guard and the wrapper both.
  through_guard_only["edges"][1]["held_stack"] = lock_stack("leveldb::DBImpl::Compact", 700, "Compact();");
  gridlock::name_locks_by_expression(through_guard_only, no_source);
  EXPECT_EQ(gridlock::lock_label(through_guard_only, 2), "mutex_");
}

// Apache Thrift's guard of a Monitor is named for what it makes its scope: `Synchronized m(monitor);`
// takes the monitor's mutex through a Guard, and the program's line names the monitor.
TEST(NameLocksByExpression, ThriftsSynchronizedIsAGuard) {
  EXPECT_TRUE(gridlock::in_lock_class(
      "apache::thrift::concurrency::Synchronized::Synchronized(apache::thrift::concurrency::Monitor const&)"));
  EXPECT_EQ(spelled_object("Synchronized m(s.queueMon);", object_family::lock), "s.queueMon");
  json take = lock_stack("enqueue", 29, "Synchronized m(s.queueMon);");
  take.insert(take.begin() + 1, program_frame("apache::thrift::concurrency::Synchronized::Synchronized("
                                              "apache::thrift::concurrency::Monitor const&)",
                                              118, "Synchronized(const Monitor& monitor) : g(monitor.mutex()) {}"));
  json deadlock = {{"kind", "deadlock"}, {"locks", {unnamed_lock(1)}}, {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", take}}}}};
  gridlock::name_locks_by_expression(deadlock, no_source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "s.queueMon") << deadlock.dump(2);
}

// Types named C's way (ZeroMQ's mutex_t, scoped_lock_t, scoped_optional_lock_t) are lock classes and
// guards all the same; a guard given a choice of locks names none.
TEST(NameLocksByExpression, LockClassesNamedWithATypeSuffixArePassedOverToo) {
  EXPECT_TRUE(gridlock::in_lock_class("zmq::mutex_t::lock()"));
  EXPECT_TRUE(gridlock::in_lock_class("zmq::scoped_lock_t::scoped_lock_t(zmq::mutex_t&)"));
  EXPECT_FALSE(gridlock::in_lock_class("zmq::mailbox_safe_t::send(zmq::command_t const&)"));
  EXPECT_EQ(spelled_object("scoped_lock_t locker (_endpoints_sync);", object_family::lock), "_endpoints_sync");
  EXPECT_EQ(spelled_object("scoped_optional_lock_t sync_lock (_thread_safe ? &_sync : NULL);", object_family::lock), "");
  const json in_class = program_frame("zmq::mutex_t::lock()", 135, "int rc = pthread_mutex_lock (&_mutex);");
  json take = lock_stack("zmq::ctx_t::find_endpoint(char const*)", 740, "scoped_lock_t locker (_endpoints_sync);");
  take.insert(take.begin() + 1, in_class);
  json deadlock = {{"kind", "deadlock"}, {"locks", {unnamed_lock(1)}}, {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", take}}}}};
  gridlock::name_locks_by_expression(deadlock, no_source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "_endpoints_sync") << "not the class's own _mutex";
}

// Two of spdlog's sinks, each forwarding to the other: both locks are taken at one line of base_sink,
// through a long shared path of library calls, which is no lock function. That line names them.
TEST(NameLocksByExpression, ALongSharedPathIsNoLockFunction) {
  const auto through = [](const std::string& caller_code) {
    return json::array({program_frame("spdlog::sinks::base_sink<std::mutex>::log", 28,
                                      "std::lock_guard<Mutex> lock(mutex_);"),
                        program_frame("spdlog::logger::sink_it_", 186, "sink->log(msg);"),
                        program_frame("spdlog::logger::log_", 373, caller_code)});
  };
  json f = two_lock_cycle("", "", "", "", "", "");
  for (json& e : f["edges"]) {
    e["held_stack"] = through("forward(msg);");
    e["acquire_stack"] = through("log_it_(log_msg, log_enabled, traceback_enabled);");
  }
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(gridlock::lock_label(f, 1), "mutex_#1");
  EXPECT_EQ(gridlock::lock_label(f, 2), "mutex_#2");
}

// A std::unique_lock made with std::defer_lock, then locked: `lf.lock()` names the guard, whose
// declaration above names the lock. transfer(a, b) and transfer(b, a) then read as `from.mu` and `to.mu`.
// A condition wait's relock (`cv.wait(lk)`) is read through its guard too, and only so.
TEST(NameLocksByExpression, AGuardIsReadAsTheLockItsDeclarationAboveNames) {
  const std::map<int, std::string> bank_cpp = {
      {17, "void transfer(account& from, account& to, long n) {"},
      {18, "  std::unique_lock<std::mutex> lf(from.mu, std::defer_lock);"},
      {19, "  std::unique_lock<std::mutex> lt(to.mu, std::defer_lock);"},
      {20, "  std::lock_guard<std::mutex> other(lt_mu);  // declares no `lf`"},
      {21, "  lf.lock();"},
      {22, "  lt.lock();"},
      {23, "}"},
      {24, "void wait_for_work(queue* q) {"},
      {25, "  std::unique_lock<std::mutex> lk(q->mu);"},
      {27, "  q->ready.wait(lk, [&] { return !q->items.empty(); });"},
      {28, "  lf.lock();  // a member guard, declared in no line above"},
  };
  const gridlock::source_line_reader source = program_source(bank_cpp);
  const json take_from = lock_stack("transfer", 21, "lf.lock();");
  const json take_to = lock_stack("transfer", 22, "lt.lock();");
  json f = two_lock_cycle("", "", "", "", "", "");
  f["edges"] = {edge(1, 2, 3, take_from, take_to), edge(2, 1, 4, take_from, take_to)};
  gridlock::name_locks_by_expression(f, source);
  EXPECT_EQ(gridlock::lock_label(f, 1), "mu#1");
  EXPECT_EQ(gridlock::lock_label(f, 2), "mu#2");

  // Thread 4's lines are the wait (line 27) and a guard the lines above it do not declare (line 28):
  // the wait's guard names lock 2, the unknown guard keeps its own spelling for lock 1.
  f = two_lock_cycle("", "", "", "", "", "");
  f["edges"] = {edge(1, 2, 3, take_from, lock_stack("wait_for_work", 25, bank_cpp.at(25))),
                edge(2, 1, 4, lock_stack("wait_for_work", 27, bank_cpp.at(27)),
                     lock_stack("wait_for_work", 28, bank_cpp.at(28)))};
  json g = f;
  gridlock::name_locks_by_expression(g, source);
  EXPECT_EQ(gridlock::lock_label(g, 2), "q->mu");
  EXPECT_EQ(gridlock::lock_label(g, 1), "pthread_mutex_t#1") << "from.mu and lf share no member";

  // Without the file, a wait says nothing, and a guard's call is its own spelling.
  gridlock::name_locks_by_expression(f, no_source);
  EXPECT_EQ(gridlock::lock_label(f, 2), "q->mu");
  EXPECT_EQ(gridlock::lock_label(f, 1), "lf");
}

// A function whose line takes the lock it was handed (libuv's uv_mutex_lock(uv_mutex_t* mutex)) spells
// its parameter: its caller's line says which lock, or nothing where that line takes two.
TEST(NameLocksByExpression, ALockAFunctionWasHandedIsSpelledByItsCaller) {
  const std::map<int, std::string> lines = {
      {10, "void uv_mutex_lock(uv_mutex_t* mutex) {"},
      {11, "  if (pthread_mutex_lock(mutex))"},
      {20, "  uv_mutex_lock(&from->lock); uv_mutex_lock(&to->lock);"},
      {30, "  uv_mutex_lock(&queue->lock);"},
      {40, "void hold(std::mutex& m) { m.lock(); }"},
      {50, "  hold(registry_mu);"},
  };
  const gridlock::source_line_reader source = program_source(lines);
  const auto through = [&](const std::string& wrapper, int wrapper_line, const std::string& caller, int caller_line) {
    return json::array({program_frame(wrapper, wrapper_line, lines.at(wrapper_line)),
                        program_frame(caller, caller_line, lines.at(caller_line))});
  };
  json deadlock = {{"kind", "deadlock"},
                   {"locks", {unnamed_lock(1), unnamed_lock(2)}},
                   {"waits",
                    {{{"thread", 1}, {"lock", 1}, {"stack", through("uv_mutex_lock", 11, "worker", 30)}},
                     {{"thread", 2}, {"lock", 2}, {"stack", through("hold(std::mutex&)", 40, "audit", 50)}}}}};
  gridlock::name_locks_by_expression(deadlock, source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "queue->lock");
  EXPECT_EQ(gridlock::lock_label(deadlock, 2), "registry_mu") << "a one-line function's header is its line";

  // Both locks taken on one line, so both sides of each edge are the same calls: no lock function to
  // pass over by the edges alone, and the line says nothing of which lock is which.
  const json both = through("uv_mutex_lock", 11, "transfer", 20);
  json cycle = two_lock_cycle("", "", "", "", "", "");
  cycle["edges"] = {edge(1, 2, 3, both, both), edge(2, 1, 4, both, both)};
  gridlock::name_locks_by_expression(cycle, source);
  EXPECT_EQ(gridlock::lock_label(cycle, 1), "pthread_mutex_t#1");
  EXPECT_EQ(gridlock::lock_label(cycle, 2), "pthread_mutex_t#2");
}

// A function handed the lock among other arguments (Boost.Log's sink frontend:
// try_feed_record(rec, backend_mutex, backend)) is called with it at that place: the caller's line
// names the lock by that argument, not the first.
TEST(NameLocksByExpression, ALockHandedAsAnotherThanTheFirstArgumentIsSpelledByThatArgument) {
  const std::map<int, std::string> lines = {
      {184, "bool try_feed_record(record_view const& rec, std::map<int, int>& seen, BackendMutexT& backend_mutex, BackendT& backend)"},
      {189, "  if (!backend_mutex.try_lock())"},
      {161, "  return base_type::try_feed_record(rec, seen_, m_BackendMutex, *m_pBackend);"},
  };
  const gridlock::source_line_reader source = program_source(lines);
  const json stack = json::array({program_frame("try_feed_record(record_view const&, std::map<int, int>&, std::mutex&, be&)", 189, lines.at(189)),
                                  program_frame("sink::try_consume(record_view const&)", 161, lines.at(161))});
  json deadlock = {{"kind", "deadlock"}, {"locks", {unnamed_lock(1)}}, {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", stack}}}}};
  gridlock::name_locks_by_expression(deadlock, source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "m_BackendMutex");
}

// Boost.Thread locks its pthread mutex through a function it hands the mutex (posix::pthread_mutex_lock(
// pthread_mutex_t* m)), from boost::mutex::lock() on its member `m`, under boost::lock_guard: past the
// lock classes, the program's line names the lock, as for std::mutex (every member boost::mutex read
// `m`).
TEST(NameLocksByExpression, ALockClassReachedThroughAHandedLockIsPassedOver) {
  const std::map<int, std::string> lines = {
      {78, "BOOST_FORCEINLINE int pthread_mutex_lock(pthread_mutex_t* m)"},
      {79, "{ return ::pthread_mutex_lock(m); }"},
      {60, "void lock() {"},
      {61, "  int const res = posix::pthread_mutex_lock(&m);"},
      {37, "explicit lock_guard(Mutex& m_) : m(m_) {"},
      {38, "  m.lock();"},
      {11, "  boost::lock_guard<boost::mutex> b(to.mu);"},
  };
  const gridlock::source_line_reader source = program_source(lines);
  const json stack = json::array({program_frame("boost::posix::pthread_mutex_lock(pthread_mutex_t*)", 79, lines.at(79)),
                                  program_frame("boost::mutex::lock()", 61, lines.at(61)),
                                  program_frame("boost::lock_guard<boost::mutex>::lock_guard(boost::mutex&)", 38, lines.at(38)),
                                  program_frame("worker", 11, lines.at(11))});
  json deadlock = {{"kind", "deadlock"}, {"locks", {unnamed_lock(1)}}, {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", stack}}}}};
  gridlock::name_locks_by_expression(deadlock, source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "to.mu") << deadlock.dump(2);
}

// A member of an object a function was handed (NNG's nni_plat_mtx_lock(nni_plat_mtx *mtx) takes
// `&mtx->mtx`) is read on through its callers' arguments: every lock of such a library read `mtx->mtx`.
// The frames read past are marked `forwards`, for the text report to pass over.
TEST(NameLocksByExpression, AMemberOfAnObjectAFunctionWasHandedIsSpelledThroughItsCallers) {
  const std::map<int, std::string> lines = {
      {10, "static void plat_lock(plat_mtx *mtx)"},
      {11, "{"},
      {12, "  if (pthread_mutex_lock(&mtx->mtx) != 0) abort();"},
      {20, "void acquire(plat_mtx *m) { plat_lock(m); }"},
      {30, "  acquire(&sock->s_mx);"},
      {40, "void queue_push(queue& q, item i) { plat_lock(&q.lock); }"},
      {50, "  queue_push(jobs, next);"},
      {60, "  forward_everything(state);"},
  };
  const gridlock::source_line_reader source = program_source(lines);
  const auto frame = [&](const std::string& function, int line) {
    return program_frame(function, line, lines.at(line));
  };
  const json from_sock = json::array({frame("plat_lock", 12), frame("acquire(plat_mtx*)", 20), frame("worker", 30)});
  const json from_queue = json::array({frame("plat_lock", 12), frame("queue_push", 40), frame("producer", 50)});
  json deadlock = {{"kind", "deadlock"},
                   {"locks", {unnamed_lock(1), unnamed_lock(2)}},
                   {"waits",
                    {{{"thread", 1}, {"lock", 1}, {"stack", from_sock}},
                     {{"thread", 2}, {"lock", 2}, {"stack", from_queue}}}}};
  gridlock::name_locks_by_expression(deadlock, source);
  EXPECT_EQ(gridlock::lock_label(deadlock, 1), "sock->s_mx.mtx") << "handed a pointer, then the address of s_mx";
  EXPECT_EQ(gridlock::lock_label(deadlock, 2), "jobs.lock.mtx") << "handed a reference";
  for (const json& w : deadlock["waits"]) {
    const json& stack = w["stack"];
    EXPECT_TRUE(stack[0].value("forwards", false)) << stack.dump();
    EXPECT_TRUE(stack[1].value("forwards", false)) << stack.dump();
    EXPECT_FALSE(stack[2].contains("forwards")) << "the line that says which lock";
  }

  // A caller whose line says nothing of the object: the wrapper's own spelling, the frame past it unmarked.
  json unknown = {{"kind", "deadlock"},
                  {"locks", {unnamed_lock(1)}},
                  {"waits", {{{"thread", 1}, {"lock", 1}, {"stack", {frame("plat_lock", 12), frame("relay", 60)}}}}}};
  gridlock::name_locks_by_expression(unknown, source);
  EXPECT_EQ(gridlock::lock_label(unknown, 1), "mtx->mtx");
  EXPECT_FALSE(unknown["waits"][0]["stack"][0].contains("forwards"));
}

// A deadlock names each lock by the wait for it; a lock with a variable or a name keeps that; a
// one-lock misuse finding by its own stack.
TEST(NameLocksByExpression, WaitsAndMisuseStacksNameTheirLocks) {
  json global = unnamed_lock(2);
  global["symbol"] = "g_log_mu";
  json deadlock = {
      {"kind", "deadlock"},
      {"locks", {unnamed_lock(1), global}},
      {"waits",
       {{{"thread", 1}, {"lock", 1}, {"stack", lock_stack("flush", 9, "std::lock_guard<std::mutex> g(queue->mu);")}},
        {{"thread", 2}, {"lock", 2}, {"stack", lock_stack("log", 4, "std::lock_guard<std::mutex> g(g_log_mu);")}}}}};
  gridlock::name_locks_by_expression(deadlock, no_source);
  EXPECT_EQ(deadlock["locks"][0].value("expression", ""), "queue->mu");
  EXPECT_FALSE(deadlock["locks"][1].contains("expression")) << "its variable names it";

  json relock = {{"kind", "recursive-lock"},
                 {"locks", {unnamed_lock(7)}},
                 {"stack", lock_stack("cache::get", 14, "mu_.lock();")}};
  gridlock::name_locks_by_expression(relock, no_source);
  EXPECT_EQ(gridlock::lock_label(relock, 7), "mu_");
}

}  // namespace
