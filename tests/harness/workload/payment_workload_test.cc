// Tests of the payments workload (harness/workload/payment_workload.h) against a fake payment
// API: an HttpServer on 127.0.0.1:0 whose handler answers what each test needs (201, 422, 500,
// slowly, or never). The workload's logic — schedule, classification, retries, the in-flight cap,
// draining, determinism, the contract's field names — is checked on the timeline it writes,
// parsed back with Boost.JSON. Every test bounds its run, so a bug fails instead of hanging.
#include "workload/payment_workload.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/http.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kDrainMsMax = 5000ms;  // a drain that takes longer fails the test

std::vector<json::object> read_records(const std::string& path) {
  std::vector<json::object> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    records.push_back(json::parse(line).as_object());
  }
  return records;
}

std::string text(const json::object& record, const char* field) {
  return std::string(record.at(field).as_string());
}

class PaymentWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/firedrill-workload-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    spec_.rate_per_s = 200;
    spec_.accounts = 16;
    spec_.amount_max = 50;
    spec_.timeout = 1'000ms;
    spec_.in_flight_max = 64;
    spec_.retries = 2;
    spec_.retry_delay = 20ms;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Starts the fake payment API; `contract_.base_url` points at it.
  void serve(HttpHandler handler) {
    server_ = std::make_unique<HttpServer>(io_, std::move(handler));
    const Status status = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(status.is_ok()) << status.message();
    contract_.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // Runs a workload for `duration`, stops it and waits for the drain; returns the timeline.
  std::vector<json::object> run(std::chrono::milliseconds duration, uint64_t seed = 42,
                                PaymentWorkload::Stats* totals = nullptr,
                                const std::string& name = "timeline.jsonl") {
    const std::string path = dir_ + "/" + name;
    auto timeline = Timeline::create(path);
    EXPECT_TRUE(timeline.is_ok()) << timeline.status().message();
    PaymentWorkload workload(io_, spec_, contract_, seed, **timeline);
    const Status started = workload.start();
    EXPECT_TRUE(started.is_ok()) << started.message();

    bool drained = false;
    int64_t in_flight_at_drain = -1;
    asio::steady_timer stop_timer(io_, duration);
    stop_timer.async_wait([&](boost::system::error_code) {
      workload.stop([&] {
        drained = true;
        in_flight_at_drain = workload.in_flight();
      });
    });
    // Sample in_flight() often, to check the cap from the outside.
    asio::steady_timer sampler(io_);
    std::function<void()> sample = [&] {
      in_flight_seen_max_ = std::max(in_flight_seen_max_, workload.in_flight());
      if (drained) return;
      sampler.expires_after(1ms);
      sampler.async_wait([&](boost::system::error_code ec) {
        if (!ec) sample();
      });
    };
    sample();
    const auto deadline = std::chrono::steady_clock::now() + duration + kDrainMsMax;
    while (!drained && std::chrono::steady_clock::now() < deadline) io_.run_one_for(50ms);
    EXPECT_TRUE(drained) << "stop() did not drain within " << kDrainMsMax.count() << " ms";
    EXPECT_EQ(in_flight_at_drain, 0);
    sampler.cancel();
    if (totals) *totals = workload.totals();
    window_all_ = workload.window(3'600'000'000'000);
    window_none_ = workload.window(1);
    completions_all_ = workload.completions(3'600'000'000'000);
    return read_records(path);
  }

  asio::io_context io_;
  std::string dir_;
  WorkloadSpec spec_;
  PaymentContract contract_;
  std::unique_ptr<HttpServer> server_;
  int64_t in_flight_seen_max_ = 0;
  PaymentWorkload::Stats window_all_;
  PaymentWorkload::Stats window_none_;
  std::vector<Completion> completions_all_;
};

std::vector<json::object> of_kind(const std::vector<json::object>& records, const char* kind) {
  std::vector<json::object> out;
  for (const auto& record : records) {
    if (record.at("source") == "workload" && record.at("kind") == kind) out.push_back(record);
  }
  return out;
}

