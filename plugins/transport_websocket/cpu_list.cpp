#include "cpu_list.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

namespace natter::ws {

namespace {

int cpu_number(std::string_view text, std::string_view item) {
  int cpu = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), cpu);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || cpu < 0) {
    throw std::invalid_argument("'" + std::string(item) + "' is not a CPU number or a range like 2-3");
  }
  if (cpu >= CPU_SETSIZE) {
    throw std::invalid_argument("CPU " + std::to_string(cpu) + " is beyond " + std::to_string(CPU_SETSIZE - 1));
  }
  return cpu;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) throw std::invalid_argument("a trailing comma");
    const auto dash = item.find('-');
    const int first = cpu_number(item.substr(0, dash), item);
    const int last = dash == std::string_view::npos ? first : cpu_number(item.substr(dash + 1), item);
    if (last < first) throw std::invalid_argument("'" + std::string(item) + "' runs backwards");
    for (int cpu = first; cpu <= last; ++cpu) {
      if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) cpus.push_back(cpu);
    }
  }
  return cpus;
}

}  // namespace natter::ws
