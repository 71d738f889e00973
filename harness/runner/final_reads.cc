// The final reads; see final_reads.h.
#include "runner/final_reads.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <tuple>
#include <vector>

#include "core/limits.h"
#include "core/sha256.h"
#include "runner/console.h"
#include "net/endpoint.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

FinalReads::FinalReads(boost::asio::io_context& io, Timeline& timeline, Console& console, RunPaths paths,
                       FailureSink fail)
    : io_(io), timeline_(timeline), console_(console), paths_(std::move(paths)), fail_(std::move(fail)) {}

void FinalReads::start(const LaunchedNodes& launched, std::function<void()> done) {
  done_ = std::move(done);
  std::vector<std::tuple<std::string, std::string, std::string>> reads;  // node, file, url
  for (const auto& [node, url] : launched.export_urls) reads.emplace_back(node, node + ".ndjson", url);
  for (const auto& [node, url] : launched.balances_urls) reads.emplace_back(node, node + ".balances.json", url);
  pending_ = reads.size();
  if (pending_ == 0) return done_();
  for (const auto& [node, file, url] : reads) read(node, file, url);
}

void FinalReads::read(const std::string& node, const std::string& file, const std::string& url) {
  auto endpoint = split_url(url);
  if (!endpoint) {
    fail_("final read " + node, endpoint.status());
    return one_done();
  }
  auto client = std::make_shared<HttpClient>(io_, endpoint->host, endpoint->port, 1);
  client->request("GET", endpoint->target, "", kExportTimeoutMs, [this, client, node, file](HttpResult r) {
    client->close();
    on_read(node, file, r);
  });
}

void FinalReads::on_read(const std::string& node, const std::string& file, const HttpResult& r) {
  const std::string path = "exports/" + file;
  if (r.ok() && r.status == 200) {
    std::ofstream(paths_.exports_dir() + "/" + file, std::ios::binary | std::ios::trunc) << r.body;
    const int64_t lines = std::count(r.body.begin(), r.body.end(), '\n');
    timeline_.write(HarnessFinalRead{.node = node,
                                     .ok = true,
                                     .path = path,
                                     .bytes = static_cast<int64_t>(r.body.size()),
                                     .records = lines,
                                     .sha256 = sha256_hex(r.body)});
    if (ends_with(file, ".ndjson")) console_.say("final read " + node + ": " + std::to_string(lines) + " transfers");
  } else {
    const std::string error = r.ok() ? "status " + std::to_string(r.status) : r.error;
    timeline_.write(HarnessFinalRead{.node = node, .ok = false, .path = path, .error = error});
    fail_("final read " + node + " " + file, Status::error(error));
  }
  one_done();
}

void FinalReads::one_done() {
  if (--pending_ == 0) done_();
}

}  // namespace firedrill
