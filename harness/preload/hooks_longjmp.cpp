// Long jumps: longjmp, _longjmp, siglongjmp and __longjmp_chk (what _FORTIFY_SOURCE builds call). A jump
// out of a program's signal handler (a SIGALRM handler jumping back to a timeout's sigsetjmp) never
// returns through the handler's wrapper (hooks_signal.cpp), which would leave the thread counted as
// inside the handler for good, and its later acquisitions taken for the handler's
// (signal_handler_locks.h). A jump says the thread left its handlers. One made inside a handler, to
// a point inside it, ends that counting early: the check then only misses the rest of that handler.
#include "interposer.h"
#include "signal_handler_locks.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

[[noreturn]] void jump(void (*const& real_jump)(__jmp_buf_tag*, int), __jmp_buf_tag* env, int value) noexcept {
  if (thread_record* self = threads::current; self != nullptr && self->handler_signals != 0)
    signal_handler_locks::handlers_left(*self);
  resolve_real();  // a jump never comes from inside the resolution
  real_jump(env, value);
  __builtin_unreachable();
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock::preload;

GRIDLOCK_HOOK void longjmp(__jmp_buf_tag env[1], int value) noexcept { jump(real.long_jump, env, value); }
GRIDLOCK_HOOK void _longjmp(__jmp_buf_tag env[1], int value) noexcept { jump(real.bare_long_jump, env, value); }
GRIDLOCK_HOOK void siglongjmp(__jmp_buf_tag env[1], int value) noexcept { jump(real.sig_long_jump, env, value); }
GRIDLOCK_HOOK void __longjmp_chk(__jmp_buf_tag env[1], int value) noexcept { jump(real.checked_long_jump, env, value); }
