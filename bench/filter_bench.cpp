// filter_wordlist's throughput, side by side with RE2's set matcher in the
// same run: a 10,000-word list, chat-sized messages and 64 KiB ones.
//
//   natter_bench_filter [--words 10000] [--seconds 2]
//
// natter: the bundled plugin loaded as natterd loads it, inspect() per
// message (folding, one automaton pass, whole-word checks, masking). RE2:
// one RE2::Set of `\bword\b` patterns, case-insensitive, Match() per
// message: it says which words matched but not where and does no Unicode
// folding, so it does less than the plugin; it is what a user would
// otherwise pick. Prints JSON lines, then a table with the ratios.
#include <re2/re2.h>
#include <re2/set.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "bench_plugin.hpp"
#include "runtime/logging.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Verdict final : natter::FilterVerdict {
  std::size_t rewrites = 0, rejects = 0;
  void rewrite(std::string_view) noexcept override { ++rewrites; }
  void reject(std::string_view) noexcept override { ++rejects; }
};

std::string random_word(std::mt19937& random) {
  std::string word;
  for (std::size_t n = 4 + random() % 7; n > 0; --n) word.push_back(static_cast<char>('a' + random() % 26));
  return word;
}

// Text of `bytes` from `vocabulary`, with capitals and punctuation as chat has.
std::string text_of(std::size_t bytes, const std::vector<std::string>& vocabulary, std::mt19937& random) {
  std::string text;
  while (text.size() < bytes) {
    std::string word = vocabulary[random() % vocabulary.size()];
    if (random() % 8 == 0) word[0] = static_cast<char>(word[0] - 32);
    text += word;
    text += random() % 10 == 0 ? ", " : " ";
  }
  text.resize(bytes);
  return text;
}

// Runs `one` over `texts` round robin for `seconds`; MB/s of text.
template <class One>
double throughput(const std::vector<std::string>& texts, double seconds, One&& one) {
  std::size_t bytes = 0, i = 0;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    for (int batch = 0; batch < 64; ++batch, ++i) {
      const std::string& text = texts[i % texts.size()];
      one(text);
      bytes += text.size();
    }
  }
  return static_cast<double>(bytes) / 1e6 / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t words = 10'000;
  double seconds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--words") words = std::stoul(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else { std::fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  natter::runtime::init_logging();
  natter::runtime::set_log_level("warn");
  std::mt19937 random(42);
  // The list: `words` words, masked; chat draws from a vocabulary where 1
  // word in 100 is listed.
  std::vector<std::string> listed, vocabulary;
  for (std::size_t i = 0; i < words; ++i) listed.push_back(random_word(random));
  for (std::size_t i = 0; i < 99 * 100; ++i) vocabulary.push_back(random_word(random));
  for (std::size_t i = 0; i < 100; ++i) vocabulary.push_back(listed[i]);

  const auto work = std::filesystem::temp_directory_path() / ("natter-bench-filter-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  {
    std::ofstream list(work / "words.txt");
    list << "[listed] mask\n";
    for (const auto& word : listed) list << word << "\n";
    std::ofstream(work / "filter.toml") << "lists = [\"" << (work / "words.txt").string() << "\"]\n";
  }
  const std::string config_path = (work / "filter.toml").string();
  std::optional<natter::bench::BenchPlugin<natter::Filter>> loaded;
  try {
    loaded.emplace(natter::PluginKind::filter, "wordlist", config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  auto& filter = loaded->get();

  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_max_mem(1LL << 30);
  RE2::Set set(options, RE2::UNANCHORED);
  for (const auto& word : listed) set.Add("\\b" + word + "\\b", nullptr);
  if (!set.Compile()) {
    std::fprintf(stderr, "RE2 could not compile the set\n");
    return 1;
  }

  std::printf("%-10s %-12s %-12s %-12s %-10s\n", "message", "natter MB/s", "RE2 MB/s", "natter/RE2", "masked");
  for (const std::size_t size : {std::size_t{80}, std::size_t{64 * 1024}}) {
    std::vector<std::string> texts;
    for (int i = 0; i < (size < 1024 ? 4096 : 64); ++i) texts.push_back(text_of(size, vocabulary, random));
    Verdict verdict;
    const double natter = throughput(texts, seconds, [&](const std::string& text) {
      filter.inspect({"room", "user", text}, verdict);
    });
    std::vector<int> matched;
    std::size_t re2_hits = 0;
    const double re2 = throughput(texts, seconds, [&](const std::string& text) {
      matched.clear();
      re2_hits += set.Match(text, &matched) ? 1 : 0;
    });
    std::printf("{\"scenario\":\"filter\",\"words\":%zu,\"message_bytes\":%zu,\"natter_mb_s\":%.1f,\"re2_mb_s\":%.1f,"
                "\"natter_rewrites\":%zu,\"re2_matches\":%zu}\n",
                words, size, natter, re2, verdict.rewrites, re2_hits);
    std::printf("%-10zu %-12.1f %-12.1f %-12.2f %-10zu\n", size, natter, re2, natter / re2, verdict.rewrites);
  }
  loaded.reset();
  std::filesystem::remove_all(work);
  return 0;
}
