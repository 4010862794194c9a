// Is this core shared right now? A probe for the noise a median cannot remove.
//
// These machines are virtual: our vCPU is one hardware thread of a core whose
// other thread (its SMT sibling) may run another tenant's work. While it
// does, the two threads split the core's issue slots, and code that keeps the
// core busy (our per-op bookkeeping runs at ~4.7 instructions per cycle) slows
// by 1.4-1.7x. Such spells last seconds, longer than a whole benchmark run,
// so the median over reps does not filter them out.
//
// The probe is a fixed piece of integer work with eight independent chains:
// like the code under test, it is limited by issue slots rather than by the
// clock or memory, so it slows when a sibling is busy. Measured on a Zen 4
// EPYC: 1.41-1.46 ns per iteration alone, 1.98-2.20 with a busy sibling, while
// a latency-bound chain (one dependent multiply: clock only) kept 1.15 ns in
// both. Timing the probe between reps tells which reps had the core alone.
// A rep counts as quiet when the probes on both its sides ran within 15% of
// the fastest probe of the process. The sibling's work comes and goes faster
// than a rep, so a quiet rep among shared ones may still have been slowed:
// the quiet median is given only when at least half the reps were quiet.
// If the whole process ran shared, its fastest probe is a shared one too and
// the quiet reps are no faster: the filter can hide a slowdown, never invent
// a speedup.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "bench_common.h"

namespace bench {

constexpr uint64_t kProbeIterations = 20'000;  // ~30 us: short beside a rep, long beside clock jitter
constexpr double kQuietSlack = 1.15;           // shared: 1.4x or more; timer noise: a few %

// Nanoseconds for the probe's fixed work.
inline double alu_probe_ns() {
  uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < kProbeIterations; ++i) {
    a += b ^ i, b += c ^ i, c += d ^ i, d += e ^ i, e += f ^ i, f += g ^ i, g += h ^ i, h += a ^ i;
    // The compiler may neither fold the chains into a formula nor vectorize
    // them: the work stays eight scalar chains the core issues side by side.
    asm volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g), "+r"(h));
  }
  const auto stop = std::chrono::steady_clock::now();
  volatile uint64_t sink = a + b + c + d + e + f + g + h;
  (void)sink;
  return std::chrono::duration<double, std::nano>(stop - start).count();
}

// One measurement's reps with the probe timed around them: probes[r] just
// before rep r, probes[r + 1] just after it.
struct ProbedReps {
  std::vector<double> values;
  std::vector<double> probes;

  void begin() { probes.push_back(alu_probe_ns()); }  // once, before the first rep
  void add(double value) {                            // after each rep
    values.push_back(value);
    probes.push_back(alu_probe_ns());
  }
};

struct QuietSummary {
  long reps = 0;              // how many reps were timed
  double median_all = 0;      // median over every rep
  double median_quiet = 0;    // median over the quiet reps; 0 when fewer than half were quiet
  long quiet_reps = 0;        // how many reps were quiet
  double probe_slowdown = 0;  // median probe / fastest probe: ~1 alone, 1.4+ shared
};

// The summary of each measurement of a process, all judged against the
// fastest probe of them all (one reference for the whole run).
inline std::vector<QuietSummary> summarize(const std::vector<ProbedReps>& all) {
  double fastest = 0;
  for (const ProbedReps& m : all)
    for (double p : m.probes) fastest = fastest > 0 ? std::min(fastest, p) : p;
  std::vector<QuietSummary> out;
  for (const ProbedReps& m : all) {
    QuietSummary s;
    s.reps = static_cast<long>(m.values.size());
    s.median_all = median(m.values);
    std::vector<double> quiet;
    for (size_t r = 0; r < m.values.size(); ++r)
      if (m.probes[r] <= kQuietSlack * fastest && m.probes[r + 1] <= kQuietSlack * fastest)
        quiet.push_back(m.values[r]);
    s.quiet_reps = static_cast<long>(quiet.size());
    s.median_quiet = 2 * quiet.size() >= m.values.size() && !quiet.empty() ? median(quiet) : 0;
    s.probe_slowdown = fastest > 0 ? median(m.probes) / fastest : 0;
    out.push_back(s);
  }
  return out;
}

// A JSON line's probe fields, after its median over every rep: quiet_key
// (the quiet median, only when there is one), quiet_reps, reps, probe_slowdown.
inline void print_quiet_fields(const QuietSummary& s, const char* quiet_key) {
  if (s.median_quiet > 0) std::printf(", \"%s\": %.1f", quiet_key, s.median_quiet);
  std::printf(", \"quiet_reps\": %ld, \"reps\": %ld, \"probe_slowdown\": %.2f", s.quiet_reps, s.reps, s.probe_slowdown);
}

}  // namespace bench
