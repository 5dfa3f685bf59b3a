#pragma once
// Which malloc this process runs on, for `natterd --version`: natterd links
// jemalloc (CMake option NATTER_JEMALLOC), but a build without it, a
// sanitizer build or an LD_PRELOAD may put another one in its place.

#include <string>

namespace natter::runtime {

// "jemalloc <version>" or "glibc malloc <version>" for the malloc the
// process runs on, "malloc of <library path>" for any other. Any thread.
std::string allocator_in_use();

}  // namespace natter::runtime
