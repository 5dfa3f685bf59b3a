#include "process_stats.hpp"

#include <sys/resource.h>

#include <ctime>
#include <fstream>
#include <string>

namespace natter::bench {

double cpu_seconds_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double cpu_seconds_of(int pid) {
  if (!pid) return 0;
  // The process's CPU-time clock: every thread's, in nanoseconds. The
  // utime and stime of /proc/<pid>/stat count 10 ms ticks, which rounded a
  // short run's CPU per delivery to nothing.
  clockid_t clock;
  timespec used{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &used) != 0) return 0;
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

long rss_kib_of(int pid) {
  if (!pid) return 0;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

double cpu_seconds_of(const std::vector<int>& pids) {
  double sum = 0;
  for (int pid : pids) sum += cpu_seconds_of(pid);
  return sum;
}

long rss_kib_of(const std::vector<int>& pids) {
  long sum = 0;
  for (int pid : pids) sum += rss_kib_of(pid);
  return sum;
}

}  // namespace natter::bench
