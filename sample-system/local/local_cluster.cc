// A refpay cluster as local processes; see local_cluster.h.
#include "local/local_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "http/address.h"
#include "http/client.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace refpay {
namespace {

constexpr uint16_t kLedgerPort = 7001;
constexpr uint16_t kArbiterPort = 7100;
constexpr uint16_t kGatewayPort = 8080;
constexpr const char* kFaketimeLibrary = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

std::atomic<int> cluster_counter{0};

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::error("write " + path + ": failed");
  return Status::ok();
}

json::object status_of(const std::string& url) {
  auto r = http_call(url, "GET", "/internal/status", "", milliseconds(500));
  if (!r.ok || r.status != 200) return {};
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

}  // namespace

std::string executable_dir() {
  char buffer[4096];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return ".";
  return fs::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path().string();
}

HttpCallResult http_call(const std::string& url, const std::string& method,
                         const std::string& target, const std::string& body,
                         milliseconds timeout) {
  HttpCallResult out;
  auto address = parse_host_port(url);
  if (!address) {
    out.error = address.status().message();
    return out;
  }
  boost::asio::io_context io;
  HttpClient client(io, address->host, address->port, 1);
  client.request(method, target, body, timeout, [&](HttpResult r) {
    out.ok = r.ok();
    out.status = r.status;
    out.body = std::move(r.body);
    out.error = std::move(r.error);
    io.stop();  // an idle keep-alive connection would otherwise keep run() busy
  });
  io.run();
  return out;
}

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {
  // 127.X.Y.0/24 from the process id and a counter: unique among concurrent test processes.
  int n = cluster_counter++;
  int pid = static_cast<int>(getpid());
  host_prefix_ = "127." + std::to_string(1 + (pid % 250)) + "." +
                 std::to_string((pid / 250 + n * 37) % 250 + 1) + ".";
}

LocalCluster::~LocalCluster() {
  // SIGTERM first: a clean exit lets libfaketime remove its /dev/shm files (a SIGKILLed process
  // leaves them on the host). Whatever still runs after 2 s is killed.
  for (auto& [name, pid] : pids_) {
    if (pid > 0) ::kill(pid, SIGCONT), ::kill(pid, SIGTERM);
  }
  auto deadline = Clock::now() + std::chrono::seconds(2);
  for (auto& [name, pid] : pids_) {
    while (pid > 0 && Clock::now() < deadline && waitpid(pid, nullptr, WNOHANG) == 0) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    pid = -1;
  }
}

std::string LocalCluster::address(int host_index) const {
  return host_prefix_ + std::to_string(host_index);
}

std::string LocalCluster::gateway_url() const {
  return "http://" + address(100) + ":" + std::to_string(kGatewayPort);
}
std::string LocalCluster::arbiter_url() const {
  return "http://" + address(99) + ":" + std::to_string(kArbiterPort);
}
std::string LocalCluster::ledger_url(int index) const {
  return "http://" + address(index + 1) + ":" + std::to_string(kLedgerPort);
}
std::string LocalCluster::data_dir(int index) const {
  auto it = options_.ledger_data_dirs.find(index);
  return it != options_.ledger_data_dirs.end() ? it->second
                                               : options_.work_dir + "/" + ledger_id(index);
}
std::string LocalCluster::backup_dir(int index) const {
  return options_.backup_store.empty() ? "" : options_.backup_store + "/" + ledger_id(index);
}
std::string LocalCluster::log_path(const std::string& name) const {
  return options_.work_dir + "/" + name + ".log";
}
std::string LocalCluster::clock_file(int index) const {
  return options_.work_dir + "/" + ledger_id(index) + ".faketime";
}
std::string LocalCluster::config_path(const std::string& name) const {
  return options_.work_dir + "/" + name + ".toml";
}

