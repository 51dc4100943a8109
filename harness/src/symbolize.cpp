#include "symbolize.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <tuple>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "source_lines.h"

namespace gridlock {
namespace {

const std::string& self_exe() {
  // Never destroyed: GRIDLOCK_JSON is written by an atexit handler that may run after the destructors
  // of statics first used later than it was registered.
  static const std::string* path = [] {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return new std::string(n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string());
  }();
  return *path;
}

// Demangles a symbol or DWARF linkage name, dropping an ELF symbol version ("foo@@GLIBC_2.34").
std::string demangle(const char* name) {
  if (name == nullptr) return {};
  std::string plain(name);
  if (const auto at = plain.find('@'); at != std::string::npos && at > 0) plain.resize(at);
  if (plain.starts_with("_Z")) {
    int status = 0;
    char* out = abi::__cxa_demangle(plain.c_str(), nullptr, nullptr, &status);
    if (status == 0 && out != nullptr) plain = out;
    std::free(out);
  }
  return plain;
}

// The DIE that declares a function: follows DW_AT_abstract_origin and DW_AT_specification.
Dwarf_Die declaration_of(Dwarf_Die die) {
  for (int hops = 0; hops < 8; ++hops) {
    Dwarf_Attribute attr;
    Dwarf_Die next;
    if ((dwarf_attr(&die, DW_AT_abstract_origin, &attr) == nullptr &&
         dwarf_attr(&die, DW_AT_specification, &attr) == nullptr) ||
        dwarf_formref_die(&attr, &next) == nullptr) {
      break;
    }
    die = next;
  }
  return die;
}

std::string linkage_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (const int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      if (const char* s = dwarf_formstring(&attr)) return demangle(s);
    }
  }
  return {};
}

// A function without a linkage name (internal linkage, local classes such as lambdas): its DWARF name
// qualified by the namespaces, classes and functions around its declaration.
std::string qualified_name(Dwarf_Die* function) {
  Dwarf_Die decl = declaration_of(*function);
  const char* name = dwarf_diename(&decl);
  if (name == nullptr) return {};
  std::string out = name;
  Dwarf_Die* scopes = nullptr;
  const int n = dwarf_getscopes_die(&decl, &scopes);  // scopes[0] is decl itself
  for (int i = 1; i < n; ++i) {
    const int tag = dwarf_tag(&scopes[i]);
    const char* scope = dwarf_diename(&scopes[i]);
    std::string prefix;
    if (tag == DW_TAG_namespace) {
      prefix = scope != nullptr ? scope : "(anonymous namespace)";
    } else if (tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
      // A lambda's closure type has no name.
      prefix = scope != nullptr ? scope : out == "operator()" ? "{lambda}" : "{unnamed type}";
    } else if (tag == DW_TAG_subprogram) {
      // A function's linkage name is already qualified. One without (internal linkage: a member of a
      // class in an anonymous namespace, such as a GoogleTest TestBody) is qualified as this one is,
      // or its lambdas would lose their class ("TestBody::{lambda}").
      prefix = linkage_name(&scopes[i]);
      if (prefix.empty()) prefix = qualified_name(&scopes[i]);
      if (!prefix.empty()) out = prefix + "::" + out;
      break;
    } else {
      continue;  // lexical blocks, the CU
    }
    out = prefix + "::" + out;
  }
  std::free(scopes);
  return out;
}

// The name of a subprogram or inlined-subroutine DIE: its linkage name demangled when it has one,
// else its qualified DWARF name.
std::string die_function_name(Dwarf_Die* die) {
  std::string name = linkage_name(die);
  // Still mangled: GCC's "unified" C4/D4 constructor names, which the demangler does not know.
  return name.empty() || name.starts_with("_Z") ? qualified_name(die) : name;
}

