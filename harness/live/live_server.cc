// LiveServer; see live_server.h. Everything but finish() runs on the server's own thread and
// io_context, so the state needs no lock; finish() posts onto it.
#include "live/live_server.h"

#include <pthread.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "live/live_page.h"
#include "live/live_state.h"
#include "live/timeline_follower.h"
#include "net/http.h"
#include "reports/html_report.h"
#include "reports/timeline_chart.h"

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace firedrill {
namespace {

constexpr auto kTick = std::chrono::milliseconds(250);            // how often the timeline is read
constexpr auto kChartEvery = std::chrono::milliseconds(1000);     // how often the chart is redrawn
constexpr auto kLongPollHold = std::chrono::seconds(15);          // how long a poll waits for news
constexpr int kWrongTokensMax = 10;                                // then every stop is refused
constexpr const char* kReports[] = {"report.html", "report.md", "report.json", "junit.xml"};

HttpResponse json_response(int status, const json::object& body) {
  return HttpResponse{status, json::serialize(body), "application/json"};
}

HttpResponse message(int status, const std::string& text) { return json_response(status, json::object{{"message", text}}); }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_loopback(const std::string& host) { return host.rfind("127.", 0) == 0 || host == "::1"; }

// The Host header without its port ("[::1]:80" → "::1").
std::string host_name(std::string host) {
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  return host.substr(0, host.rfind(':'));
}

const char* content_type_of(const std::string& name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".json")) return "application/json";
  if (name.ends_with(".xml")) return "application/xml";
  return "text/plain; charset=utf-8";
}

}  // namespace

struct LiveServer::Impl : std::enable_shared_from_this<Impl> {
  struct Waiter {
    int64_t after = 0, chart = 0, event = 0;
    Respond respond;
    Clock::time_point deadline;
  };

  Impl(LiveOptions live_options, const std::string& host)
      : options(std::move(live_options)),
        loopback(is_loopback(host)),
        server(io, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); },
               HttpServerLimits{.body_bytes_max = 4096, .connections_max = 512}),
        tick_timer(io) {}

  void tick();
  void follow();
  void render_chart(Clock::time_point now);
  void answer_waiters(bool everyone);
  json::object view(const Waiter& w) const;
  void handle(HttpRequest&& request, Respond respond);
  HttpResponse stop(const HttpRequest& request);
  HttpResponse report_file(const std::string& name) const;
  void finish(const json::object& report, const json::object& chart, const json::object& events);

  asio::io_context io;
  LiveOptions options;
  const bool loopback;
  HttpServer server;
  asio::steady_timer tick_timer;
  std::optional<LiveState> state;
  std::optional<TimelineFollower> follower;
  int64_t version = 1, chart_version = 0;
  std::string chart_svg;
  bool chart_dirty = false;
  Clock::time_point chart_drawn{};
  std::optional<json::object> final_view;
  std::vector<Waiter> waiters;
  int wrong_tokens = 0;
  std::thread thread;
};

