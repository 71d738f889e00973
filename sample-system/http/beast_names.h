// The short names that http/'s own files use for Boost.Asio and Boost.Beast. Internal to http/:
// the public headers (server.h, client.h, message.h, address.h) name no Beast type.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>

namespace refpay {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
}  // namespace refpay
