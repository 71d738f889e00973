// Benchmark: `firedrill score RUN_DIR` of a drill of 1,000,000 acknowledged payments (issue
// [2/6]). A run directory as the runner leaves it is written to disk first (not timed, in a few
// MB of memory): run.json, timeline.jsonl (an invoke and an ok record per payment, in time order,
// with the hash-chain field; one masked fault, so the fault measurements scan the whole timeline)
// and the final reads of 3 ledgers (identical NDJSON exports, balances). Then THE figure: the
// command a user runs, `firedrill score RUN_DIR`, as a child process — its wall time (best of
// rounds), its CPU time and its peak RSS (wait4's rusage of the child). Everything the command
// does is in it: reading, scoring, the reports, the auditor sections and the evidence manifest.
// Beside it, the split of the two stages scoring owns, in this process: read_run_dir (reading
// timeline.jsonl and listing the exports) and score() (reading the exports, scoring), with their
// peak RSS (VmHWM after resetting it through /proc/self/clear_refs). Targets: the command under
// 1 s and 256 MiB. The directory is removed at the end unless --keep; --run-dir scores an
// existing directory instead of writing one.
//   reconcile_1m_bench [--payments N] [--nodes N] [--rounds N] [--work-dir DIR] [--keep]
//                      [--run-dir DIR] [--firedrill PATH]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <string>

#include "evidence/auditor_sections.h"
#include "evidence/manifest.h"
#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "rundir/run_record.h"
#include "scoring/big_buffers.h"
#include "scoring/chart_series.h"
#include "scoring/report_events.h"
#include "scoring/scorer.h"

#ifndef FIREDRILL_BIN
#define FIREDRILL_BIN "firedrill"
#endif

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kSecondsMax = 1.0;
constexpr double kMiBMax = 256.0;
constexpr int64_t kAccounts = 64;
constexpr int64_t kInitialBalance = 1'000'000'000;

// A /proc/self/status figure in MiB ("VmRSS", "VmHWM"), or -1.
double status_mib(const char* name) {
  std::ifstream in("/proc/self/status");
  std::string prefix = std::string(name) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;  // kB
  }
  return -1;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Resets VmHWM to the current RSS (Linux >= 4.0); false when not allowed.
bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