// The compilation unit containing `pc` (a module address), and the bias from module to DWARF
// addresses. dwfl_module_addrdie needs .debug_aranges, which clang doesn't emit by default and which
// elfutils before 0.191 doesn't synthesize: then scan the CUs' ranges.
Dwarf_Die* unit_of(Dwfl_Module* mod, Dwarf_Addr pc, Dwarf_Addr* bias) {
  if (Dwarf_Die* cu = dwfl_module_addrdie(mod, pc, bias)) return cu;
  for (Dwarf_Die* cu = dwfl_module_nextcu(mod, nullptr, bias); cu != nullptr;
       cu = dwfl_module_nextcu(mod, cu, bias)) {
    if (dwarf_haspc(cu, pc - *bias) > 0) return cu;
  }
  return nullptr;
}

// A source file's path as unit `cu`'s line table names it, made absolute. libdw joins a file's
// directory entry to it, but an entry may itself be relative to the compilation directory: `g++
// src/x.cpp`, a relative `-Iinclude`, an `#include "../common/x.h"` all leave one. Such a path named
// no file the reports could read from the runner's directory (no `code`, no lock expressions).
std::string source_path(const char* file, Dwarf_Die* cu) {
  if (file == nullptr) return {};
  Dwarf_Attribute attr;
  // _integrate: a split unit (-gsplit-dwarf) has its directory on the skeleton.
  const char* dir = file[0] == '/' || cu == nullptr ? nullptr
                                                     : dwarf_formstring(dwarf_attr_integrate(cu, DW_AT_comp_dir, &attr));
  if (dir == nullptr) return file;
  const std::filesystem::path joined = std::filesystem::path(dir) / file;
  // "src/../include/x.h" reads better without the "..", where a symbolic link does not make them differ.
  const std::filesystem::path normal = joined.lexically_normal();
  std::error_code ignored;
  return std::filesystem::equivalent(joined, normal, ignored) ? normal.string() : joined.string();
}

// The source file and line of `pc`; {} without line information.
std::pair<std::string, int> source_of(Dwfl_Module* mod, Dwarf_Addr pc) {
  int lineno = 0;
  if (Dwfl_Line* line = dwfl_module_getsrc(mod, pc)) {
    Dwarf_Addr line_addr = 0;
    if (const char* file = dwfl_lineinfo(line, &line_addr, &lineno, nullptr, nullptr, nullptr)) {
      return {source_path(file, dwfl_linecu(line)), lineno};
    }
    return {};
  }
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = unit_of(mod, pc, &bias);
  if (cu == nullptr) return {};
  Dwarf_Line* line = dwarf_getsrc_die(cu, pc - bias);
  if (line == nullptr) return {};
  const char* file = dwarf_linesrc(line, nullptr, nullptr);
  if (file == nullptr || dwarf_lineno(line, &lineno) != 0) return {};
  return {source_path(file, cu), lineno};
}

bool is_class(int tag) {
  return tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

void scopes_at(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>& out);

// scopes_at() for the classes local to a function or block whose own code is elsewhere: a lambda's
// closure type is declared in its function, and at -O0 GCC puts the operator()'s code there too.
bool local_class_scopes_at(Dwarf_Die* function, Dwarf_Addr pc, std::vector<Dwarf_Die>& out) {
  Dwarf_Die child;
  if (dwarf_child(function, &child) != 0) return false;
  do {
    const int tag = dwarf_tag(&child);
    const std::size_t before = out.size();
    if (is_class(tag)) scopes_at(&child, pc, out);
    else if (tag == DW_TAG_lexical_block) local_class_scopes_at(&child, pc, out);
    if (out.size() != before) return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// The DIEs whose code contains `pc` (a DWARF address) below `parent`, outermost first: the subprogram,
// the inlined subroutines and lexical blocks in it, found through namespaces, classes and the classes
// local to other functions. What dwarf_getscopes finds, which elfutils 0.188 does not in clang 14's
// DWARF 5 units (there it finds nothing: clang-built programs lost every inlined frame, and with it the
// program's own line), nor in a lambda's code that GCC describes inside its enclosing function.
void scopes_at(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>& out) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    const int tag = dwarf_tag(&child);
    const std::size_t before = out.size();
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) {
      if (dwarf_haspc(&child, pc) > 0) {
        out.push_back(child);
        scopes_at(&child, pc, out);
        return;
      }
      if (tag == DW_TAG_subprogram) local_class_scopes_at(&child, pc, out);
    } else if (tag == DW_TAG_namespace || is_class(tag)) {
      scopes_at(&child, pc, out);
    }
    if (out.size() != before) return;
  } while (dwarf_siblingof(&child, &child) == 0);
}

