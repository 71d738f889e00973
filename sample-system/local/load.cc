// Load generation and ledger checks; see load.h.
#include "local/load.h"

#include <algorithm>
#include <iomanip>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <memory>
#include <random>
#include <sstream>

#include "common/clock.h"
#include "http/address.h"
#include "http/client.h"
#include "ledger/ledger_store.h"
#include "local/local_cluster.h"

namespace json = boost::json;

namespace refpay {
namespace {

double percentile(std::vector<int64_t>& sorted_us, double q) {
  if (sorted_us.empty()) return 0;
  std::size_t index = static_cast<std::size_t>(q * static_cast<double>(sorted_us.size() - 1));
  return static_cast<double>(sorted_us[index]) / 1000.0;
}

// Drives `concurrency` payment loops on one io_context until the count or time is reached.
class LoadRun : public std::enable_shared_from_this<LoadRun> {
 public:
  LoadRun(boost::asio::io_context& io, const LoadOptions& options, const std::string& host,
          uint16_t port)
      : options_(options),
        client_(io, host, port, static_cast<std::size_t>(options.concurrency)),
        random_(options.seed),
        end_(Clock::now() + options.duration) {}

  void start() {
    loops_ = options_.concurrency;
    for (int i = 0; i < options_.concurrency; ++i) next();
  }
  std::vector<PaymentRecord>& records() { return records_; }

 private:
  bool done() const {
    if (options_.stop && options_.stop->load()) return true;
    if (options_.payments > 0) return issued_ >= options_.payments;
    return Clock::now() >= end_;
  }

  void next() {
    if (done()) {
      // The last loop to finish closes the pool, so that its idle timers let run() return.
      if (--loops_ == 0) client_.close();
      return;
    }
    int64_t n = issued_++;
    std::uniform_int_distribution<int64_t> account(1, options_.accounts);
    std::uniform_int_distribution<int64_t> amount(1, options_.amount_max);
    int64_t from = account(random_);
    int64_t to = account(random_);
    while (to == from) to = account(random_);
    PaymentRequest request = make_payment(options_.key_prefix + "-" + std::to_string(n),
                                          account_id(from), account_id(to), amount(random_));
    std::size_t slot = records_.size();
    records_.push_back(PaymentRecord{request, 0, 0});
    auto started = Clock::now();
    client_.request("POST", "/v1/payments", payment_request_json(request), options_.timeout,
                    [self = shared_from_this(), slot, started](HttpResult r) {
                      PaymentRecord& record = self->records_[slot];
                      record.status = r.ok() ? r.status : 0;
                      record.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                              Clock::now() - started).count();
                      self->next();
                    });
  }

  const LoadOptions& options_;
  HttpClient client_;
  std::mt19937_64 random_;
  Clock::time_point end_;
  int64_t issued_ = 0;
  int loops_ = 0;
  std::vector<PaymentRecord> records_;
};

}  // namespace

PaymentRequest make_payment(const std::string& key, const std::string& from, const std::string& to,
                            int64_t amount) {
  return PaymentRequest{key, from, to, amount, wall_clock_ms()};
}

LoadReport run_load(const LoadOptions& options) {
  LoadReport report;
  auto address = parse_host_port(options.gateway_url);
  if (!address) return report;
  boost::asio::io_context io;
  auto run = std::make_shared<LoadRun>(io, options, address->host, address->port);
  auto started = Clock::now();
  run->start();
  io.run();
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  report.records = std::move(run->records());
  std::vector<int64_t> latencies;
  for (const auto& r : report.records) {
    ++report.by_status[r.status];
    if (r.status == 201) ++report.acknowledged;
    latencies.push_back(r.latency_us);
  }
  std::sort(latencies.begin(), latencies.end());
  report.throughput_per_s = report.seconds > 0 ? static_cast<double>(report.acknowledged) / report.seconds : 0;
  report.p50_ms = percentile(latencies, 0.50);
  report.p99_ms = percentile(latencies, 0.99);
  report.max_ms = latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1000.0;
  return report;
}

std::string LoadReport::summary() const {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << records.size() << " payments in " << seconds << " s: " << throughput_per_s
      << " acknowledged/s, latency p50 " << std::setprecision(2) << p50_ms << " ms, p99 " << p99_ms
      << " ms, max " << max_ms << " ms; by status:";
  for (const auto& [status, n] : by_status) out << " " << (status ? std::to_string(status) : "none") << "×" << n;
  return out.str();
}

