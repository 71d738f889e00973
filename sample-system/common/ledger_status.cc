// A ledger's /internal/status; see ledger_status.h.
#include "common/ledger_status.h"

#include <boost/json.hpp>

namespace refpay {

void request_ledger_status(HttpClient& client, bool& in_flight, std::chrono::milliseconds timeout,
                           std::function<void(const boost::json::object& status)> on_status) {
  if (in_flight) return;
  in_flight = true;
  // `in_flight` lives in the caller's per-ledger state; the caller's `on_status` holds its owner
  // (shared_from_this()), so that state outlives this callback (ledger_status.h).
  client.request("GET", "/internal/status", "", timeout,
                 [&in_flight, on_status = std::move(on_status)](HttpResult result) {
                   in_flight = false;
                   if (!result.ok() || result.status != 200) return;
                   boost::json::error_code ec;
                   boost::json::value v = boost::json::parse(result.body, ec);
                   if (!ec && v.is_object()) on_status(v.as_object());
                 });
}

}  // namespace refpay
