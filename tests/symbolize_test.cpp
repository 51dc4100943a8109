#include "symbolize.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "finding_json.h"
#include "stack.h"

namespace {

using gridlock::code_location;
using gridlock::frame;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int capture_line = 0;

// The empty asm keeps the call from being a tail call, so this function keeps its frame.
[[gnu::noinline]] gridlock::stack_id symbolize_test_capture_function() {
  capture_line = __LINE__ + 1;
  const gridlock::stack_id id = gridlock::capture_stack();
  asm volatile("" ::: "memory");
  return id;
}

TEST(Symbolize, CapturedFrameResolvesToFunctionFileAndLine) {
  const gridlock::raw_stack stack = gridlock::stack_of(symbolize_test_capture_function());
  ASSERT_FALSE(stack.empty());
  const std::vector<frame> frames = gridlock::symbolize_local(stack);
  ASSERT_EQ(frames.size(), stack.size());
  const frame& f = frames[0];
  EXPECT_EQ(f.where.address, stack[0]);  // the return address itself, not address - 1
  EXPECT_NE(f.function.find("symbolize_test_capture_function"), std::string::npos) << f.function;
  EXPECT_TRUE(ends_with(f.file, "symbolize_test.cpp")) << f.file;
  EXPECT_EQ(f.line, capture_line);
  // The next frame is this test body.
  ASSERT_GE(frames.size(), 2u);
  EXPECT_NE(frames[1].function.find("CapturedFrameResolvesToFunctionFileAndLine"), std::string::npos)
      << frames[1].function;
}

// A class in an anonymous namespace, whose member is defined outside it: the member has internal
// linkage, so its DWARF has no linkage name, and a lambda in it is named from the scopes around it.
struct ledger {
  void post();
  gridlock::stack_id posted = 0;
};

[[gnu::noinline]] void ledger::post() {
  const auto record = [this] { posted = gridlock::capture_stack(); };
  record();
  asm volatile("" ::: "memory");
}

// GoogleTest's TEST() in an anonymous namespace makes such a class: a report named its lambdas
// "TestBody::{lambda}::operator()", without the test.
TEST(Symbolize, ALambdaInAMemberWithInternalLinkageIsNamedWithItsClass) {
  ledger l;
  l.post();
  const gridlock::raw_stack stack = gridlock::stack_of(l.posted);
  ASSERT_FALSE(stack.empty());
  const std::vector<frame> chain = gridlock::symbolizer().resolve_inlined(gridlock::locate(stack[0]));
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(chain.front().function, "(anonymous namespace)::ledger::post::{lambda}::operator()");
}

TEST(Symbolize, LocateMainExecutableUsesRealPath) {
  const auto address = reinterpret_cast<std::uintptr_t>(&symbolize_test_capture_function);
  const code_location loc = gridlock::locate(address);
  char* real = realpath("/proc/self/exe", nullptr);
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(loc.module, real);
  std::free(real);
  EXPECT_EQ(loc.address, address);
  // resolve() takes return addresses (looks at offset - 1): one past the entry is inside the function.
  code_location inside = loc;
  inside.offset += 1;
  const frame f = gridlock::symbolizer().resolve(inside);
  EXPECT_NE(f.function.find("symbolize_test_capture_function"), std::string::npos) << f.function;
  EXPECT_TRUE(ends_with(f.file, "symbolize_test.cpp")) << f.file;
}

// The loader names a library by the link it found it through (libfoo.so.1 -> libfoo.so.1.2.3), the
// watchdog by the file /proc/PID/maps lists: a report names each module by its file, so one library
// is one name in every stack.
TEST(Symbolize, ModulesAreNamedByTheirFileNotTheLinkTheyWereLoadedThrough) {
  char dir_template[] = "/tmp/gridlock-module-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string self = gridlock::locate(reinterpret_cast<std::uintptr_t>(&symbolize_test_capture_function)).module;
  const std::string link = dir + "/program.so.1";
  ASSERT_EQ(symlink(self.c_str(), link.c_str()), 0);
  gridlock::symbolizer s;
  EXPECT_EQ(s.module_file(link), self);
  EXPECT_EQ(s.module_file("[vdso]"), "[vdso]");  // not a file: kept
  nlohmann::json stack = nlohmann::json::array(
      {{{"address", "0x1"}, {"module", link}, {"offset", "0x1"}},
       {{"function", "f"}, {"file", ""}, {"line", 0}, {"module", link}, {"offset", "0x2"}}});
  gridlock::symbolize_stack(stack, s);
  ASSERT_GE(stack.size(), 2u) << stack.dump();  // the first frame perhaps with its inlined calls
  for (const nlohmann::json& fr : stack) EXPECT_EQ(fr.value("module", ""), self) << fr.dump();
  std::remove(link.c_str());
  rmdir(dir.c_str());
}

TEST(Symbolize, LibcFunction) {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  void* sym = dlsym(libc, "getpid");  // libc's own definition, not a PLT stub in a non-PIE executable
  ASSERT_NE(sym, nullptr);
  const code_location loc = gridlock::locate(reinterpret_cast<std::uintptr_t>(sym));
  dlclose(libc);
  EXPECT_NE(loc.module.find("libc"), std::string::npos) << loc.module;
  code_location inside = loc;
  inside.offset += 1;
  const frame f = gridlock::symbolizer().resolve(inside);
  EXPECT_NE(f.function.find("getpid"), std::string::npos) << f.function;
}

gridlock::stack_id qsort_stack = 0;

int compare_and_capture(const void* a, const void* b) {
  if (qsort_stack == 0) qsort_stack = gridlock::capture_stack();
  return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

TEST(Symbolize, StackThroughLibcAndLibstdcxxResolvesWithoutCrashing) {
  // Captured in a qsort callback (so a frame in libc) on a std::thread (frames in libstdc++ and libc).
  std::thread([] {
    int values[] = {3, 1, 2};
    qsort(values, 3, sizeof(int), &compare_and_capture);
  }).join();
  const gridlock::raw_stack stack = gridlock::stack_of(qsort_stack);
  ASSERT_FALSE(stack.empty());
  bool saw_libc = false;
  for (const frame& f : gridlock::symbolize_local(stack)) {
    if (f.where.module.find("libc.so") != std::string::npos) {
      saw_libc = true;
      EXPECT_FALSE(f.function.empty()) << "libc frame at offset " << f.where.offset;
    }
  }
  EXPECT_TRUE(saw_libc);
}

TEST(Symbolize, UnknownModuleOrOffsetGivesEmptyFrame) {
  gridlock::symbolizer sym;
  const code_location bogus{"/nonexistent/libgridlock-bogus.so", 0x1234, 0x7f0000001234};
  const frame f = sym.resolve(bogus);
  EXPECT_EQ(f.where, bogus);
  EXPECT_TRUE(f.function.empty());
  EXPECT_TRUE(f.file.empty());
  EXPECT_EQ(f.line, 0);
  EXPECT_TRUE(sym.resolve(bogus).function.empty());  // cached failure

  code_location not_elf{"/proc/self/status", 0x10, 0};
  EXPECT_TRUE(sym.resolve(not_elf).function.empty());

  code_location far = gridlock::locate(reinterpret_cast<std::uintptr_t>(&symbolize_test_capture_function));
  far.offset = ~std::uintptr_t{0} >> 4;
  EXPECT_TRUE(sym.resolve(far).function.empty());

  EXPECT_TRUE(sym.resolve(code_location{}).function.empty());
  EXPECT_TRUE(gridlock::symbolize_local({}).empty());
}

TEST(Symbolize, AddressInNoModule) {
  const code_location loc = gridlock::locate(0x10);
  EXPECT_TRUE(loc.module.empty());
  EXPECT_TRUE(gridlock::symbolizer().resolve(loc).function.empty());
}

}  // namespace