// Every invoke has exactly one later completion with the same op, key and attempt, and every
// completion answers an invoke. Returns completions by op.
std::map<int64_t, json::object> check_pairs(const std::vector<json::object>& records) {
  std::map<int64_t, json::object> invokes;
  std::map<int64_t, json::object> completions;
  for (const auto& record : records) {
    if (record.at("source") != "workload") continue;
    const std::string kind = text(record, "kind");
    if (kind == "invoke") {
      const int64_t op = record.at("op").as_int64();
      EXPECT_TRUE(invokes.emplace(op, record).second) << "op " << op << " invoked twice";
    } else if (kind == "ok" || kind == "fail" || kind == "unknown") {
      const int64_t op = record.at("op").as_int64();
      auto invoke = invokes.find(op);
      EXPECT_NE(invoke, invokes.end()) << "completion of op " << op << " before or without invoke";
      if (invoke != invokes.end()) {
        EXPECT_EQ(record.at("key"), invoke->second.at("key"));
        EXPECT_EQ(record.at("attempt"), invoke->second.at("attempt"));
      }
      EXPECT_TRUE(completions.emplace(op, record).second) << "op " << op << " completed twice";
      EXPECT_EQ(record.contains("error"), kind != "ok") << json::serialize(record);
    }
  }
  EXPECT_EQ(invokes.size(), completions.size());
  return completions;
}

HttpHandler answer(int status) {
  return [status](HttpRequest&&, Respond respond) { respond(HttpResponse{status, "{}"}); };
}

