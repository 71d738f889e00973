// LiveServer; see live_server.h. Everything but finish() runs on the server's own thread and
// io_context, so the state needs no lock; finish() posts onto it.
#include "live/live_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
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
#include "reports/html_text.h"
#include "reports/timeline_chart.h"

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace firedrill {
namespace {

constexpr auto kTick = std::chrono::milliseconds(250);            // how often the timeline is read
constexpr auto kChartEvery = std::chrono::milliseconds(1000);     // how often the chart is redrawn
constexpr auto kLongPollHold = std::chrono::seconds(15);          // how long a poll waits for news
constexpr auto kWrongTokenPause = std::chrono::seconds(1);       // after a wrong token, stops wait this long
constexpr const char* kReports[] = {"report.html", "report.md", "report.json", "junit.xml"};

// What every answer carries: no sniffing, no framing, no caching of a drill's live state.
std::vector<std::pair<std::string, std::string>> headers(const char* policy) {
  return {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}, {"Content-Security-Policy", policy}};
}

// The page's own policy (also in its <meta>), and that of everything else served: a report opened
// from the page runs sandboxed, in an origin of its own, so it can reach nothing of the page's.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
constexpr const char* kOtherPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

HttpResponse json_response(int status, const json::object& body) {
  return HttpResponse{status, json::serialize(body), "application/json", headers(kOtherPolicy)};
}

HttpResponse message(int status, const std::string& text) { return json_response(status, json::object{{"message", text}}); }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A loopback address (127.0.0.0/8, ::1) written as a number, or "localhost"; never a name that
// merely starts like one ("127.0.0.1.attacker.example" resolves wherever its owner says).
bool is_loopback(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return host == "localhost";
}

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
  void end_unscored(const std::string& why);
  void set_final(json::object final_fields);

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
  Clock::time_point last_wrong_token{};
  std::thread thread;
};

void LiveServer::Impl::tick() {
  // The next tick first: an exception below (reported by the thread) must not stop the page.
  tick_timer.expires_after(kTick);
  tick_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
  follow();
  const auto now = Clock::now();
  if (chart_dirty && !final_view && now - chart_drawn >= kChartEvery) render_chart(now);
  answer_waiters(false);
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
  if (path == "/") {
    return respond(HttpResponse{200, live_page_html(options.drill_name), "text/html; charset=utf-8", headers(kPagePolicy)});
  }
  if (path == "/live.js") {
    return respond(HttpResponse{200, live_page_script(), "text/javascript; charset=utf-8", headers(kOtherPolicy)});
  }
  if (path.rfind("/report/", 0) == 0) return respond(report_file(path.substr(8)));
  if (path != "/events") return respond(message(404, "no such page"));
  auto number = [&](const char* name) {
    const std::string text = request.query(name).value_or("0");
    return std::strtoll(text.c_str(), nullptr, 10);
  };
  Waiter w{number("after"), number("chart"), number("event"), std::move(respond), Clock::now() + kLongPollHold};
  if (w.after < version) return w.respond(json_response(200, view(w)));
  waiters.push_back(std::move(w));
}

HttpResponse LiveServer::Impl::stop(const HttpRequest& request) {
  // A form or a script of another site cannot send this: the body must be JSON (which a browser
  // sends cross-site only after a preflight this server never grants) and the Origin, when the
  // browser sends one, the page's own.
  const auto origin = request.header("origin");
  if (origin && *origin != "http://" + request.header("host").value_or("")) return message(403, "not from this page");
  if (request.header("content-type").value_or("").rfind("application/json", 0) != 0) {
    return message(415, "a JSON body, please: {\"token\": \"...\"}");
  }
  // 128 random bits cannot be guessed; the pause only keeps a script from trying fast.
  const auto now = Clock::now();
  if (now - last_wrong_token < kWrongTokenPause) return message(429, "one try a second: try again");
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::value* token = !ec && body.is_object() ? body.as_object().if_contains("token") : nullptr;
  if (!token || !token->is_string() || !options.token.matches(std::string(token->as_string()))) {
    last_wrong_token = now;
    return message(403, "wrong token (it is printed on the controller's terminal)");
  }
  switch (options.stop("stop from the live page")) {
    case LiveStopAnswer::stopping: return message(202, "stopping: reverting every fault, then the reports");
    case LiveStopAnswer::already_stopping: return message(202, "already stopping");
    case LiveStopAnswer::drill_over: break;
  }
  return message(409, "the drill is over (or ending)");
}

HttpResponse LiveServer::Impl::report_file(const std::string& name) const {
  for (const char* report : kReports) {
    if (name != report) continue;
    auto text = read_file(options.run_dir + "/" + name);
    if (!text || !final_view) return message(404, name + " is written when the drill ends");
    return HttpResponse{200, std::move(*text), content_type_of(name), headers(kOtherPolicy)};
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
  const json::value* verdict = report.if_contains("verdict");
  set_final({{"verdict", verdict && verdict->is_string() ? verdict->as_string() : "unknown"},
             {"banner", banner},
             {"faults", report.contains("faults") ? report.at("faults") : json::array{}}});
}

// The drill ended but could not be scored: the page says so, and keeps what it drew live.
void LiveServer::Impl::end_unscored(const std::string& why) {
  follow();
  set_final({{"verdict", "unscored"},
             {"banner", "<header class=\"verdict verdict-unknown\"><div class=\"word\">NOT SCORED</div><div class=\"sub\">" +
                            html::escape(why) + "</div></header>"},
             {"faults", state ? state->report_json().at("faults") : json::array{}}});
}

void LiveServer::Impl::set_final(json::object final_fields) {
  if (final_view) return;  // the first end is the end
  json::array reports;
  for (const char* name : kReports) reports.push_back(json::string(name));
  final_fields["reports"] = std::move(reports);
  final_view = std::move(final_fields);
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
  impl_->thread = std::thread([impl = impl_] {
    // The page must never take the drill down with it: an error here is reported and the page
    // goes on (the drill's thread is PID 1 of the lab, and its faults must be reverted).
    for (;;) {
      try {
        impl->io.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "firedrill: live page: %s\n", e.what());
      }
    }
  });
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

void LiveServer::end_unscored(std::string why) {
  asio::post(impl_->io, [impl = impl_, why = std::move(why)] { impl->end_unscored(why); });
}

void LiveServer::finish(json::object report, json::object chart, json::object events) {
  asio::post(impl_->io, [impl = impl_, report = std::move(report), chart = std::move(chart), events = std::move(events)] {
    impl->finish(report, chart, events);
  });
}

}  // namespace firedrill
