// A listening TCP socket opened before anything else runs, to be served later (HttpServer::serve).
// The live page needs this: the drill's lab moves the controller into a network namespace of its
// own, so the page's socket is opened in the user's namespace first and carried across.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace firedrill {

// An open, listening socket (close-on-exec); owns the descriptor.
class ListeningSocket {
 public:
  ListeningSocket() = default;
  ListeningSocket(int fd, std::string host, uint16_t port) : fd_(fd), host_(std::move(host)), port_(port) {}
  ~ListeningSocket();
  ListeningSocket(ListeningSocket&& other) noexcept;
  ListeningSocket& operator=(ListeningSocket&& other) noexcept;

  // Gives the descriptor away (to HttpServer::serve); -1 when there is none.
  int release();
  int fd() const { return fd_; }
  // The numeric address and the port it is bound to (the port the kernel picked for 0).
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::string host_;
  uint16_t port_ = 0;
};

// Binds `host` (a numeric IPv4 or IPv6 address, or a name resolved once) and `port` (0: a free
// one) and listens. The error names the address.
Result<ListeningSocket> open_listening_socket(const std::string& host, uint16_t port);

}  // namespace firedrill