// The function scopes at `pc` (a module address), innermost first: inlined subroutines, then the
// subprogram they were inlined into. Empty without DWARF. `unit` gets the unit that holds them: for a
// skeleton unit (-gsplit-dwarf), the split unit elfutils found for it in its .dwo file.
std::vector<Dwarf_Die> function_scopes(Dwfl_Module* mod, Dwarf_Addr pc, Dwarf_Die& unit) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = mod != nullptr ? unit_of(mod, pc, &bias) : nullptr;
  std::vector<Dwarf_Die> scopes;
  if (cu == nullptr) return scopes;
  unit = *cu;
  std::uint8_t unit_type = 0;
  Dwarf_Die split{};
  if (dwarf_cu_info(cu->cu, nullptr, &unit_type, nullptr, &split, nullptr, nullptr, nullptr) == 0 &&
      unit_type == DW_UT_skeleton && split.cu != nullptr)
    unit = split;
  scopes_at(&unit, pc - bias, scopes);
  std::erase_if(scopes, [](Dwarf_Die& d) { return dwarf_tag(&d) == DW_TAG_lexical_block; });
  std::reverse(scopes.begin(), scopes.end());
  return scopes;
}

// The frame at `pc` (a module address, the call before `loc`), whose function scopes are `scopes`
// (function_scopes): its source line, and the innermost inlined function's name, else the symbol
// table's (the subprogram's DWARF name where the symbol table has none).
frame frame_at(const code_location& loc, Dwfl_Module* mod, Dwarf_Addr pc, const std::vector<Dwarf_Die>& scopes) {
  frame out;
  out.where = loc;
  std::tie(out.file, out.line) = source_of(mod, pc);
  Dwarf_Die innermost = scopes.empty() ? Dwarf_Die{} : scopes[0];
  std::string dwarf_name = scopes.empty() ? std::string() : die_function_name(&innermost);
  if (!scopes.empty() && dwarf_tag(&innermost) == DW_TAG_inlined_subroutine && !dwarf_name.empty()) {
    out.function = std::move(dwarf_name);
    return out;
  }
  GElf_Off sym_offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, pc, &sym_offset, &sym, nullptr, nullptr, nullptr);
  out.function = name != nullptr ? demangle(name) : std::move(dwarf_name);
  return out;
}

// The source position a DW_TAG_inlined_subroutine was inlined at (its caller's file and line).
std::pair<std::string, int> call_site_of(Dwarf_Die* inlined, Dwarf_Die* cu) {
  Dwarf_Attribute attr;
  Dwarf_Word file_index = 0, line = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) != 0) return {};
  dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line);
  Dwarf_Files* files = nullptr;
  std::size_t count = 0;
  if (dwarf_getsrcfiles(cu, &files, &count) != 0 || file_index >= count) return {};
  return {source_path(dwarf_filesrc(files, file_index, nullptr, nullptr), cu), static_cast<int>(line)};
}

char* default_debuginfo_path = nullptr;

const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &default_debuginfo_path,
};

struct dwfl_deleter {
  void operator()(Dwfl* d) const noexcept { dwfl_end(d); }
};
using dwfl_ptr = std::unique_ptr<Dwfl, dwfl_deleter>;

