// refpay speaks HTTP through the harness's small Beast-based server and client (harness/net),
// so that both sides of a drill share one well-tested implementation.
#pragma once

#include "common/status.h"
#include "net/http.h"

namespace refpay {
using firedrill::http_reason;
using firedrill::HttpClient;
using firedrill::HttpHandler;
using firedrill::HttpRequest;
using firedrill::HttpResponse;
using firedrill::HttpResult;
using firedrill::HttpServer;
using firedrill::HttpServerLimits;
using firedrill::parse_host_port;
using firedrill::Respond;
}  // namespace refpay
