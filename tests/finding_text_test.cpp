// The text rendering of a finding (stderr and the console): which frames of each stack it shows.
#include "finding_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace {

using nlohmann::json;

json frame(const std::string& function, const std::string& file, int line, const std::string& module) {
  return {{"function", function}, {"file", file}, {"line", line}, {"module", module}};
}

/// A lock taken inside a header-only library (three library frames deep) from the program's own code.
json library_stack() {
  return json::array({frame("gridlock::events::acquired", "/src/harness/src/events.cpp", 1, "/opt/lib/libgridlock_preload.so"),
                      frame("pthread_mutex_lock", "/src/harness/preload/hooks_locks.cpp", 2, "/opt/lib/libgridlock_preload.so"),
                      frame("std::mutex::lock()", "/usr/include/c++/12/bits/std_mutex.h", 100, "/home/u/app"),
                      frame("lib::sink::log", "/usr/include/lib/sink.h", 28, "/home/u/app"),
                      frame("lib::logger::write", "/usr/include/lib/logger.h", 186, "/home/u/app"),
                      frame("lib::logger::info", "/usr/include/lib/logger.h", 158, "/home/u/app"),
                      frame("app::audit_sink::forward", "/home/u/app/audit.cpp", 17, "/home/u/app"),
                      frame("main", "/home/u/app/main.cpp", 30, "/home/u/app")});
}

json cycle_finding(const json& acquire_stack, const json& held_stack) {
  return {{"kind", "lock-order-cycle"},
          {"fingerprint", "0123456789abcdef"},
          {"message", "potential deadlock"},
          {"locks", json::array({{{"id", 1}, {"name", "A"}}, {{"id", 2}, {"name", "B"}}})},
          {"threads", json::array({{{"id", 3}, {"name", "worker"}}})},
          {"edges", json::array({{{"from", 1}, {"to", 2}, {"thread", 3}, {"acquire_stack", acquire_stack},
                                  {"held_stack", held_stack}}})}};
}

// An edge other threads took too says so on its line: the report shows one take, and the reader of a
// cycle whose edges name two threads should not think no other thread takes them.
TEST(FindingText, AnEdgeOtherThreadsTookTooNamesThem) {
  json f = cycle_finding(library_stack(), library_stack());
  f["threads"].push_back({{"id", 1}, {"name", "main"}});
  EXPECT_NE(gridlock::render_text(f).find("thread 3 (worker): A -> B\n"), std::string::npos) << gridlock::render_text(f);
  f["edges"][0]["also"] = json::array({{{"thread", 1}, {"held_stack", library_stack()}, {"acquire_stack", library_stack()}}});
  const std::string text = gridlock::render_text(f);
  EXPECT_NE(text.find("thread 3 (worker): A -> B (also taken by thread 1 (main))\n"), std::string::npos) << text;
}

// Where a cycle's threads were started, past the library frames that started them (std::thread's);
// not for the hundreds of threads a timeout may list.
// A cycle one thread made both ways (ZeroMQ's test_hello_msg: bind, then connect, on main) is still a
// deadlock two threads can make: the text says so, and says nothing where two threads took it.
TEST(FindingText, ACycleOneThreadTookBothWaysSaysTwoThreadsCanDeadlockOnIt) {
  json f = cycle_finding(library_stack(), library_stack());
  f["edges"].push_back({{"from", 2}, {"to", 1}, {"thread", 3}, {"acquire_stack", library_stack()}, {"held_stack", library_stack()}});
  const std::string line = "  each order was taken by thread 3 (worker) alone: two threads taking them at once can deadlock\n";
  EXPECT_NE(gridlock::render_text(f, 2).find(line), std::string::npos) << gridlock::render_text(f, 2);
  f["edges"][1]["thread"] = 4;
  EXPECT_EQ(gridlock::render_text(f, 2).find("alone:"), std::string::npos) << gridlock::render_text(f, 2);
}

