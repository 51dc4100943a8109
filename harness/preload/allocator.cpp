// The program's allocator, when a library other than libc provides malloc (interposer.h:
// pass_through). jemalloc locks pthread mutexes inside malloc and free, tcmalloc waits on futexes
// through syscall(): a hook that allocates (a new lock's record, a stack, a lock-order edge) while
// such a lock is held would call back into the allocator and wait for a lock its own thread holds. Their
// own lock and wait calls pass straight through instead; they are the allocator's business, not the
// program's.
#include <dlfcn.h>

#include <cstring>

#include "interposer.h"

namespace gridlock::preload {

constinit code_range g_allocator;

void find_allocator() noexcept {
  void* malloc_address = dlsym(RTLD_DEFAULT, "malloc");
  Dl_info info{};
  if (malloc_address == nullptr || dladdr(malloc_address, &info) == 0 || info.dli_fname == nullptr) return;
  const char* slash = std::strrchr(info.dli_fname, '/');
  // glibc's malloc locks with its own futex calls, out of the hooks' reach.
  if (std::strncmp(slash != nullptr ? slash + 1 : info.dli_fname, "libc.so", 7) == 0) return;
  g_allocator = library_code_at(malloc_address);
}

}  // namespace gridlock::preload
