// ListeningSocket (listening_socket.h): plain POSIX sockets, so that it can be opened before any
// io_context exists and survive the fork into the lab.
#include "net/listening_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace firedrill {

ListeningSocket::~ListeningSocket() {
  if (fd_ >= 0) ::close(fd_);
}

ListeningSocket::ListeningSocket(ListeningSocket&& other) noexcept
    : fd_(other.release()), host_(std::move(other.host_)), port_(other.port_) {}

ListeningSocket& ListeningSocket::operator=(ListeningSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
    host_ = std::move(other.host_);
    port_ = other.port_;
  }
  return *this;
}

int ListeningSocket::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

namespace {

// The numeric text and port of a bound socket.
std::pair<std::string, uint16_t> bound_address(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {"", 0};
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return {text, ntohs(v6->sin6_port)};
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
  ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  return {text, ntohs(v4->sin_port)};
}

}  // namespace

Result<ListeningSocket> open_listening_socket(const std::string& host, uint16_t port) {
  const std::string where = "listen " + host + ":" + std::to_string(port) + ": ";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status::error(where + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) return Status::error(where + "socket: " + std::strerror(errno));
  ListeningSocket socket(fd, "", 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) return Status::error(where + "bind: " + std::strerror(errno));
  if (::listen(fd, SOMAXCONN) != 0) return Status::error(where + "listen: " + std::strerror(errno));
  auto [bound_host, bound_port] = bound_address(fd);
  return ListeningSocket(socket.release(), bound_host, bound_port);
}

}  // namespace firedrill