Status LocalCluster::write_configs() {
  std::string ledger_list;
  for (int i = 0; i < options_.ledgers; ++i) {
    ledger_list += "[[ledgers]]\nid = \"" + ledger_id(i) + "\"\nurl = \"" + ledger_url(i) + "\"\n";
  }
  for (int i = 0; i < options_.ledgers; ++i) {
    std::string text = "[node]\nid = \"" + ledger_id(i) + "\"\nlisten = \"" + address(i + 1) + ":" +
                       std::to_string(kLedgerPort) + "\"\ndata_dir = \"" + data_dir(i) +
                       "\"\n\n[ledger]\n" +
                       "accounts = " + std::to_string(options_.accounts) + "\n" +
                       "initial_balance = " + std::to_string(options_.initial_balance) + "\n" +
                       "synchronous = \"" + options_.synchronous + "\"\n" +
                       "replication = \"" + options_.replication + "\"\n" +
                       "sync_replicas = " + std::to_string(options_.sync_replicas) + "\n" +
                       "sync_timeout_ms = " + std::to_string(options_.sync_timeout_ms) + "\n" +
                       "freshness_window_ms = " + std::to_string(options_.freshness_window_ms) + "\n" +
                       "idempotency_ttl_ms = " + std::to_string(options_.idempotency_ttl_ms) + "\n";
    if (!options_.backup_store.empty()) {
      text += "\n[backup]\ndir = \"" + backup_dir(i) + "\"\nfull_interval_ms = " +
              std::to_string(options_.backup_full_interval_ms) + "\narchive_interval_ms = " +
              std::to_string(options_.backup_archive_interval_ms) + "\n";
    }
    if (Status s = write_file(config_path(ledger_id(i)), text); !s) return s;
    if (options_.faketime) {
      if (Status s = write_file(clock_file(i), "+0\n"); !s) return s;
    }
  }
  std::string arbiter = "[node]\nid = \"arbiter\"\nlisten = \"" + address(99) + ":" +
                        std::to_string(kArbiterPort) + "\"\ndata_dir = \"" + options_.work_dir +
                        "/arbiter\"\n\n[arbiter]\ninitial_primary = \"ledger-1\"\n" +
                        "failure_timeout_ms = " + std::to_string(options_.failure_timeout_ms) + "\n" +
                        "alert_url = \"" + options_.alert_url + "\"\n\n" + ledger_list;
  if (Status s = write_file(config_path("arbiter"), arbiter); !s) return s;
  std::string gateway = "[node]\nid = \"gateway\"\nlisten = \"" + address(100) + ":" +
                        std::to_string(kGatewayPort) + "\"\n\n" + ledger_list;
  return write_file(config_path("gateway"), gateway);
}

Status LocalCluster::spawn(const std::string& name) {
  bool is_ledger = name.rfind("ledger-", 0) == 0;
  std::string program = options_.bin_dir + "/refpay-" + (is_ledger ? std::string("ledger") : name);
  std::vector<std::string> args = {program, "--config", config_path(name)};
  if (is_ledger) {
    for (const auto& o : options_.ledger_overrides) {
      args.push_back("--set");
      args.push_back(o);
    }
  }
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  if (is_ledger && options_.faketime) {
    int index = std::stoi(name.substr(7)) - 1;
    env.push_back(std::string("LD_PRELOAD=") + kFaketimeLibrary);
    env.push_back("FAKETIME_TIMESTAMP_FILE=" + clock_file(index));
    env.push_back("FAKETIME_NO_CACHE=1");
    env.push_back("FAKETIME_DONT_FAKE_MONOTONIC=1");
  }
  std::string log = log_path(name);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::error("spawn " + name + ": fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  pids_[name] = pid;
  return Status::ok();
}

Result<std::unique_ptr<LocalCluster>> LocalCluster::start(LocalClusterOptions options,
                                                          milliseconds ready_timeout) {
  if (options.bin_dir.empty()) options.bin_dir = executable_dir();
  std::error_code ec;
  fs::create_directories(options.work_dir + "/arbiter", ec);
  if (ec) return Status::error("cluster work dir " + options.work_dir + ": " + ec.message());
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(std::move(options)));
  if (Status s = cluster->write_configs(); !s) return s;
  for (int i = 0; i < cluster->options_.ledgers; ++i) {
    if (Status s = cluster->spawn(cluster->ledger_id(i)); !s) return s;
  }
  for (const char* name : {"arbiter", "gateway"}) {
    if (Status s = cluster->spawn(name); !s) return s;
  }
  if (auto primary = cluster->wait_for_primary(ready_timeout); !primary) return primary.status();
  if (Status s = cluster->wait_converged(ready_timeout); !s) return s;
  return cluster;
}

