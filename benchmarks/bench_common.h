// What every nabla benchmark executable shares: the thread count from
// OMP_NUM_THREADS (default 1), medians, peak memory, and running a peer
// program (the LibTorch or PyTorch twin) to collect its JSON lines.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

// OMP_NUM_THREADS, or 1 when unset; exported again so that peers started
// from this process use the same count.
inline int threads_from_env() {
  const char* env = std::getenv("OMP_NUM_THREADS");
  int n = env ? std::atoi(env) : 0;
  n = n > 0 ? n : 1;
  setenv("OMP_NUM_THREADS", std::to_string(n).c_str(), 1);
  return n;
}

inline double median(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  return (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2;
}

// The peak resident set size of this process so far, in MiB.
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The number after "key": in a JSON line, or NaN when absent.
inline double json_number(const std::string& line, const std::string& key) {
  const std::string pattern = "\"" + key + "\": ";
  size_t pos = line.find(pattern);
  return pos == std::string::npos ? std::nan("") : std::atof(line.c_str() + pos + pattern.size());
}

// The string after "key": in a JSON line, or "" when absent.
inline std::string json_string(const std::string& line, const std::string& key) {
  const std::string pattern = "\"" + key + "\": \"";
  size_t pos = line.find(pattern);
  if (pos == std::string::npos) return "";
  pos += pattern.size();
  return line.substr(pos, line.find('"', pos) - pos);
}

// Runs a peer's command; echoes and returns its JSON lines (those starting
// with '{'). Its other output (progress, notes on stderr) is left alone.
inline std::vector<std::string> run_peer(const std::string& command) {
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return lines;
  char buf[1024];
  while (std::fgets(buf, sizeof buf, pipe)) {
    std::fputs(buf, stdout);  // the peer's own lines, unchanged
    std::fflush(stdout);
    if (buf[0] == '{') lines.emplace_back(buf);
  }
  pclose(pipe);
  return lines;
}

// The BLAS actually mapped into this process: Debian's torch links the
// generic libblas.so.3 (loaded at startup), and the alternatives system
// decides whether that is OpenBLAS or the ~30x slower reference BLAS.
inline std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto pos = line.find('/');
    if (pos != std::string::npos && line.find("libblas") != std::string::npos) {
      return line.substr(pos);
    }
  }
  return "unknown";
}

// What a training benchmark reads from a peer's result line.
struct PeerResult {
  std::string impl;
  double steps_per_s, test_acc, rss;
};

// Runs each peer command and keeps its result lines of `bench_name`.
inline std::vector<PeerResult> run_training_peers(const std::vector<std::string>& commands,
                                                  const std::string& bench_name) {
  std::vector<PeerResult> out;
  for (const std::string& cmd : commands)
    for (const std::string& line : run_peer(cmd))
      if (json_string(line, "bench") == bench_name)
        out.push_back({json_string(line, "impl"), json_number(line, "steps_per_s"), json_number(line, "test_acc"),
                       json_number(line, "peak_rss_mib")});
  return out;
}

// nabla's "vs" line against each peer: ratio = nabla steps/s / the peer's
// (> 1: nabla is faster), acc_diff = nabla's test accuracy - the peer's.
// `impl` names nabla's variant ("nabla-replay": a captured step, replayed).
inline void print_vs_lines(const std::string& bench_name, int threads, double steps_per_s, double test_acc,
                           const std::vector<PeerResult>& peers, const char* impl = "nabla") {
  for (const PeerResult& p : peers)
    std::printf(
        "{\"bench\": \"%s\", \"impl\": \"%s\", \"vs\": \"%s\", \"threads\": %d, \"ratio\": %.2f, "
        "\"acc_diff\": %.2f}\n",
        bench_name.c_str(), impl, p.impl.c_str(), threads, steps_per_s / p.steps_per_s, test_acc - p.test_acc);
}

}  // namespace bench