json::object run_record(int64_t nodes) {
  json::array node_list;
  for (int64_t i = 1; i <= nodes; ++i) {
    node_list.push_back(json::object{{"name", "ledger-" + std::to_string(i)}, {"export", true}, {"balances", true}});
  }
  return json::object{
      {"schema", firedrill::kRunRecordSchema},
      {"scenario", json::object{{"name", "reconcile-1m"}, {"description", "benchmark"}, {"digest", "0"}, {"system", "refpay"}}},
      {"seed", 7},
      {"objectives", json::object{{"detect_within_ms", nullptr}, {"recover_within_ms", nullptr}, {"lost_payments_max", 0},
                                  {"duplicated_payments_max", nullptr}, {"availability_min", nullptr}, {"mtbf_ms", nullptr}}},
      {"steady_state", json::object{{"success_ratio_min", 0.99}, {"latency_p99_max_ms", 100}, {"window_ms", 1000},
                                    {"hold_ms", 3000}, {"probe_interval_ms", 250}}},
      {"detection", json::object{{"alerts", json::array{"LedgerPrimaryDown"}}, {"log_patterns", json::array{}}, {"probe_failures", 3}}},
      {"workload", json::object{{"accounts", kAccounts}, {"amount_max", 100}, {"rate_per_s", 10'000.0}, {"timeout_ms", 1000}, {"retries", 2}}},
      {"contract", json::object{{"account_pattern", "acct-{i}"}, {"initial_balance", kInitialBalance}, {"key_field", "idempotency_key"},
                                {"from_field", "from"}, {"to_field", "to"}, {"amount_field", "amount"}}},
      {"phases", json::object{{"baseline_ms", 2000}, {"fault_phase_ms", 90'000}, {"convergence_ms", 5000}}},
      {"nodes", std::move(node_list)},
      {"faults", json::array{json::object{{"index", 0}, {"kind", "process.pause"}, {"target", "ledger-3"}, {"at_ms", 5000},
                                          {"duration_ms", 1000}}}},
  };
}

// timeline.jsonl as the runner writes it: records in time order (ties in the order they were
// made), each numbered, with its fields after the envelope and the hash-chain field last (a
// constant here: nothing in scoring checks the chain, and its length is the real one).
class TimelineWriter {
 public:
  explicit TimelineWriter(const fs::path& path) : out_(path, std::ios::binary) {}
  void add(int64_t t_ns, const char* source, const char* kind, json::object fields) {
    json::object r{{"t_ns", t_ns}, {"source", source}, {"kind", kind}};
    for (const auto& kv : fields) r[kv.key()] = kv.value();
    pending_.push(Pending{{t_ns, made_++}, std::move(r)});
  }
  // Writes the records before `t_ns`: no record made later may come before it in time.
  void flush(int64_t t_ns) {
    while (!pending_.empty() && pending_.top().first.first < t_ns) {
      const json::object& p = pending_.top().second;
      json::object r{{"seq", seq_++}};
      for (const auto& kv : p) r[kv.key()] = kv.value();
      r["prev"] = prev_;
      out_ << json::serialize(r) << '\n';
      pending_.pop();
    }
  }
  bool ok() { return static_cast<bool>(out_.flush()); }

 private:
  using Pending = std::pair<std::pair<int64_t, int64_t>, json::object>;
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const { return a.first > b.first; }
  };
  std::ofstream out_;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
  int64_t seq_ = 0, made_ = 0;
  const std::string prev_ = std::string(64, 'a');
};

// A drill at 10,000 payments/s, every payment acknowledged and applied everywhere, written to
// `dir`; returns the bytes of the exports.
uint64_t write_run_dir(const fs::path& dir, int64_t payments, int64_t nodes) {
  fs::create_directories(dir / "exports");
  std::ofstream(dir / "run.json") << json::serialize(run_record(nodes));
  TimelineWriter timeline(dir / "timeline.jsonl");
  const fs::path first_export = dir / "exports" / "ledger-1.ndjson";
  std::ofstream ndjson(first_export, std::ios::binary);
  timeline.add(1'000, "harness", "start", {{"scenario", "reconcile-1m"}});
  timeline.add(2'000, "harness", "phase", {{"phase", "baseline"}});
  const int64_t step_ns = 100'000;  // 10,000/s
  const int64_t fault_at = 5'000'000'000;
  bool fault_done = false;
  std::map<std::string, int64_t> balances;
  for (int64_t i = 1; i <= kAccounts; ++i) balances["acct-" + std::to_string(i)] = kInitialBalance;
  for (int64_t n = 0; n < payments; ++n) {
    const int64_t t = 10'000'000 + n * step_ns;
    if (!fault_done && t >= fault_at) {
      timeline.add(t - 2, "fault", "apply", {{"fault", 0}, {"fault_kind", "process.pause"}, {"target", "ledger-3"},
                                             {"node", "ledger-3"}, {"scheduled_ns", t - 3}});
      timeline.add(t - 1, "fault", "applied", {{"fault", 0}, {"fault_kind", "process.pause"}, {"verified", true}});
      fault_done = true;
    }
    std::string key = "63cbe1e459320dd7-" + std::to_string(n);
    std::string from = "acct-" + std::to_string((n * 7) % kAccounts + 1);
    std::string to = "acct-" + std::to_string((n * 7 + 13) % kAccounts + 1);
    const int64_t amount = n % 100 + 1;
    const int64_t latency = 900'000 + (n % 17) * 10'000;
    timeline.add(t, "workload", "invoke", {{"op", n + 1}, {"key", key}, {"from", from}, {"to", to}, {"amount", amount}, {"attempt", 1}});
    timeline.add(t + latency, "workload", "ok", {{"op", n + 1}, {"key", key}, {"attempt", 1}, {"status", 201}, {"latency_ns", latency}});
    // Every record made from here on is at or after the next invoke's time, less 2 ns (a fault).
    timeline.flush(t + step_ns - 2);
    const int64_t wall_ms = 1'795'822'552'703 + n / 10;
    ndjson << "{\"position\":" << n + 1 << ",\"epoch\":1,\"transfer_id\":\"1." << n + 1 << "\",\"idempotency_key\":\"" << key
           << "\",\"from\":\"" << from << "\",\"to\":\"" << to << "\",\"amount\":" << amount
           << ",\"client_timestamp_ms\":" << wall_ms << ",\"committed_at_ms\":" << wall_ms + 1 << "}\n";
    balances[from] -= amount;
    balances[to] += amount;
  }
  const int64_t end = 10'000'000 + payments * step_ns + 10'000'000;
  timeline.add(end, "harness", "phase", {{"phase", "final_reads"}});
  timeline.add(end + 1, "harness", "end", {{"end", "completed"}});
  timeline.flush(INT64_MAX);
  if (!timeline.ok() || !ndjson.flush()) throw std::runtime_error("writing " + dir.string() + " failed");
  ndjson.close();
  json::array accounts;
  for (const auto& [id, balance] : balances) accounts.push_back(json::object{{"id", id}, {"balance", balance}});
  const std::string balances_text = json::serialize(json::object{{"accounts", std::move(accounts)}});
  for (int64_t i = 1; i <= nodes; ++i) {
    const std::string node = "ledger-" + std::to_string(i);
    if (i > 1) fs::copy_file(first_export, dir / "exports" / (node + ".ndjson"), fs::copy_options::overwrite_existing);
    std::ofstream(dir / "exports" / (node + ".balances.json")) << balances_text;
  }
  return fs::file_size(first_export) * static_cast<uint64_t>(nodes);
}

void row(const char* figure, const char* target, double measured, double target_value, const char* unit) {
  if (target_value > 0) {
    std::printf("%-38s %10s %12.3f %-3s %8.2f\n", figure, target, measured, unit, measured / target_value);
  } else {
    std::printf("%-38s %10s %12.3f %-3s %8s\n", figure, target, measured, unit, "-");
  }
}

// One run of the command, as the user runs it (its output discarded).
struct CommandRun {
  int exit_code = -1;
  double wall_s = 0, cpu_s = 0, maxrss_mib = 0;
};

CommandRun run_command(const std::string& firedrill, const std::string& dir) {
  CommandRun r;
  const auto t0 = Clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::execl(firedrill.c_str(), firedrill.c_str(), "score", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage u{};
  if (child < 0 || ::wait4(child, &status, 0, &u) < 0) return r;
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu_s = static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
            static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  r.maxrss_mib = static_cast<double>(u.ru_maxrss) / 1024.0;  // kB on Linux
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// The best (fastest) of `rounds` runs of the command; the highest peak RSS of them.
CommandRun best_command_run(const std::string& firedrill, const std::string& dir, int rounds) {
  CommandRun best;
  best.wall_s = 1e300;
  double maxrss = 0;
  for (int i = 0; i < rounds; ++i) {
    const CommandRun r = run_command(firedrill, dir);
    maxrss = std::max(maxrss, r.maxrss_mib);
    if (r.exit_code != 0 || r.wall_s < best.wall_s) best = r;
    if (r.exit_code != 0) break;
  }
  best.maxrss_mib = maxrss;
  return best;
}

// The stages scoring owns, in this process: read_run_dir, then score().
struct Split {
  double read_s = 0, read_cpu_s = 0, score_s = 0, score_cpu_s = 0, rss_read_mib = 0, hwm_mib = 0;
  double reports_cpu_s = 0, auditor_cpu_s = 0, manifest_cpu_s = 0;  // the command's later steps
  bool peak_reset = false;
  bool ok = false;
  std::string summary;
};

// The command's steps after scoring, as `firedrill score` runs them (their outputs discarded):
// the reports (with the chart's series), the auditor sections, the evidence manifest.
void measure_later_steps(const fs::path& dir, const firedrill::RunData& data, const json::object& report, Split& s) {
  double c0 = cpu_seconds();
  std::size_t bytes = firedrill::markdown_report(report).size() + firedrill::junit_report(report).size();
  bytes += firedrill::html_report(report, data.run, firedrill::chart_series(data, report),
                                  firedrill::report_events(data)).size();
  s.reports_cpu_s = cpu_seconds() - c0;
  c0 = cpu_seconds();
  bytes += firedrill::auditor_sections(dir.string(), data.run, data.timeline).size();
  s.auditor_cpu_s = cpu_seconds() - c0;
  c0 = cpu_seconds();
  bytes += firedrill::make_manifest(dir.string()).size();
  s.manifest_cpu_s = cpu_seconds() - c0;
  if (bytes == 0) s.summary += "(no reports)";
}

Split measure_split(const fs::path& dir, int64_t payments) {
  Split s;
  firedrill::keep_freed_memory();  // as `firedrill score` does
  s.peak_reset = reset_peak();
  const double rc0 = cpu_seconds();
  const auto r0 = Clock::now();
  auto read = firedrill::read_run_dir(dir.string());
  s.read_s = std::chrono::duration<double>(Clock::now() - r0).count();
  s.read_cpu_s = cpu_seconds() - rc0;
  if (!read) {
    s.summary = read.status().message();
    return s;
  }
  s.rss_read_mib = status_mib("VmRSS");
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  const json::object report = firedrill::score(*read);
  s.score_s = std::chrono::duration<double>(Clock::now() - t0).count();
  s.score_cpu_s = cpu_seconds() - c0;
  s.hwm_mib = status_mib("VmHWM");
  const json::object& r = report.at("reconciliation").as_object();
  s.ok = report.at("verdict") == "pass" && r.at("acknowledged").as_int64() == payments && r.at("replicas_agree").as_bool();
  s.summary = firedrill::report_summary(report);
  measure_later_steps(dir, *read, report, s);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"`firedrill score RUN_DIR` on 1M acknowledged payments and 3 ledger exports"};
  int64_t payments = 1'000'000;
  int64_t nodes = 3;
  int rounds = 3;
  std::string work_dir = fs::temp_directory_path().string();
  std::string run_dir;
  std::string firedrill = FIREDRILL_BIN;
  bool keep = false;
  app.add_option("--payments", payments)->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  app.add_option("--nodes", nodes)->check(CLI::Range(int64_t{1}, int64_t{16}));
  app.add_option("--rounds", rounds, "run the command this many times; the best time is reported")->check(CLI::Range(1, 100));
  app.add_option("--work-dir", work_dir, "where the run directory is written (about 1.1 GB for 1M payments)");
  app.add_option("--run-dir", run_dir, "score this run directory (written by an earlier --keep) instead of writing one");
  app.add_option("--firedrill", firedrill, "the firedrill executable");
  app.add_flag("--keep", keep, "leave the run directory (its path is printed)");
  CLI11_PARSE(app, argc, argv);

  const bool written = run_dir.empty();
  const fs::path dir = written ? fs::path(work_dir) / ("reconcile_1m_" + std::to_string(::getpid())) : fs::path(run_dir);
  double generate_s = 0;
  if (written) {
    const auto g0 = Clock::now();
    write_run_dir(dir, payments, nodes);
    generate_s = std::chrono::duration<double>(Clock::now() - g0).count();
  }
  uint64_t export_bytes = 0;
  for (const auto& e : fs::directory_iterator(dir / "exports")) {
    if (e.path().extension() == ".ndjson") export_bytes += fs::file_size(e.path());
  }
  std::printf("reconcile_1m: %lld payments, %lld nodes (%.1f MiB of exports, %.1f MiB of timeline) in %s; written in %.2f s\n",
              static_cast<long long>(payments), static_cast<long long>(nodes), static_cast<double>(export_bytes) / 1048576.0,
              static_cast<double>(fs::file_size(dir / "timeline.jsonl")) / 1048576.0, dir.c_str(), generate_s);

  const CommandRun command = best_command_run(firedrill, dir.string(), rounds);
  const Split split = measure_split(dir, payments);
  std::printf("`%s score` exit %d; in-process verdict %s\n\n", firedrill.c_str(), command.exit_code, split.ok ? "pass" : "unexpected");
  std::printf("%-38s %10s %16s %8s\n", "figure", "target", "measured", "ratio");
  row("firedrill score, elapsed (best)", "< 1 s", command.wall_s, kSecondsMax, "s");
  row("  its CPU time (user + system)", "", command.cpu_s, 0, "s");
  row("firedrill score, peak RSS", "< 256 MiB", command.maxrss_mib, kMiBMax, "MiB");
  row("  read_run_dir elapsed (timeline)", "", split.read_s, 0, "s");
  row("  read_run_dir CPU time", "", split.read_cpu_s, 0, "s");
  row("  score() elapsed (exports, scoring)", "", split.score_s, 0, "s");
  row("  score() CPU time", "", split.score_cpu_s, 0, "s");
  row("  RSS after read_run_dir (RunData)", "", split.rss_read_mib, 0, "MiB");
  if (split.peak_reset) row("  peak RSS, read_run_dir + score()", "", split.hwm_mib, 0, "MiB");
  row("  reports + chart series CPU time", "", split.reports_cpu_s, 0, "s");
  row("  auditor sections CPU (chain walk)", "", split.auditor_cpu_s, 0, "s");
  row("  evidence manifest CPU (SHA-256)", "", split.manifest_cpu_s, 0, "s");
  const bool ok = command.exit_code == 0 && split.ok;
  if (!ok) std::printf("\nunexpected report: %s\n", split.summary.c_str());
  std::fflush(stdout);
  if (written && !keep) fs::remove_all(dir);
  _exit(ok ? 0 : 1);  // not freeing RunData object by object
}
