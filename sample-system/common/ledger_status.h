// GET /internal/status of one ledger, as the arbiter (heartbeats) and the gateway (topology) both
// ask it: one request at a time per ledger, and only a 200 with a JSON object counts as an answer
// (a ledger that is down, paused or cut off gives none).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>

#include "http/client.h"

namespace refpay {

// Sends the request unless one is still in flight (`in_flight` says so, and is cleared when it
// ends). `on_status` is called with the status object, only when the ledger answered one.
// `in_flight` is written when the request ends, so whatever holds it must live until then: the
// arbiter and the gateway keep it in their Impl and capture shared_from_this() in `on_status`.
void request_ledger_status(HttpClient& client, bool& in_flight, std::chrono::milliseconds timeout,
                           std::function<void(const boost::json::object& status)> on_status);

}  // namespace refpay
