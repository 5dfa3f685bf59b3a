#pragma once
// What the generator reads about processes: its own CPU time, and the
// server's CPU time and resident memory from /proc.

#include <vector>

namespace natter::bench {

double cpu_seconds_self();
// 0 for pid 0.
double cpu_seconds_of(int pid);
long rss_kib_of(int pid);
// Summed over several processes (the nodes of a cluster).
double cpu_seconds_of(const std::vector<int>& pids);
long rss_kib_of(const std::vector<int>& pids);

}  // namespace natter::bench