pid_t LocalCluster::pid(const std::string& name) const {
  auto it = pids_.find(name);
  return it == pids_.end() ? -1 : it->second;
}

Status LocalCluster::signal(const std::string& name, int sig) {
  pid_t p = pid(name);
  if (p <= 0) return Status::error("signal " + name + ": not running");
  if (::kill(p, sig) != 0) return Status::error("signal " + name + ": kill failed");
  return Status::ok();
}

Status LocalCluster::kill(const std::string& name) {
  pid_t p = pid(name);
  if (p <= 0) return Status::ok();
  ::kill(p, SIGKILL);
  waitpid(p, nullptr, 0);
  pids_[name] = -1;
  return Status::ok();
}

Status LocalCluster::stop(const std::string& name, milliseconds timeout) {
  pid_t p = pid(name);
  if (p <= 0) return Status::ok();
  ::kill(p, SIGCONT);
  ::kill(p, SIGTERM);
  auto deadline = Clock::now() + timeout;
  while (waitpid(p, nullptr, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
      pids_[name] = -1;
      return Status::error("stop " + name + ": no exit within " + std::to_string(timeout.count()) + " ms of SIGTERM; killed");
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  pids_[name] = -1;
  return Status::ok();
}

Status LocalCluster::restart(const std::string& name) {
  if (Status s = kill(name); !s) return s;
  return spawn(name);
}

std::optional<int> LocalCluster::primary_index() const {
  auto r = http_call(arbiter_url(), "GET", "/v1/topology", "", milliseconds(500));
  if (!r.ok || r.status != 200) return std::nullopt;
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::value* primary = v.as_object().if_contains("primary");
  if (!primary || !primary->is_string()) return std::nullopt;
  for (int i = 0; i < options_.ledgers; ++i) {
    if (primary->as_string() == ledger_id(i)) return i;
  }
  return std::nullopt;
}

Result<int> LocalCluster::wait_for_primary(milliseconds timeout, std::optional<int> not_index) const {
  auto deadline = Clock::now() + timeout;
  std::string last;
  while (Clock::now() < deadline) {
    auto index = primary_index();
    if (index && index != not_index) {
      auto health = http_call(gateway_url(), "GET", "/healthz", "", milliseconds(500));
      json::object status = status_of(ledger_url(*index));
      bool serving = status.contains("role") && status.at("role") == "primary";
      if (serving && health.ok && health.status == 200 &&
          health.body.find("\"" + ledger_id(*index) + "\"") != std::string::npos) {
        return *index;
      }
      last = "gateway: " + health.body;
    } else {
      last = "arbiter has no new primary";
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::error("no primary within " + std::to_string(timeout.count()) + " ms (" + last +
                       "); see logs in " + options_.work_dir);
}

Status LocalCluster::wait_converged(milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  std::string last;
  while (Clock::now() < deadline) {
    auto primary = primary_index();
    if (primary) {
      json::object p = status_of(ledger_url(*primary));
      bool all = p.contains("last_position");
      for (int i = 0; all && i < options_.ledgers; ++i) {
        if (i == *primary) continue;
        json::object s = status_of(ledger_url(i));
        all = s.contains("last_position") && s.at("last_position") == p.at("last_position") &&
              s.at("primary") == json::value(ledger_id(*primary)) && s.at("epoch") == p.at("epoch");
        if (!all) last = ledger_id(i) + ": " + json::serialize(s);
      }
      if (all) return Status::ok();
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::error("ledgers did not converge within " + std::to_string(timeout.count()) +
                       " ms (" + last + ")");
}

}  // namespace refpay