PaymentRecord pay(const std::string& gateway_url, const PaymentRequest& request,
                  milliseconds timeout) {
  auto started = Clock::now();
  auto r = http_call(gateway_url, "POST", "/v1/payments", payment_request_json(request), timeout);
  return PaymentRecord{request, r.ok ? r.status : 0,
                       std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()};
}

std::vector<Transfer> parse_export(const std::string& ndjson, int64_t* bad_lines) {
  std::vector<Transfer> out;
  std::istringstream in(ndjson);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json::error_code ec;
    json::value v = json::parse(line, ec);
    auto transfer = ec ? std::nullopt : transfer_from_json(v);
    if (transfer) {
      out.push_back(std::move(*transfer));
    } else if (bad_lines) {
      ++*bad_lines;
    }
  }
  return out;
}

Result<std::vector<Transfer>> fetch_export(const std::string& ledger_url) {
  auto r = http_call(ledger_url, "GET", "/v1/ledger/export", "", std::chrono::seconds(60));
  if (!r.ok || r.status != 200) {
    return Status::error("export " + ledger_url + ": " + (r.ok ? std::to_string(r.status) : r.error));
  }
  return parse_export(r.body);
}

LedgerCheck check_ledgers(const std::vector<std::string>& ledger_urls, int64_t accounts,
                          int64_t initial_balance) {
  LedgerCheck check;
  check.money_conserved = check.no_negative_balance = check.balances_match_replay = true;
  check.replicas_agree = true;
  std::optional<std::vector<Transfer>> first;
  for (const auto& url : ledger_urls) {
    auto transfers = fetch_export(url);
    auto balances = http_call(url, "GET", "/v1/accounts", "", std::chrono::seconds(10));
    if (!transfers || !balances.ok || balances.status != 200) {
      check.problems.push_back(url + ": cannot read export or balances");
      check.money_conserved = check.balances_match_replay = check.replicas_agree = false;
      continue;
    }
    std::map<std::string, int64_t> replay;
    for (int64_t i = 1; i <= accounts; ++i) replay[account_id(i)] = initial_balance;
    for (const auto& t : *transfers) {
      replay[t.from] -= t.amount;
      replay[t.to] += t.amount;
    }
    json::error_code ec;
    json::value body = json::parse(balances.body, ec);
    const json::value* list = ec || !body.is_object() ? nullptr : body.as_object().if_contains("accounts");
    if (!list || !list->is_array()) {
      check.problems.push_back(url + ": unreadable balances");
      check.money_conserved = check.balances_match_replay = false;
      continue;
    }
    int64_t total = 0;
    for (const auto& a : list->as_array()) {
      std::string id(a.at("id").as_string());
      int64_t balance = a.at("balance").as_int64();
      total += balance;
      if (balance < 0) {
        check.no_negative_balance = false;
        check.problems.push_back(url + ": " + id + " is negative");
      }
      if (replay[id] != balance) {
        check.balances_match_replay = false;
        check.problems.push_back(url + ": " + id + " balance " + std::to_string(balance) +
                                 " != replay " + std::to_string(replay[id]));
      }
    }
    if (total != accounts * initial_balance) {
      check.money_conserved = false;
      check.problems.push_back(url + ": total " + std::to_string(total) + " != " +
                               std::to_string(accounts * initial_balance));
    }
    if (!first) {
      first = *transfers;
      check.transfers = static_cast<int64_t>(transfers->size());
      check.total = total;
    } else if (*first != *transfers) {
      check.replicas_agree = false;
      check.problems.push_back(url + ": export differs from " + ledger_urls.front() + " (" +
                               std::to_string(transfers->size()) + " vs " +
                               std::to_string(first->size()) + " transfers)");
    }
  }
  return check;
}

std::string LedgerCheck::summary() const {
  std::ostringstream out;
  auto mark = [](bool ok) { return ok ? "ok" : "FAILED"; };
  out << "money conserved: " << mark(money_conserved) << " (total " << total << ")"
      << "; no negative balance: " << mark(no_negative_balance)
      << "; balances = replay of transfers: " << mark(balances_match_replay)
      << "; replicas agree: " << mark(replicas_agree) << " (" << transfers << " transfers)";
  for (const auto& p : problems) out << "\n  " << p;
  return out.str();
}

}  // namespace refpay