TEST_F(PaymentWorkloadTest, RateIsRespectedAndEveryInvokeCompletesOnce) {
  serve(answer(201));
  PaymentWorkload::Stats totals;
  const auto records = run(1'000ms, 42, &totals);
  const auto invokes = of_kind(records, "invoke");
  EXPECT_NEAR(static_cast<double>(invokes.size()), 200.0, 20.0);
  const auto completions = check_pairs(records);
  for (const auto& [op, completion] : completions) EXPECT_EQ(completion.at("kind"), "ok");
  EXPECT_EQ(totals.ok, static_cast<int64_t>(invokes.size()));
  EXPECT_EQ(totals.fail + totals.unknown + totals.skipped, 0);
  EXPECT_GT(totals.latency_p50_ms, 0);
  EXPECT_GE(totals.latency_p99_ms, totals.latency_p50_ms);
  EXPECT_EQ(window_all_.ok, totals.ok);
  EXPECT_GT(window_all_.latency_p50_ms, 0);
  EXPECT_EQ(window_none_.ok, 0);
  // The schedule is steady: no second of the run sees a burst far above the rate.
  const int64_t first = invokes.front().at("t_ns").as_int64();
  const int64_t last = invokes.back().at("t_ns").as_int64();
  EXPECT_NEAR(static_cast<double>(last - first) / 1e9, 1.0, 0.1);
}

TEST_F(PaymentWorkloadTest, StatusesAreClassifiedAndUnknownsRetriedWithTheSameKey) {
  // The key's number picks the answer: 201, 422, 500, in turn.
  serve([](HttpRequest&& request, Respond respond) {
    const auto body = json::parse(request.body).as_object();
    const std::string key(body.at("idempotency_key").as_string());
    const int n = std::stoi(key.substr(key.find('-') + 1));
    respond(HttpResponse{n % 3 == 0 ? 201 : n % 3 == 1 ? 422 : 500, R"({"error":"x"})"});
  });
  spec_.rate_per_s = 50;
  PaymentWorkload::Stats totals;
  const auto records = run(400ms, 42, &totals);
  check_pairs(records);

  std::map<std::string, std::vector<json::object>> by_key;
  std::set<int64_t> ops;
  for (const auto& record : records) {
    if (record.at("kind") == "ok" || record.at("kind") == "fail" || record.at("kind") == "unknown") {
      by_key[text(record, "key")].push_back(record);
      ops.insert(record.at("op").as_int64());
    }
  }
  ASSERT_GE(by_key.size(), 15u);
  int64_t completions = 0;
  for (const auto& [key, attempts] : by_key) {
    completions += static_cast<int64_t>(attempts.size());
    const int n = std::stoi(key.substr(key.find('-') + 1));
    if (n % 3 == 0) {
      ASSERT_EQ(attempts.size(), 1u) << key;
      EXPECT_EQ(attempts[0].at("kind"), "ok");
      EXPECT_EQ(attempts[0].at("status"), 201);
    } else if (n % 3 == 1) {
      ASSERT_EQ(attempts.size(), 1u) << key;
      EXPECT_EQ(attempts[0].at("kind"), "fail");
      EXPECT_EQ(attempts[0].at("status"), 422);
    } else {
      // 500 is neither success nor failure: unknown, tried 1 + retries times, same key — except
      // payments due in the last 100 ms, whose retries stop() may have cancelled.
      ASSERT_LE(attempts.size(), 3u) << key;
      if (n < 15) {  // due at n / 50 s, before 300 ms
        ASSERT_EQ(attempts.size(), 3u) << key;
      }
      for (std::size_t i = 0; i < attempts.size(); ++i) {
        EXPECT_EQ(attempts[i].at("kind"), "unknown");
        EXPECT_EQ(attempts[i].at("status"), 500);
        EXPECT_EQ(attempts[i].at("attempt"), static_cast<int64_t>(i + 1));
        EXPECT_NE(text(attempts[i], "error").find("HTTP 500"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(ops.size(), static_cast<std::size_t>(completions));  // a new op per attempt
  EXPECT_EQ(totals.ok + totals.fail + totals.unknown, completions);
  // The steady-state judgement's input: every completion of the window, oldest first, with its
  // outcome; the ok ones with the latency the window's percentiles are taken over.
  ASSERT_EQ(static_cast<int64_t>(completions_all_.size()), completions);
  std::map<Outcome, int64_t> by_outcome;
  for (std::size_t i = 0; i < completions_all_.size(); ++i) {
    ++by_outcome[completions_all_[i].outcome];
    if (i > 0) {
      EXPECT_LE(completions_all_[i - 1].t_ns, completions_all_[i].t_ns);
    }
    EXPECT_GT(completions_all_[i].latency_ns, 0);
  }
  EXPECT_EQ(by_outcome[Outcome::ok], totals.ok);
  EXPECT_EQ(by_outcome[Outcome::fail], totals.fail);
  EXPECT_EQ(by_outcome[Outcome::unknown], totals.unknown);
  std::vector<int64_t> scratch;
  const WindowStats stats = window_stats(completions_all_, scratch);
  ASSERT_TRUE(stats.latency_p99_ns.has_value());
  EXPECT_DOUBLE_EQ(static_cast<double>(*stats.latency_p99_ns) / 1e6, window_all_.latency_p99_ms);
}

TEST_F(PaymentWorkloadTest, NoAnswerIsUnknownAfterTheTimeout) {
  std::vector<Respond> never_answered;  // kept, so the server holds the connections open
  serve([&](HttpRequest&&, Respond respond) { never_answered.push_back(std::move(respond)); });
  spec_.rate_per_s = 20;
  spec_.timeout = 100ms;
  spec_.retries = 1;
  const auto records = run(200ms);
  const auto completions = check_pairs(records);
  ASSERT_FALSE(completions.empty());
  std::map<std::string, int> attempts;
  for (const auto& [op, completion] : completions) {
    EXPECT_EQ(completion.at("kind"), "unknown");
    EXPECT_EQ(completion.at("status"), 0);
    EXPECT_GE(completion.at("latency_ns").as_int64(), 100'000'000);
    EXPECT_NE(text(completion, "error").find("timeout"), std::string::npos);
    ++attempts[text(completion, "key")];
  }
  // Payments whose first attempt timed out before stop() were retried once.
  EXPECT_GE(std::count_if(attempts.begin(), attempts.end(), [](auto& a) { return a.second == 2; }),
            1);
  for (const auto& [key, count] : attempts) EXPECT_LE(count, 2) << key;
}

TEST_F(PaymentWorkloadTest, ARequestThatWasNeverSentFails) {
  // A port nobody listens on: connect is refused, so the payment certainly was not applied.
  asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  contract_.base_url = "http://127.0.0.1:" + std::to_string(port);
  spec_.rate_per_s = 50;
  PaymentWorkload::Stats totals;
  const auto completions = check_pairs(run(200ms, 42, &totals));
  ASSERT_FALSE(completions.empty());
  for (const auto& [op, completion] : completions) {
    EXPECT_EQ(completion.at("kind"), "fail");
    EXPECT_EQ(completion.at("attempt"), 1);  // fail is final: no retry
    EXPECT_EQ(text(completion, "error").rfind("not sent: ", 0), 0u) << text(completion, "error");
  }
  EXPECT_EQ(totals.fail, static_cast<int64_t>(completions.size()));
}

TEST_F(PaymentWorkloadTest, InFlightCapSkipsDuePaymentsAndRecordsThemAggregated) {
  int64_t open = 0;
  int64_t open_max = 0;
  serve([&](HttpRequest&&, Respond respond) {
    open_max = std::max(open_max, ++open);
    auto timer = std::make_shared<asio::steady_timer>(io_, 200ms);
    timer->async_wait([&, timer, respond](boost::system::error_code) {
      --open;
      respond(HttpResponse{201, "{}"});
    });
  });
  spec_.rate_per_s = 200;
  spec_.in_flight_max = 4;
  PaymentWorkload::Stats totals;
  const auto records = run(1'000ms, 42, &totals);
  check_pairs(records);
  EXPECT_LE(open_max, 4);
  EXPECT_LE(in_flight_seen_max_, 4);
  EXPECT_EQ(in_flight_seen_max_, 4);
  // ~200 due, ~4 per 200 ms can run: most are skipped, and every due payment is accounted for.
  const auto invokes = of_kind(records, "invoke");
  EXPECT_GT(totals.skipped, 150);
  EXPECT_NEAR(static_cast<double>(totals.skipped + static_cast<int64_t>(invokes.size())), 200.0,
              20.0);
  EXPECT_EQ(window_all_.skipped, totals.skipped);
  const auto skipped = of_kind(records, "skipped");
  int64_t recorded = 0;
  for (const auto& record : skipped) recorded += record.at("count").as_int64();
  EXPECT_EQ(recorded, totals.skipped);
  EXPECT_GE(skipped.size(), 1u);
  EXPECT_LE(skipped.size(), 3u);  // at most once per second, plus the final flush at stop()
}

TEST_F(PaymentWorkloadTest, StopDrainsInFlightRequestsAndStartsNothingNew) {
  serve([&](HttpRequest&&, Respond respond) {
    auto timer = std::make_shared<asio::steady_timer>(io_, 300ms);
    timer->async_wait([timer, respond](boost::system::error_code) {
      respond(HttpResponse{500, "{}"});  // unknown: would be retried if not stopped
    });
  });
  spec_.rate_per_s = 100;
  const auto records = run(100ms);  // drain checks live in run()
  const auto completions = check_pairs(records);
  ASSERT_FALSE(completions.empty());
  int64_t last_invoke_ns = 0;
  int64_t first_completion_ns = INT64_MAX;
  for (const auto& record : records) {
    if (record.at("kind") == "invoke") last_invoke_ns = record.at("t_ns").as_int64();
  }
  for (const auto& [op, completion] : completions) {
    first_completion_ns = std::min(first_completion_ns, completion.at("t_ns").as_int64());
    EXPECT_EQ(completion.at("attempt"), 1);  // no retry after stop()
  }
  EXPECT_LT(last_invoke_ns, first_completion_ns);
}

TEST_F(PaymentWorkloadTest, StopBeforeStartCallsBackAndStartThenFails) {
  auto timeline = Timeline::create(dir_ + "/t.jsonl");
  ASSERT_TRUE(timeline.is_ok());
  contract_.base_url = "http://127.0.0.1:9";
  PaymentWorkload workload(io_, spec_, contract_, 1, **timeline);
  bool drained = false;
  workload.stop([&] { drained = true; });
  io_.run_for(100ms);
  EXPECT_TRUE(drained);
  EXPECT_FALSE(workload.start().is_ok());
}

TEST_F(PaymentWorkloadTest, InvalidSpecOrTargetIsRefused) {
  auto timeline = Timeline::create(dir_ + "/t.jsonl");
  ASSERT_TRUE(timeline.is_ok());
  contract_.base_url = "https://127.0.0.1:443";
  EXPECT_FALSE(PaymentWorkload(io_, spec_, contract_, 1, **timeline).start().is_ok());
  contract_.base_url = "http://127.0.0.1:8080";
  spec_.accounts = 1;
  const Status status = PaymentWorkload(io_, spec_, contract_, 1, **timeline).start();
  EXPECT_NE(status.message().find("accounts"), std::string::npos) << status.message();
  spec_.accounts = 2;
  contract_.account_pattern = "acct";
  EXPECT_FALSE(PaymentWorkload(io_, spec_, contract_, 1, **timeline).start().is_ok());
}

using Draw = std::tuple<std::string, std::string, std::string, int64_t>;

std::vector<Draw> draws(const std::vector<json::object>& records) {
  std::vector<Draw> out;
  for (const auto& record : of_kind(records, "invoke")) {
    out.emplace_back(text(record, "key"), text(record, "from"), text(record, "to"),
                     record.at("amount").as_int64());
  }
  return out;
}

TEST_F(PaymentWorkloadTest, SameSeedGivesTheSamePayments) {
  std::vector<std::string> bodies;
  serve([&](HttpRequest&& request, Respond respond) {
    bodies.push_back(request.body);
    respond(HttpResponse{201, "{}"});
  });
  spec_.accounts = 5;
  spec_.amount_max = 3;
  const auto a = draws(run(300ms, 7, nullptr, "a.jsonl"));
  const auto b = draws(run(300ms, 7, nullptr, "b.jsonl"));
  const auto c = draws(run(300ms, 8, nullptr, "c.jsonl"));
  const std::size_t common = std::min({a.size(), b.size(), c.size()});
  ASSERT_GE(common, 40u);
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(common), b.begin()));
  int differ = 0;
  for (std::size_t i = 0; i < common; ++i) differ += std::get<1>(a[i]) != std::get<1>(c[i]);
  EXPECT_GT(differ, 0);
  EXPECT_EQ(std::get<0>(a[0]), "7-0");
  EXPECT_EQ(std::get<0>(c[3]), "8-3");
  std::set<std::string> accounts;
  std::set<int64_t> amounts;
  for (const auto& [key, from, to, amount] : a) {
    EXPECT_NE(from, to) << key;
    accounts.insert(from);
    accounts.insert(to);
    amounts.insert(amount);
  }
  EXPECT_EQ(accounts, (std::set<std::string>{"acct-1", "acct-2", "acct-3", "acct-4", "acct-5"}));
  EXPECT_EQ(amounts, (std::set<int64_t>{1, 2, 3}));

  // The default contract's body: refpay's field names and a wall-clock timestamp in ms.
  ASSERT_FALSE(bodies.empty());
  const auto body = json::parse(bodies.front()).as_object();
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(body.at("idempotency_key"), "7-0");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_NEAR(static_cast<double>(body.at("timestamp_ms").as_int64()),
              static_cast<double>(now_ms), 10'000.0);
}

TEST_F(PaymentWorkloadTest, ACustomContractShapesTheRequest) {
  std::vector<HttpRequest> requests;
  serve([&](HttpRequest&& request, Respond respond) {
    requests.push_back(request);
    respond(HttpResponse{202, "{}"});
  });
  contract_.base_url += "/bank/";
  contract_.path = "/transfers";
  contract_.key_field = "ref";
  contract_.from_field = "src";
  contract_.to_field = "dst";
  contract_.amount_field = "cents";
  contract_.timestamp_field = "";
  contract_.account_pattern = "user{i}@{i}";
  contract_.success_statuses = {202};
  spec_.rate_per_s = 50;
  PaymentWorkload::Stats totals;
  check_pairs(run(200ms, 3, &totals));
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(totals.ok, static_cast<int64_t>(requests.size()));
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/bank/transfers");
    const auto body = json::parse(request.body).as_object();
    ASSERT_EQ(body.size(), 4u) << request.body;  // no timestamp field
    EXPECT_EQ(text(body, "ref").rfind("3-", 0), 0u);
    const std::string src = text(body, "src");
    EXPECT_EQ(src.rfind("user", 0), 0u);
    const std::string number = src.substr(4, src.find('@') - 4);
    EXPECT_EQ(src, "user" + number + "@" + number);
    EXPECT_EQ(text(body, "dst").rfind("user", 0), 0u);
    EXPECT_GE(body.at("cents").as_int64(), 1);
    EXPECT_LE(body.at("cents").as_int64(), spec_.amount_max);
  }
}

TEST(WorkloadTargetTest, ParsesBaseUrls) {
  auto plain = parse_workload_target("http://198.18.0.6:8080");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->host, "198.18.0.6");
  EXPECT_EQ(plain->port, 8080);
  EXPECT_EQ(plain->base_path, "");
  auto with_path = parse_workload_target("http://gateway:80/api/v2/?x=1");
  ASSERT_TRUE(with_path.is_ok());
  EXPECT_EQ(with_path->host, "gateway");
  EXPECT_EQ(with_path->base_path, "/api/v2");
  EXPECT_FALSE(parse_workload_target("https://a:1").is_ok());
  EXPECT_FALSE(parse_workload_target("http://nohost").is_ok());
}

}  // namespace
}  // namespace firedrill