TEST(FindingText, WhereAFindingsThreadsWereStartedIsSaid) {
  json f = cycle_finding(library_stack(), library_stack());
  f["threads"][0]["started_at"] = json::array({frame("std::thread::thread<...>", "/usr/include/c++/12/bits/std_thread.h", 90, "/home/u/app"),
                                               frame("app::pool::start", "/home/u/app/pool.cpp", 12, "/home/u/app")});
  const std::string text = gridlock::render_text(f);
  EXPECT_NE(text.find("  thread 3 (worker) was started at app::pool::start (pool.cpp:12)\n"), std::string::npos) << text;
  for (std::uint32_t id = 10; id < 18; ++id) f["threads"].push_back({{"id", id}, {"name", ""}});
  EXPECT_EQ(gridlock::render_text(f).find("was started at"), std::string::npos) << "nine threads";
}

// The library frame the program called is shown too: it says what the program asked (a gRPC process
// blocked in absl::MutexLock's constructor read "... 6 library frame(s)").
TEST(FindingText, LibraryTopFramesAreFollowedByTheProgramsFirstFrame) {
  json deeper = library_stack();
  deeper.insert(deeper.begin() + 5, frame("lib::logger::format", "/usr/include/lib/logger.h", 90, "/home/u/app"));
  const std::string text = gridlock::render_text(cycle_finding(library_stack(), deeper), 2);
  const std::string expected =
      "      at lib::sink::log (sink.h:28)\n"
      "      at lib::logger::write (logger.h:186)\n"
      "      at lib::logger::info (logger.h:158)\n"
      "      at app::audit_sink::forward (audit.cpp:17)\n";
  EXPECT_NE(text.find("acquired B while holding A:\n" + expected), std::string::npos) << text;
  EXPECT_NE(text.find("A was acquired:\n"
                      "      at lib::sink::log (sink.h:28)\n"
                      "      at lib::logger::write (logger.h:186)\n"
                      "      ... 1 library frame(s)\n"
                      "      at lib::logger::info (logger.h:158)\n"
                      "      at app::audit_sink::forward (audit.cpp:17)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("main.cpp"), std::string::npos) << text;  // one program frame is enough
  EXPECT_EQ(text.find("std_mutex.h"), std::string::npos) << text;  // std:: and Gridlock frames are dropped
}

// The program's own first frame is followed by its line of source; library frames are not, nor are the
// program's frames above it.
TEST(FindingText, TheProgramsFirstFrameShowsItsLineOfSource) {
  json stack = library_stack();
  for (json& fr : stack) fr["code"] = "line of " + fr.value("function", "");
  const std::string text = gridlock::render_text(cycle_finding(stack, stack), 8);
  EXPECT_NE(text.find("      at app::audit_sink::forward (audit.cpp:17)\n"
                      "         | line of app::audit_sink::forward\n"
                      "      at main (main.cpp:30)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("line of lib::"), std::string::npos) << text;
  EXPECT_EQ(text.find("line of main"), std::string::npos) << text;
}

TEST(FindingText, ProgramFrameWithinTheTopFramesAddsNothing) {
  json stack = library_stack();
  stack.erase(stack.begin() + 4, stack.begin() + 6);  // the program's own frame is now the second shown
  const std::string text = gridlock::render_text(cycle_finding(stack, stack), 2);
  EXPECT_NE(text.find("      at lib::sink::log (sink.h:28)\n      at app::audit_sink::forward (audit.cpp:17)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("library frame"), std::string::npos) << text;
  EXPECT_EQ(text.find("main.cpp"), std::string::npos) << text;
}

// A callback the program gave a shared library runs inside one of the library's calls: the program's
// call into the library says which (librdkafka's delivery report, run by the rd_kafka_flush a lock
// was held across). Code of another module is followed to it; the program's own module's is not
// (ProgramFrameWithinTheTopFramesAddsNothing).
TEST(FindingText, ACallbackFromALibraryIsFollowedByTheProgramsCallIntoIt) {
  const std::string lib = "/usr/lib/x86_64-linux-gnu/librdkafka.so.1";
  const json stack = json::array({frame("dr_cb", "/home/u/app/producer.c", 9, "/home/u/app"),
                                  {{"function", ""}, {"module", lib}, {"offset", "0x24f36"}},
                                  {{"function", "rd_kafka_poll_cb"}, {"module", lib}},
                                  {{"function", "rd_kafka_poll"}, {"module", lib}},
                                  {{"function", "rd_kafka_flush"}, {"module", lib}},
                                  frame("main", "/home/u/app/producer.c", 20, "/home/u/app"),
                                  {{"function", "__libc_start_call_main"}, {"module", "/usr/lib/x86_64-linux-gnu/libc.so.6"}}});
  const std::string text = gridlock::render_text(cycle_finding(stack, stack), 2);
  EXPECT_NE(text.find("      at dr_cb (producer.c:9)\n"
                      "      at librdkafka.so.1+0x24f36\n"
                      "      ... 2 library frame(s)\n"
                      "      at rd_kafka_flush\n"
                      "      at main (producer.c:20)\n"),
            std::string::npos)
      << text;
}

TEST(FindingText, AllLibraryStackShowsOnlyItsTopFrames) {
  json stack = library_stack();
  stack.erase(stack.begin() + 6, stack.end());  // no program frame at all
  const std::string text = gridlock::render_text(cycle_finding(stack, stack), 2);
  EXPECT_NE(text.find("      at lib::logger::write (logger.h:186)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("logger.h:158"), std::string::npos) << text;
  EXPECT_EQ(text.find("library frame"), std::string::npos) << text;
}

TEST(FindingText, UnnamedLocksAreToldApartByWhereTheyWereFirstSeen) {
  json f = cycle_finding(library_stack(), library_stack());
  f["locks"] = json::array({{{"id", 1}, {"type", "pthread_mutex_t"}, {"name", ""}, {"created", library_stack()}},
                            {{"id", 2}, {"type", "pthread_mutex_t"}, {"name", "journal"}, {"created", library_stack()}},
                            {{"id", 3}, {"type", "pthread_mutex_t"}, {"name", ""}, {"symbol", "g_registry_mu"}}});
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_NE(text.find("\n  pthread_mutex_t#1: first seen at app::audit_sink::forward (audit.cpp:17)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("journal: first seen"), std::string::npos) << "a named lock needs no place\n" << text;
  EXPECT_EQ(text.find("g_registry_mu: first seen"), std::string::npos) << "nor one named by its variable\n" << text;
}

// A program that locks through a function of its own first used both heap mutexes in it: the line
// names where each was first used through that function, not the function's own line twice.
TEST(FindingText, UnnamedLocksFirstSeenThroughOneLockFunctionAreToldApartByTheirCallers) {
  const auto through_acquire = [](const std::string& caller, int line) {
    return json::array({frame("pthread_mutex_lock", "/src/harness/preload/hooks_locks.cpp", 2, "/opt/lib/libgridlock_preload.so"),
                        frame("acquire(std::mutex&)", "/home/u/app/locks.cpp", 23, "/home/u/app"),
                        frame(caller, "/home/u/app/bank.cpp", line, "/home/u/app"),
                        frame("main", "/home/u/app/main.cpp", 30, "/home/u/app")});
  };
  json f = cycle_finding(library_stack(), library_stack());
  f["locks"] = json::array({{{"id", 1}, {"type", "pthread_mutex_t"}, {"name", ""}, {"created", through_acquire("open_account", 12)}},
                            {{"id", 2}, {"type", "pthread_mutex_t"}, {"name", ""}, {"created", through_acquire("open_ledger", 40)}}});
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_NE(text.find("  pthread_mutex_t#1: first seen at open_account (bank.cpp:12) (through acquire(std::mutex&) (locks.cpp:23))\n"
                      "  pthread_mutex_t#2: first seen at open_ledger (bank.cpp:40) (through acquire(std::mutex&) (locks.cpp:23))\n"),
            std::string::npos)
      << text;
}

// Two heap mutexes first seen through the very same calls (one line took both, `lock(&from->mu);
// lock(&to->mu);`): no frame tells them apart, so neither gets a line; nor does one first seen in
// another GoogleTest test than the finding's (another test's object at the same address).
TEST(FindingText, UnnamedLocksNoFirstSeenLineCanTellApartGetNone) {
  const auto on_one_line = [](const std::string& test_body) {
    return json::array({frame("uv_mutex_lock", "/src/uv/thread.c", 351, "/home/u/app"),
                        frame("transfer", "/home/u/app/bank.c", 8, "/home/u/app"),
                        frame(test_body, "/home/u/app/bank_test.cc", 20, "/home/u/app")});
  };
  json f = cycle_finding(library_stack(), library_stack());
  f["locks"] = json::array({{{"id", 1}, {"type", "pthread_mutex_t"}, {"name", ""}, {"created", on_one_line("worker")}},
                            {{"id", 2}, {"type", "pthread_mutex_t"}, {"name", ""}, {"created", on_one_line("worker")}}});
  EXPECT_EQ(gridlock::render_text(f, 2).find("first seen"), std::string::npos) << gridlock::render_text(f, 2);

  f["tests"] = json::array({"Bank.Transfer"});
  f["locks"][0]["created"] = on_one_line("Bank_Lookup_Test::TestBody()");
  f["locks"][1]["created"] = on_one_line("Bank_Transfer_Test::TestBody()");
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_EQ(text.find("pthread_mutex_t#1: first seen"), std::string::npos) << "seen in Bank.Lookup\n" << text;
  EXPECT_NE(text.find("pthread_mutex_t#2: first seen at uv_mutex_lock (thread.c:351)\n"), std::string::npos) << text;
}

// A lock taken through the program's own lock class (LevelDB's port::Mutex, whose Lock() is one line for
// every mutex) was first seen where that class was called, even alone in its finding.
TEST(FindingText, AnUnnamedLockFirstSeenThroughALockClassIsSeenAtItsCaller) {
  json f = cycle_finding(library_stack(), library_stack());
  f["locks"][0] = {{"id", 1},
                   {"type", "pthread_mutex_t"},
                   {"name", ""},
                   {"created", json::array({frame("leveldb::port::Mutex::Lock()", "/src/ldb/port/port_stdcxx.h", 55, "/src/ldb/app"),
                                            frame("leveldb::DBImpl::Write", "/src/ldb/db/db_impl.cc", 1210, "/src/ldb/app"),
                                            frame("main", "/src/ldb/main.cc", 9, "/src/ldb/app")})}};
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_NE(text.find("  pthread_mutex_t#1: first seen at leveldb::DBImpl::Write (db_impl.cc:1210) (through "
                      "leveldb::port::Mutex::Lock() (port_stdcxx.h:55))\n"),
            std::string::npos)
      << text;
}

// The program's lock class is shown but counts toward no limit, and the line quoted is its caller's:
// ZeroMQ's two frames shown were both inside mutex_t and scoped_lock_t. A stack with no frames at all
// says so, not that the program lacks debug information.
TEST(FindingText, ALockClasssFramesDoNotCrowdOutTheProgramsLines) {
  const json through_class = json::array(
      {frame("zmq::mutex_t::lock()", "/src/zmq/mutex.hpp", 135, "/src/zmq/libzmq.so"),
       frame("zmq::scoped_lock_t::scoped_lock_t(zmq::mutex_t&)", "/src/zmq/mutex.hpp", 172, "/src/zmq/libzmq.so"),
       frame("zmq::ctx_t::find_endpoint(char const*)", "/src/zmq/ctx.cpp", 740, "/src/zmq/libzmq.so"),
       frame("zmq::object_t::find_endpoint(char const*) const", "/src/zmq/object.cpp", 193, "/src/zmq/libzmq.so")});
  json f = cycle_finding(through_class, library_stack());
  f["edges"][0]["acquire_stack"][0]["code"] = "int rc = pthread_mutex_lock (&_mutex);";
  f["edges"][0]["acquire_stack"][2]["code"] = "scoped_lock_t locker (_endpoints_sync);";
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_NE(text.find("      at zmq::scoped_lock_t::scoped_lock_t(zmq::mutex_t&) (mutex.hpp:172)\n"
                      "      at zmq::ctx_t::find_endpoint(char const*) (ctx.cpp:740)\n"
                      "         | scoped_lock_t locker (_endpoints_sync);\n"
                      "      at zmq::object_t::find_endpoint(char const*) const (object.cpp:193)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("pthread_mutex_lock (&_mutex)"), std::string::npos) << text;

  f["edges"][0]["acquire_stack"] = json::array();
  EXPECT_NE(gridlock::render_text(f, 2).find("      (no stack)\n"), std::string::npos) << gridlock::render_text(f, 2);
}

// So are the functions that take a lock they were handed (`forwards`, set when the report is written):
// NNG's two frames shown were both its wrappers, alike on every side of every cycle.
TEST(FindingText, ForwardingFramesDoNotCrowdOutTheProgramsLines) {
  json through_wrappers = json::array(
      {frame("nni_pthread_mutex_lock", "/src/nng/posix_thread.c", 84, "/src/nng/app"),
       frame("nni_plat_mtx_lock", "/src/nng/posix_thread.c", 146, "/src/nng/app"),
       frame("pipe_then_sock", "/src/nng/app.c", 47, "/src/nng/app"),
       frame("worker", "/src/nng/app.c", 57, "/src/nng/app")});
  through_wrappers[0]["code"] = "if ((rv = pthread_mutex_lock(m)) != 0) {";
  through_wrappers[1]["code"] = "nni_pthread_mutex_lock(&mtx->mtx);";
  through_wrappers[2]["code"] = "nni_mtx_lock(&sock->s_mx);";
  through_wrappers[0]["forwards"] = through_wrappers[1]["forwards"] = true;
  const std::string text = gridlock::render_text(cycle_finding(through_wrappers, library_stack()), 2);
  EXPECT_NE(text.find("      at nni_pthread_mutex_lock (posix_thread.c:84)\n"
                      "      at nni_plat_mtx_lock (posix_thread.c:146)\n"
                      "      at pipe_then_sock (app.c:47)\n"
                      "         | nni_mtx_lock(&sock->s_mx);\n"
                      "      at worker (app.c:57)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("pthread_mutex_lock(m)"), std::string::npos) << text;
}

/// A hang with many threads parked in one place: one entry for all of them, the others as they are.
TEST(FindingText, ThreadsWaitingAlikeAreOneEntry) {
  const json parked = json::array({frame("worker_loop", "/home/u/app/pool.cpp", 9, "/home/u/app")});
  const json elsewhere = json::array({frame("main", "/home/u/app/main.cpp", 12, "/home/u/app")});
  auto wait = [](std::uint32_t thread, const std::string& what, const json& holds, const json& stack) {
    return json{{"thread", thread}, {"waits_for", what}, {"holds", holds}, {"stack", stack}};
  };
  const json f = {{"kind", "timeout"},
                  {"fingerprint", "0123456789abcdef"},
                  {"message", "timed out"},
                  {"locks", json::array({{{"id", 1}, {"name", "M"}}})},
                  {"threads", json::array({{{"id", 1}, {"name", "main"}}})},
                  {"edges", json::array()},
                  {"waits", json::array({wait(1, "lock M held by thread 4", json::array(), elsewhere),
                                         wait(2, "the kernel (futex_do_wait)", json::array(), parked),
                                         wait(3, "the kernel (futex_do_wait)", json::array(), parked),
                                         wait(4, "the kernel (futex_do_wait)", json::array({1}), parked),
                                         wait(5, "the kernel (futex_do_wait)", json::array(), parked)})}};
  const std::string text = gridlock::render_text(f, 2);
  EXPECT_NE(text.find("  thread 1 (main) waits for lock M held by thread 4:\n    at main (main.cpp:12)\n"
                      "  3 threads (2,3,5) wait for the kernel (futex_do_wait):\n    at worker_loop (pool.cpp:9)\n"
                      "  thread 4 waits for the kernel (futex_do_wait), holding M:\n    at worker_loop (pool.cpp:9)\n"),
            std::string::npos)
      << text;
}

}  // namespace
