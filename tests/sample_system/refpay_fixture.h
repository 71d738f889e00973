// Shared pieces of the refpay tests: a temporary work directory, a cluster started in it, an
// Alertmanager-format webhook receiver, and small helpers over the HTTP API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "local/load.h"
#include "local/local_cluster.h"
#include "sample_system/server_thread.h"

namespace refpay::testing {

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "refpay-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty() && !::testing::Test::HasFailure()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Receives the arbiter's webhook posts on 127.0.0.1 in a background thread.
class AlertReceiver {
 public:
  AlertReceiver()
      : server_([this](HttpRequest&& request, Respond respond) {
          {
            std::lock_guard lock(mutex_);
            bodies_.push_back(request.body);
          }
          respond(HttpResponse{200, "{}"});
        }) {}
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/alerts"; }

  // Every (status, alertname, node) notification received so far.
  struct Notification {
    std::string status;
    std::string alertname;
    std::string node;
    std::string version;
  };
  std::vector<Notification> notifications() const {
    std::lock_guard lock(mutex_);
    std::vector<Notification> out;
    for (const auto& body : bodies_) {
      auto v = boost::json::parse(body).as_object();
      for (const auto& alert : v.at("alerts").as_array()) {
        const auto& labels = alert.at("labels").as_object();
        out.push_back({std::string(alert.at("status").as_string()),
                       std::string(labels.at("alertname").as_string()),
                       labels.contains("node") ? std::string(labels.at("node").as_string()) : "",
                       std::string(v.at("version").as_string())});
      }
    }
    return out;
  }
  bool received(const std::string& status, const std::string& alertname,
                const std::string& node = "") const {
    for (const auto& n : notifications()) {
      if (n.status == status && n.alertname == alertname && (node.empty() || n.node == node)) return true;
    }
    return false;
  }
  // Polls until the notification arrives or `timeout` passes.
  bool wait_for(const std::string& status, const std::string& alertname, const std::string& node = "",
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (received(status, alertname, node)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;  // declared before server_, so that both outlive its thread
  std::vector<std::string> bodies_;
  ServerThread server_;
};

inline boost::json::object json_of(const std::string& body) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

// The idempotency keys of a ledger's export, with how many times each occurs.
inline std::map<std::string, int> keys_in(const std::vector<Transfer>& transfers) {
  std::map<std::string, int> keys;
  for (const auto& t : transfers) ++keys[t.idempotency_key];
  return keys;
}

inline std::vector<Transfer> export_of(const LocalCluster& cluster, int index) {
  auto transfers = fetch_export(cluster.ledger_url(index));
  EXPECT_TRUE(transfers) << transfers.status().message();
  return transfers ? *transfers : std::vector<Transfer>{};
}

inline std::vector<std::string> ledger_urls(const LocalCluster& cluster) {
  std::vector<std::string> urls;
  for (int i = 0; i < cluster.ledger_count(); ++i) urls.push_back(cluster.ledger_url(i));
  return urls;
}

}  // namespace refpay::testing
