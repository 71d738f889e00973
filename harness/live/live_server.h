// `firedrill run --live`: serves the live page of one drill (live_page.h) on its own thread, from
// the drill's timeline as it is written (timeline_follower.h, live_state.h). Routes:
//
//   GET  /                the page;  GET /live.js  its script
//   GET  /events?after=V&chart=C&event=E
//                         the view, answered at once when its version is past V, else held up to
//                         15 s (a long poll: one answer per request, any number of viewers): the
//                         phase, elapsed_ms, steady, nodes, alerts, faults, the events after E,
//                         the chart's SVG when its version is not C, and at the end "final" (the
//                         verdict, its banner, the reports)
//   POST /stop            {"token": "..."} as application/json: stops the drill as SIGINT does
//                         (202); a wrong token 403, and any stop within a second after one 429;
//                         the drill over or ending 409
//   GET  /report/NAME     report.html, report.md, report.json, junit.xml once written
//
// Safe by default: the caller binds loopback unless told otherwise; on loopback, a request whose
// Host is not a loopback address or "localhost" is refused (DNS rebinding); a stop must come from
// the page's own origin and carry the token. Every answer forbids sniffing, framing and caching;
// the reports are served sandboxed. Memory is bounded by LiveState and the connection limit.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>

#include "live/stop_token.h"
#include "net/listening_socket.h"

namespace firedrill {

// What a stop request did (the drill's answer).
enum class LiveStopAnswer { stopping, already_stopping, drill_over };

struct LiveOptions {
  std::string run_dir;     // where timeline.jsonl, run.json and the reports are
  std::string drill_name;  // the page's title
  StopToken token;
  std::function<LiveStopAnswer(const std::string& why)> stop;  // called on the server's thread
};

class LiveServer {
 public:
  // Starts serving `socket` on a thread of its own.
  LiveServer(ListeningSocket socket, LiveOptions options);
  ~LiveServer();  // stops serving and joins the thread
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // http://HOST:PORT/
  const std::string& url() const { return url_; }

  // The drill is scored: every page shows the verdict, the chart exactly as report.html draws it
  // (the same inputs), and the links to the reports. Thread-safe.
  void finish(boost::json::object report, boost::json::object chart, boost::json::object events);
  // The drill ended but could not be scored: the page says so and why. Thread-safe. Only the first
  // of finish() and end_unscored() counts.
  void end_unscored(std::string why);

 private:
  struct Impl;
  std::string url_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace firedrill
