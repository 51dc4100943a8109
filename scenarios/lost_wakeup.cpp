// A lost wakeup: the receiver checks for mail without the lock and, finding none, locks the mailbox and
// waits on the condition variable with no predicate. If the sender delivers and notifies between the
// check and the wait, the notification reaches nobody and the receiver sleeps forever. In most seeds the
// receiver is slow between its check and its wait (held there until the sender is done), so the sender
// gets in; in the others it usually waits first and is woken.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "gridlock/condition_variable.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

struct mailbox {
  gridlock::mutex mu{"mailbox"};
  gridlock::condition_variable arrived{"mail-arrived"};
  std::atomic<bool> has_mail{false};
  std::string letter;                    // guarded by mu
  std::atomic<bool> sender_done{false};  // only for the seeded interleaving, not the protocol
};

/// The seeded interleaving: a receiver delayed here, until the sender is done, loses the wakeup.
void delay_receiver(mailbox& box, bool slow) {
  while (slow && !box.sender_done.load()) std::this_thread::yield();
}

std::string receive(mailbox& box, bool slow) {
  if (!box.has_mail.load()) {  // checked without the lock...
    delay_receiver(box, slow);
    std::unique_lock<gridlock::mutex> lk(box.mu);
    box.arrived.wait(lk);  // ...and waited on without re-checking: a notify in between is lost
    return box.letter;
  }
  std::lock_guard<gridlock::mutex> lk(box.mu);
  return box.letter;
}

void send(mailbox& box, std::string letter) {
  {
    std::lock_guard<gridlock::mutex> lk(box.mu);
    box.letter = std::move(letter);
    box.has_mail.store(true);
  }
  box.arrived.notify_one();
  box.sender_done.store(true);
}

void body(scenarios::context& ctx) {
  mailbox box;
  const bool slow_receiver = ctx.pick(3) != 0;
  gridlock::thread receiver = scenarios::start_running("receiver", [&] { receive(box, slow_receiver); });
  gridlock::thread sender = scenarios::start_running("sender", [&] { send(box, "hello"); });
  sender.join();
  receiver.join();
}

}  // namespace

GRIDLOCK_SCENARIO("lost-wakeup",
                  "check-then-wait on a condition variable with no predicate misses the notify "
                  "(all-threads-blocked)",
                  finding, body);
