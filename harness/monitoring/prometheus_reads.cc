// Reading the drill's Prometheus; see prometheus_reads.h.
#include "monitoring/prometheus_reads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

#include "monitoring/prometheus_api.h"
#include "net/http.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReadTimeoutMs{10'000};
// A drill with more alert episodes than this is noisy beyond what stages can explain.
constexpr size_t kEpisodesMax = 500;
// The finest step of a symptom query, and the most points one may ask for (Prometheus refuses
// more than 11 000).
constexpr double kSymptomStepMinS = 0.05;
constexpr double kSymptomPointsMax = 5'000;

class Reader : public std::enable_shared_from_this<Reader> {
 public:
  Reader(boost::asio::io_context& io, Timeline& timeline, const MonitoringSpec& spec, const std::string& host,
         uint16_t port, std::function<void()> done)
      : timeline_(timeline),
        spec_(spec),
        client_(std::make_shared<HttpClient>(io, host, port, 1)),
        done_(std::move(done)) {
    const auto unix_now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    offset_ns_ = timeline_.now_ns() - unix_now.count();
    now_s_ = static_cast<double>(unix_now.count()) / 1e9;
  }

  void start() {
    auto self = shared_from_this();
    get("/api/v1/rules?type=alert", "rules", [self](const std::string& body) { self->on_rules(body); });
  }

 private:
  double evaluation_s() const { return static_cast<double>(spec_.evaluation_interval.count()) / 1000; }
  double scrape_s() const { return static_cast<double>(spec_.scrape_interval.count()) / 1000; }
  int64_t controller_ns(double unix_s) const { return std::llround(unix_s * 1e9) + offset_ns_; }

  // GET `target`; `next` with the body of a 200, else a read_failed record and `otherwise`
  // (by default the end of the reads).
  void get(const std::string& target, const std::string& what, std::function<void(const std::string&)> next,
           std::function<void()> otherwise = nullptr) {
    auto self = shared_from_this();
    client_->request("GET", target, "", kReadTimeoutMs,
                     [self, what, next = std::move(next), otherwise = std::move(otherwise)](HttpResult r) {
                       if (r.ok() && r.status == 200) return next(r.body);
                       self->fail(what, r.ok() ? "status " + std::to_string(r.status) + ": " + r.body.substr(0, 300)
                                               : r.error,
                                  otherwise);
                     });
  }

  void fail(const std::string& what, const std::string& error, const std::function<void()>& otherwise = nullptr) {
    timeline_.write(PrometheusReadFailed{.what = what, .error = error});
    otherwise ? otherwise() : finish();
  }

  void finish() {
    client_->close();
    if (done_) std::exchange(done_, nullptr)();
  }

  void on_rules(const std::string& body) {
    auto rules = parse_alerting_rules(body);
    if (!rules) return fail("rules", rules.status().message());
    for (const PrometheusRule& rule : *rules) timeline_.write(rule);
    rules_ = std::move(*rules);
    // Every sample of ALERTS since the drill began: one per evaluation of each active alert.
    const int64_t range_s = timeline_.now_ns() / 1'000'000'000 + 60;
    auto self = shared_from_this();
    get("/api/v1/query?query=" + url_encoded("ALERTS[" + std::to_string(range_s) + "s]") +
            "&time=" + std::to_string(now_s_),
        "alerts", [self](const std::string& answer) { self->on_alerts(answer); });
  }

  void on_alerts(const std::string& body) {
    auto episodes = parse_alert_episodes(body, 3 * evaluation_s(), evaluation_s(), now_s_);
    if (!episodes) return fail("alerts", episodes.status().message());
    episodes_ = std::move(*episodes);
    if (episodes_.size() > kEpisodesMax) episodes_.resize(kEpisodesMax);
    next_symptom();
  }

  // One range query per episode, in turn: where its rule's expression first held.
  void next_symptom() {
    if (next_ == episodes_.size()) return finish();
    const AlertEpisodeTimes& e = episodes_[next_];
    const PrometheusRule* rule = rule_of_alert(rules_, e.alertname, e.labels);
    if (!rule) return record(std::nullopt);
    const double window = 4 * evaluation_s() + 2 * scrape_s() + 1;
    const double step = std::max(kSymptomStepMinS, window / kSymptomPointsMax);
    auto self = shared_from_this();
    get("/api/v1/query_range?query=" + url_encoded(rule->expr) + "&start=" + std::to_string(e.pending - window) +
            "&end=" + std::to_string(e.pending) + "&step=" + std::to_string(step),
        "symptom of " + e.alertname, [self, step](const std::string& body) {
          const AlertEpisodeTimes& episode = self->episodes_[self->next_];
          auto start = parse_symptom_start(body, episode.labels, step, episode.pending);
          self->record(start ? *start : std::nullopt);
        },
        [self] { self->record(std::nullopt); });
  }

  void record(std::optional<double> symptom) {
    const AlertEpisodeTimes& e = episodes_[next_++];
    auto ns = [this](std::optional<double> s) {
      return s ? std::optional<int64_t>(controller_ns(*s)) : std::nullopt;
    };
    timeline_.write(PrometheusAlertEpisode{.alertname = e.alertname,
                                           .labels = e.labels,
                                           .symptom_ns = ns(symptom),
                                           .pending_ns = controller_ns(e.pending),
                                           .firing_ns = ns(e.firing),
                                           .ended_ns = ns(e.ended)});
    next_symptom();
  }

  Timeline& timeline_;
  const MonitoringSpec& spec_;
  std::shared_ptr<HttpClient> client_;
  std::function<void()> done_;
  int64_t offset_ns_ = 0;  // controller ns − Unix ns
  double now_s_ = 0;
  std::vector<PrometheusRule> rules_;
  std::vector<AlertEpisodeTimes> episodes_;
  size_t next_ = 0;
};

}  // namespace

void read_prometheus(boost::asio::io_context& io, Timeline& timeline, const MonitoringSpec& spec,
                     const std::string& host, uint16_t port, std::function<void()> done) {
  std::make_shared<Reader>(io, timeline, spec, host, port, std::move(done))->start();
}

}  // namespace firedrill
