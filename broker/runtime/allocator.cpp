#include "runtime/allocator.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <cstddef>
#include <string_view>

namespace natter::runtime {

namespace {

// jemalloc's version, if the library at `path` is jemalloc (it answers mallctl).
std::string jemalloc_version(const char* path) {
  void* library = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
  if (!library) return {};
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  std::string answer;
  if (auto* mallctl = reinterpret_cast<Mallctl>(dlsym(library, "mallctl"))) {
    const char* version = nullptr;
    std::size_t size = sizeof version;
    answer = mallctl("version", &version, &size, nullptr, 0) == 0 && version ? version : "(version unknown)";
  }
  dlclose(library);
  return answer;
}

}  // namespace

std::string allocator_in_use() {
  // Asked of the dynamic linker, not of the build: the answer is whichever
  // library's malloc it bound for the whole process.
  Dl_info where{};
  void* malloc_bound = dlsym(RTLD_DEFAULT, "malloc");
  if (!malloc_bound || !dladdr(malloc_bound, &where) || !where.dli_fname) return "unknown";
  if (std::string version = jemalloc_version(where.dli_fname); !version.empty()) return "jemalloc " + version;
  const std::string_view file = where.dli_fname;
  if (file.substr(file.rfind('/') + 1).starts_with("libc.so")) return std::string("glibc malloc ") + gnu_get_libc_version();
  return "malloc of " + std::string(file);
}

}  // namespace natter::runtime
