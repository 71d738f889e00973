// Shared pieces of the backup and restore tests: running refpay-backup / refpay-restore as real
// processes, reading a data directory's export, and replaying a log prefix to the balances and
// idempotency records a restored ledger must hold.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/payment.h"
#include "ledger/ledger_store.h"
#include "local/local_cluster.h"

extern char** environ;

namespace refpay::testing {

// What a tool printed and returned.
struct ToolResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  // stdout parsed as exactly one JSON object line (empty object otherwise).
  boost::json::object line() const {
    if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1) return {};
    boost::json::error_code ec;
    auto v = boost::json::parse(out, ec);
    return !ec && v.is_object() ? v.as_object() : boost::json::object{};
  }
};

// A field of a tool's JSON line ("<no key>" / INT64_MIN when absent or of another type).
inline std::string text_at(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string("<no ") + key + ">";
}
inline int64_t int_at(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : INT64_MIN;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs build/bin/<program> with `args`; its stdout and stderr go through files in `scratch_dir`.
inline ToolResult run_tool(const std::string& program, const std::vector<std::string>& args,
                           const std::string& scratch_dir) {
  std::string path = executable_dir() + "/" + program;
  std::string out_path = scratch_dir + "/" + program + ".out";
  std::string err_path = scratch_dir + "/" + program + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> all = {path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ToolResult result;
  pid_t pid = 0;
  if (posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

// The export of a data directory's database, one NDJSON line per transfer (opens the store).
inline std::vector<std::string> export_lines(const std::string& data_dir) {
  std::vector<std::string> lines;
  auto store = LedgerStore::open(data_dir, LedgerStoreOptions{});
  EXPECT_TRUE(store) << store.status().message();
  if (!store) return lines;
  EXPECT_TRUE((*store)->export_ndjson([&](const std::string& line) { lines.push_back(line); }));
  return lines;
}

inline std::vector<std::string> first_lines(const std::vector<std::string>& lines, int64_t count) {
  return {lines.begin(), lines.begin() + std::min<int64_t>(count, static_cast<int64_t>(lines.size()))};
}

// Balances and idempotency records after `opening` balances and a log prefix, as the ledger
// computes them (a repeated key's record is the newest transfer with it).
struct Replay {
  std::map<std::string, int64_t> balances;
  std::map<std::string, IdempotencyRecord> keys;
};
inline Replay replay(std::map<std::string, int64_t> opening, const std::vector<std::string>& lines) {
  Replay r{std::move(opening), {}};
  for (const auto& line : lines) {
    auto t = transfer_from_json(boost::json::parse(line));
    EXPECT_TRUE(t) << line;
    if (!t) continue;
    r.balances[t->from] -= t->amount;
    r.balances[t->to] += t->amount;
    r.keys[t->idempotency_key] = IdempotencyRecord{t->position, t->committed_at_ms};
  }
  return r;
}

// Checks a restored data directory against the replay of the log prefix it should hold.
inline void expect_state(const std::string& data_dir, const Replay& expected, int64_t epoch_min) {
  auto store = LedgerStore::open(data_dir, LedgerStoreOptions{});
  ASSERT_TRUE(store) << store.status().message();
  EXPECT_EQ((*store)->balances(), expected.balances);
  for (const auto& [key, record] : expected.keys) {
    auto found = (*store)->find_idempotency(key);
    ASSERT_TRUE(found) << key;
    EXPECT_EQ(found->position, record.position) << key;
    EXPECT_EQ(found->created_ms, record.created_ms) << key;
  }
  EXPECT_GE((*store)->epoch(), epoch_min);
  EXPECT_GE((*store)->epoch(), (*store)->last_epoch());
}

inline bool dir_is_empty_or_absent(const std::string& dir) {
  std::error_code ec;
  return !std::filesystem::exists(dir, ec) || std::filesystem::is_empty(dir, ec);
}

}  // namespace refpay::testing