void LiveServer::Impl::tick() {
  follow();
  const auto now = Clock::now();
  if (chart_dirty && !final_view && now - chart_drawn >= kChartEvery) render_chart(now);
  answer_waiters(false);
  tick_timer.expires_after(kTick);
  tick_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

// Reads what the drill appended. The state starts once run.json (written before the drill's
// first phase) can be read: it names the nodes, the phases and what counts for detection.
void LiveServer::Impl::follow() {
  if (!state) {
    auto text = read_file(options.run_dir + "/run.json");
    if (!text) return;
    boost::system::error_code ec;
    json::value run = json::parse(*text, ec);
    if (ec || !run.is_object()) return;  // not yet complete
    state.emplace(run.as_object());
    follower.emplace(options.run_dir + "/timeline.jsonl",
                     [this](const LineDecoder& line) { state->add(line.envelope().at(), line.record()); });
  }
  if (follower->poll() > 0) {
    ++version;
    chart_dirty = true;
  }
}

void LiveServer::Impl::render_chart(Clock::time_point now) {
  chart_svg.clear();
  write_timeline_chart(chart_svg, state->report_json(), state->chart_json(), state->events_json(),
                       LiveChart{.now_s = static_cast<double>(state->now_ns()) / 1e9, .axis_end_s = state->planned_end_s()});
  ++chart_version;
  ++version;
  chart_dirty = false;
  chart_drawn = now;
}

json::object LiveServer::Impl::view(const Waiter& w) const {
  json::object v = state ? state->view(w.event) : LiveState(json::object{}).view(w.event);
  v["version"] = version;
  v["chart_version"] = chart_version;
  if (w.chart != chart_version && chart_version > 0) v["chart"] = chart_svg;
  if (final_view) v["final"] = *final_view;
  return v;
}

// Answers the polls that have news (or waited long enough); all of them when `everyone`.
void LiveServer::Impl::answer_waiters(bool everyone) {
  const auto now = Clock::now();
  std::vector<Waiter> still;
  for (auto& w : waiters) {
    if (everyone || w.after < version || now >= w.deadline) {
      w.respond(json_response(200, view(w)));
    } else {
      still.push_back(std::move(w));
    }
  }
  waiters = std::move(still);
}

void LiveServer::Impl::handle(HttpRequest&& request, Respond respond) {
  // On loopback, a page from anywhere else (DNS rebinding) must not read or stop the drill.
  const std::string host = host_name(request.header("host").value_or(""));
  if (loopback && !is_loopback(host) && host != "localhost") return respond(message(403, "not a loopback Host"));
  const std::string path = request.path();
  if (path == "/stop") return respond(request.method == "POST" ? stop(request) : message(405, "POST only"));
  if (request.method != "GET") return respond(message(405, "GET only"));
  if (path == "/") return respond(HttpResponse{200, live_page_html(options.drill_name), "text/html; charset=utf-8"});
  if (path == "/live.js") return respond(HttpResponse{200, live_page_script(), "text/javascript; charset=utf-8"});
  if (path.rfind("/report/", 0) == 0) return respond(report_file(path.substr(8)));
  if (path != "/events") return respond(message(404, "no such page"));
  auto number = [&](const char* name) {
    const std::string text = request.query(name).value_or("0");
    return std::strtoll(text.c_str(), nullptr, 10);
  };
  Waiter w{number("after"), number("chart"), number("event"), std::move(respond), Clock::now() + kLongPollHold};
  if (w.after < version || final_view) return w.respond(json_response(200, view(w)));
  waiters.push_back(std::move(w));
}

HttpResponse LiveServer::Impl::stop(const HttpRequest& request) {
  // A form or a script of another site cannot send this: the body is JSON (a preflight) and the
  // Origin, when the browser sends one, must be the page's own.
  const auto origin = request.header("origin");
  if (origin && *origin != "http://" + request.header("host").value_or("")) return message(403, "not from this page");
  if (wrong_tokens >= kWrongTokensMax) return message(429, "too many wrong tokens: stop the drill from its terminal (Ctrl-C)");
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::value* token = !ec && body.is_object() ? body.as_object().if_contains("token") : nullptr;
  if (!token || !token->is_string() || !options.token.matches(std::string(token->as_string()))) {
    ++wrong_tokens;
    return message(403, "wrong token (it is printed on the controller's terminal)");
  }
  switch (options.stop("stop from the live page")) {
    case LiveStopAnswer::stopping: return message(202, "stopping: reverting every fault, then the reports");
    case LiveStopAnswer::already_stopping: return message(202, "already stopping");
    case LiveStopAnswer::drill_over: break;
  }
  return message(409, "the drill is over");
}

HttpResponse LiveServer::Impl::report_file(const std::string& name) const {
  for (const char* report : kReports) {
    if (name != report) continue;
    auto text = read_file(options.run_dir + "/" + name);
    if (!text || !final_view) return message(404, name + " is written when the drill ends");
    return HttpResponse{200, std::move(*text), content_type_of(name)};
  }
  return message(404, "no such report");
}

void LiveServer::Impl::finish(const json::object& report, const json::object& chart, const json::object& events) {
  follow();  // the last records
  chart_svg.clear();
  write_timeline_chart(chart_svg, report, chart, events);  // exactly as report.html draws it
  ++chart_version;
  std::string banner;
  write_verdict_banner(banner, report);
  json::array reports;
  for (const char* name : kReports) reports.push_back(json::string(name));
  const json::value* verdict = report.if_contains("verdict");
  final_view = json::object{{"verdict", verdict && verdict->is_string() ? verdict->as_string() : "unknown"},
                            {"banner", banner},
                            {"reports", std::move(reports)},
                            {"faults", report.contains("faults") ? report.at("faults") : json::array{}}};
  ++version;
  answer_waiters(true);
}

LiveServer::LiveServer(ListeningSocket socket, LiveOptions options) {
  url_ = "http://" + (socket.host().find(':') != std::string::npos ? "[" + socket.host() + "]" : socket.host()) + ":" +
         std::to_string(socket.port()) + "/";
  impl_ = std::make_shared<Impl>(std::move(options), socket.host());
  if (Status s = impl_->server.serve(socket.release()); !s) throw std::runtime_error("live page: " + s.message());
  impl_->tick();
  // The page's thread takes no signal: SIGINT and SIGTERM are the drill's (runner/drill_stop.cc).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

LiveServer::~LiveServer() {
  asio::post(impl_->io, [impl = impl_] {
    impl->answer_waiters(true);
    impl->server.stop();
    impl->tick_timer.cancel();
    impl->io.stop();
  });
  impl_->thread.join();
}

void LiveServer::finish(json::object report, json::object chart, json::object events) {
  asio::post(impl_->io, [impl = impl_, report = std::move(report), chart = std::move(chart), events = std::move(events)] {
    impl->finish(report, chart, events);
  });
}

}  // namespace firedrill
