// A closed-loop payment load generator and the ledger checks that follow it: the pieces of the
// demo, the throughput benchmark and the refpay tests. (The harness has its own open-loop
// workload; this one measures refpay alone.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/payment.h"
#include "common/status.h"

namespace refpay {

struct LoadOptions {
  std::string gateway_url;
  int concurrency = 32;                  // payments in flight at once
  int64_t payments = 0;                  // stop after this many (0: run for `duration`)
  std::chrono::milliseconds duration{10'000};
  int64_t accounts = 64;
  int64_t amount_max = 100;  // each payment moves 1..amount_max minor units
  uint64_t seed = 1;
  std::string key_prefix = "load";
  std::chrono::milliseconds timeout{5'000};
  const std::atomic<bool>* stop = nullptr;  // set by another thread to end early
};

// What happened to one payment.
struct PaymentRecord {
  PaymentRequest request;
  int status = 0;  // HTTP status; 0 when no response arrived (outcome unknown)
  int64_t latency_us = 0;
};

struct LoadReport {
  std::vector<PaymentRecord> records;
  double seconds = 0;
  std::map<int, int64_t> by_status;
  int64_t acknowledged = 0;  // 201
  double throughput_per_s = 0;  // acknowledged per second
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::string summary() const;
};

LoadReport run_load(const LoadOptions& options);

// Sends one payment and waits for the answer.
PaymentRecord pay(const std::string& gateway_url, const PaymentRequest& request,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
// A fresh payment request with the current wall-clock timestamp.
PaymentRequest make_payment(const std::string& key, const std::string& from, const std::string& to,
                            int64_t amount);

// Parses a /v1/ledger/export body; malformed lines are skipped and counted in `bad_lines`.
std::vector<Transfer> parse_export(const std::string& ndjson, int64_t* bad_lines = nullptr);
Result<std::vector<Transfer>> fetch_export(const std::string& ledger_url);

// The ledger invariants after a run, read from every node.
struct LedgerCheck {
  bool money_conserved = false;   // each node's total equals accounts × initial balance
  bool no_negative_balance = false;
  bool balances_match_replay = false;  // each node's balances = opening + its transfers
  bool replicas_agree = false;    // every node's export is identical
  int64_t transfers = 0;          // on the first node
  int64_t total = 0;
  std::vector<std::string> problems;
  bool ok() const { return money_conserved && no_negative_balance && balances_match_replay && replicas_agree; }
  std::string summary() const;
};
LedgerCheck check_ledgers(const std::vector<std::string>& ledger_urls, int64_t accounts,
                          int64_t initial_balance);

}  // namespace refpay
