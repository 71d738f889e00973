// A small Chrome DevTools Protocol client for browser tests: starts Debian's headless Chromium
// with a debugging port on loopback, opens tabs through its HTTP endpoint (PUT /json/new) and
// evaluates JavaScript in them over the tab's WebSocket (Boost.Beast), as Playwright and
// Puppeteer do underneath. Synchronous: one command at a time, each answered by its id.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace firedrill::testing {

namespace devtools_detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Waits at most `seconds` for any read or write on the socket.
inline void set_timeouts(tcp::socket& socket, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}
}  // namespace devtools_detail

// One HTTP/1.1 exchange with 127.0.0.1:port; the status and the body (status 0: no answer).
struct PlainResponse {
  int status = 0;
  std::string body;
};
inline PlainResponse http_exchange(uint16_t port, const std::string& method, const std::string& target,
                                   const std::string& body = "",
                                   const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  using namespace devtools_detail;
  namespace http = beast::http;
  try {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_timeouts(socket, 20);
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return {static_cast<int>(response.result_int()), response.body()};
  } catch (const std::exception&) {
    return {};
  }
}

// One tab, attached over its WebSocket.
class DevToolsPage {
 public:
  DevToolsPage(uint16_t port, const std::string& path) : socket_(io_) {
    using namespace devtools_detail;
    socket_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_timeouts(socket_.next_layer(), 30);
    socket_.handshake("127.0.0.1:" + std::to_string(port), path);
  }

  // Sends one command and returns its "result" (throws on an error answer).
  boost::json::object command(const std::string& method, boost::json::object params = {}) {
    const int64_t id = ++last_id_;
    socket_.write(boost::asio::buffer(
        boost::json::serialize(boost::json::object{{"id", id}, {"method", method}, {"params", std::move(params)}})));
    for (;;) {
      devtools_detail::beast::flat_buffer buffer;
      socket_.read(buffer);
      boost::json::value message = boost::json::parse(devtools_detail::beast::buffers_to_string(buffer.data()));
      const boost::json::object& m = message.as_object();
      if (!m.contains("id") || m.at("id").as_int64() != id) continue;  // an event, or an older answer
      if (m.contains("error")) throw std::runtime_error(method + ": " + boost::json::serialize(m.at("error")));
      return m.at("result").as_object();
    }
  }

  // The value of a JavaScript expression (promises awaited); null when it threw.
  boost::json::value evaluate(const std::string& expression) {
    boost::json::object result = command(
        "Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
    if (result.contains("exceptionDetails")) return nullptr;
    const boost::json::object& value = result.at("result").as_object();
    return value.contains("value") ? value.at("value") : boost::json::value(nullptr);
  }

  // Evaluates `expression` every 100 ms until it is true; false when `timeout` passes first.
  bool wait_until(const std::string& expression, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      boost::json::value v = evaluate(expression);
      if (v.is_bool() && v.as_bool()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // A PNG of the page as it is laid out now (for the README's screenshot).
  std::string screenshot_png_base64() { return std::string(command("Page.captureScreenshot").at("data").as_string()); }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<devtools_detail::tcp::socket> socket_;
  int64_t last_id_ = 0;
};

// Debian's headless Chromium, running until destroyed (its process group is killed then).
class HeadlessChromium {
 public:
  static constexpr const char* kPath = "/usr/bin/chromium";

  // `profile` is a fresh directory for the browser's profile and its log (chromium.log).
  explicit HeadlessChromium(const std::string& profile, int width = 1400, int height = 1100) : profile_(profile) {
    const std::string log = profile + "/chromium.log";
    const std::string size = "--window-size=" + std::to_string(width) + "," + std::to_string(height);
    const std::string dir = "--user-data-dir=" + profile;
    std::filesystem::remove(profile + "/DevToolsActivePort");  // a reused profile's is stale
    pid_ = fork();
    pid_before_stop_ = pid_;
    if (pid_ == 0) {
      setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(kPath, kPath, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", dir.c_str(), size.c_str(),
            "about:blank", nullptr);
      _exit(127);
    }
    // Chromium writes the port it bound to its profile: DevToolsActivePort, "PORT\nPATH".
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && port_ == 0) {
      std::ifstream in(profile + "/DevToolsActivePort");
      int port = 0;
      if (in >> port && port > 0) port_ = static_cast<uint16_t>(port);
      else std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~HeadlessChromium() { stop(); }

  // Ends the browser and waits for it (before its profile directory is removed).
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    // Its helper processes die with the group; give them a moment to let go of the profile.
    for (int i = 0; i < 50 && ::kill(-pid_before_stop_, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  bool started() const { return port_ != 0; }
  std::string log() const {
    std::ifstream in(profile_ + "/chromium.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A new tab that loads `url`.
  std::unique_ptr<DevToolsPage> open(const std::string& url) {
    PlainResponse r = http_exchange(port_, "PUT", "/json/new?" + url);
    if (r.status != 200) throw std::runtime_error("DevTools /json/new: HTTP " + std::to_string(r.status) + " " + r.body);
    const std::string ws = std::string(boost::json::parse(r.body).at("webSocketDebuggerUrl").as_string());
    const std::string path = ws.substr(ws.find('/', std::string("ws://").size()));
    return std::make_unique<DevToolsPage>(port_, path);
  }

 private:
  std::string profile_;
  pid_t pid_ = -1;
  pid_t pid_before_stop_ = -1;  // the process group, after stop() too
  uint16_t port_ = 0;
};

}  // namespace firedrill::testing
