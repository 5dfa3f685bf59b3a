#pragma once
// A list of CPUs written as taskset -c and systemd's CPUAffinity= write
// them: numbers and ranges, comma-separated ("2", "2,3", "0-3,8").

#include <string_view>
#include <vector>

namespace natter::ws {

// The CPUs in `text`, in the order written, each once; empty text gives an
// empty list. Throws std::invalid_argument saying what is wrong.
std::vector<int> parse_cpu_list(std::string_view text);

}  // namespace natter::ws