// One module file reported at bias 0: ET_DYN at its own p_vaddr (add_p_vaddr with base 0), ET_EXEC at
// its absolute addresses. So module addresses are exactly code_location::offset.
dwfl_ptr open_module(const std::string& path) {
  if (path.empty()) return nullptr;
  dwfl_ptr dwfl(dwfl_begin(&offline_callbacks));
  if (!dwfl) return nullptr;
  dwfl_report_begin(dwfl.get());
  const char* slash = std::strrchr(path.c_str(), '/');
  const char* name = slash != nullptr ? slash + 1 : path.c_str();
  Dwfl_Module* mod = dwfl_report_elf(dwfl.get(), name, path.c_str(), -1, 0, true);
  if (dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0 || mod == nullptr) return nullptr;
  return dwfl;
}

}  // namespace

raw_location locate_raw(std::uintptr_t address) noexcept {
  // Not dladdr: it also looks for the nearest symbol, a walk over the module's whole symbol table, which
  // made encoding a finding's stacks most of the cost of a run with thousands of findings.
  dl_find_object found{};
  if (_dl_find_object(reinterpret_cast<void*>(address), &found) != 0 || found.dlfo_link_map == nullptr)
    return {nullptr, address};
  const link_map* map = found.dlfo_link_map;
  // The main program's link_map has an empty name (and is first in the chain).
  const bool main_program = map->l_name == nullptr || map->l_name[0] == '\0';
  return {main_program ? self_exe().c_str() : map->l_name,
          address - static_cast<std::uintptr_t>(map->l_addr)};  // l_addr is 0 for ET_EXEC
}

code_location locate(std::uintptr_t address) {
  code_location loc;
  loc.address = address;
  const raw_location raw = locate_raw(address);
  loc.offset = raw.offset;
  if (raw.module == nullptr) return loc;
  if (raw.module[0] == '/') {
    loc.module = raw.module;
  } else if (char* real = realpath(raw.module, nullptr)) {  // dlopen'ed by a relative path
    loc.module = real;
    std::free(real);
  } else {
    loc.module = raw.module;  // e.g. the vDSO: not a file, resolves to an empty frame
  }
  return loc;
}

struct symbolizer::impl {
  std::unordered_map<std::string, dwfl_ptr> modules;  // null: could not be opened (cached too)
  // resolve_inlined's answers by module and offset: a report's findings share most of their frames
  // (a program's 2,000 cycles through the same functions took a minute to symbolize without it).
  std::map<std::pair<std::string, std::uintptr_t>, std::vector<frame>> inlined;
  source_lines sources;
  std::unordered_map<std::string, std::string> module_files;  // module_file's answers

  Dwfl* module(const std::string& path) {
    auto it = modules.find(path);
    if (it == modules.end()) it = modules.emplace(path, open_module(path)).first;
    return it->second.get();
  }
};

symbolizer::symbolizer() : impl_(std::make_unique<impl>()) {}
symbolizer::~symbolizer() = default;
symbolizer::symbolizer(symbolizer&&) noexcept = default;
symbolizer& symbolizer::operator=(symbolizer&&) noexcept = default;

frame symbolizer::resolve(const code_location& loc) {
  if (!impl_) impl_ = std::make_unique<impl>();  // after a move
  Dwfl* dwfl = impl_->module(loc.module);
  // A return address: the call is the instruction before it.
  Dwfl_Module* mod = dwfl != nullptr && loc.offset != 0 ? dwfl_addrmodule(dwfl, loc.offset - 1) : nullptr;
  if (mod == nullptr) return frame{loc, {}, {}, 0};
  Dwarf_Die unit;
  return frame_at(loc, mod, loc.offset - 1, function_scopes(mod, loc.offset - 1, unit));
}

std::string symbolizer::source_text(const std::string& file, int line) { return impl_->sources.line(file, line); }

