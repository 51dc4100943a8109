// Correct: registers unwind information with libgcc at run time, as a JIT does for the code it
// generates (LuaJIT, in pdns-recursor's and dnsdist's Lua hooks): __register_frame_info locks libgcc's
// object_mutex, and once any object is registered, unwinding takes that mutex too. Here the objects
// describe the program's own .eh_frame, registered from three calls, then deregistered. Expected:
// prints "registered 3", no finding, exit code 0 (a stack captured for the mutex's acquisition, with
// it held, once waited for itself).
#include <link.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

extern "C" void __register_frame_info(const void* begin, void* object);
extern "C" void* __deregister_frame_info(const void* begin);

namespace {

const unsigned char* eh_frame = nullptr;

/// The program's .eh_frame, from its .eh_frame_hdr (eh_frame_ptr encoded pc-relative, 4 bytes).
int find_eh_frame(dl_phdr_info* info, std::size_t, void*) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type != PT_GNU_EH_FRAME) continue;
    const auto* hdr = reinterpret_cast<const unsigned char*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    constexpr unsigned char pcrel_sdata4 = 0x1b;
    if (hdr[1] != pcrel_sdata4) return 1;
    std::int32_t offset = 0;
    std::memcpy(&offset, hdr + 4, sizeof offset);
    eh_frame = hdr + 4 + offset;
    return 1;  // the program comes first
  }
  return 0;
}

// libgcc's struct object, which the caller provides and libgcc fills in: larger than it needs.
long objects[3][32];

[[gnu::noinline]] void register_once(int i) { __register_frame_info(eh_frame, objects[i]); }

}  // namespace

int main() {
  dl_iterate_phdr(find_eh_frame, nullptr);
  if (eh_frame == nullptr) {
    std::puts("no .eh_frame_hdr");
    return 2;
  }
  int registered = 0;
  for (int i = 0; i < 3; ++i, ++registered) register_once(i);
  for (int i = 0; i < 3; ++i) __deregister_frame_info(eh_frame);
  std::printf("registered %d\n", registered);
  return 0;
}