const std::string& symbolizer::module_file(const std::string& module) {
  if (!impl_) impl_ = std::make_unique<impl>();  // after a move
  auto it = impl_->module_files.find(module);
  if (it == impl_->module_files.end()) {
    char* real = module.empty() ? nullptr : realpath(module.c_str(), nullptr);
    it = impl_->module_files.emplace(module, real != nullptr ? real : module).first;
    std::free(real);
  }
  return it->second;
}

std::string symbolizer::data_symbol(const code_location& loc) {
  if (!impl_) impl_ = std::make_unique<impl>();  // after a move
  Dwfl* dwfl = impl_->module(loc.module);
  Dwfl_Module* mod = dwfl != nullptr ? dwfl_addrmodule(dwfl, loc.offset) : nullptr;
  if (mod == nullptr) return {};
  GElf_Off sym_offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, loc.offset, &sym_offset, &sym, nullptr, nullptr, nullptr);
  // Only a variable, and only one the address lies inside (addrinfo also answers with the nearest
  // symbol before an address that no symbol covers).
  if (name == nullptr || GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym_offset >= sym.st_size) return {};
  std::string out = demangle(name);
  if (sym_offset != 0) out += "+" + std::to_string(sym_offset);
  return out;
}

std::vector<frame> symbolizer::resolve_inlined(const code_location& loc) {
  if (!impl_) impl_ = std::make_unique<impl>();  // after a move
  const auto key = std::make_pair(loc.module, loc.offset);
  if (const auto known = impl_->inlined.find(key); known != impl_->inlined.end()) {
    std::vector<frame> chain = known->second;
    for (frame& f : chain) f.where = loc;  // the same code, maybe at another address
    return chain;
  }
  std::vector<frame> chain = resolve_inlined_uncached(loc);
  impl_->inlined.emplace(key, chain);
  return chain;
}

std::vector<frame> symbolizer::resolve_inlined_uncached(const code_location& loc) {
  Dwfl* dwfl = impl_->module(loc.module);
  Dwfl_Module* mod = dwfl != nullptr && loc.offset != 0 ? dwfl_addrmodule(dwfl, loc.offset - 1) : nullptr;
  if (mod == nullptr) return {frame{loc, {}, {}, 0}};
  Dwarf_Die unit;
  const std::vector<Dwarf_Die> scopes = function_scopes(mod, loc.offset - 1, unit);
  const frame outer = frame_at(loc, mod, loc.offset - 1, scopes);
  std::vector<frame> chain;
  // Innermost first: each inlined scope is a frame at the current position, and its call site is the
  // position in the next scope out.
  std::string file = outer.file;
  int line = outer.line;
  for (Dwarf_Die scope : scopes) {
    if (dwarf_tag(&scope) != DW_TAG_inlined_subroutine) break;
    frame f;
    f.where = loc;
    f.function = die_function_name(&scope);
    f.file = file;
    f.line = line;
    chain.push_back(std::move(f));
    std::tie(file, line) = call_site_of(&scope, &unit);
  }
  if (chain.empty()) return {outer};
  // The real frame: the symbol table's name for the enclosing function, at the outermost call site.
  GElf_Off sym_offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, loc.offset - 1, &sym_offset, &sym, nullptr, nullptr, nullptr);
  frame real;
  real.where = loc;
  real.function = name != nullptr ? demangle(name) : std::string();
  real.file = file;
  real.line = line;
  chain.push_back(std::move(real));
  return chain;
}

std::vector<frame> symbolizer::resolve(const std::vector<code_location>& locs) {
  std::vector<frame> out;
  out.reserve(locs.size());
  for (const code_location& loc : locs) out.push_back(resolve(loc));
  return out;
}

std::vector<frame> symbolize_local(const raw_stack& stack) {
  symbolizer sym;
  std::vector<frame> out;
  out.reserve(stack.size());
  for (const std::uintptr_t address : stack) out.push_back(sym.resolve(locate(address)));
  return out;
}

}  // namespace gridlock
