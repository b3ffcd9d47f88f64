#include "media/udp.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace callbackd::media {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SocketAddress::operator==(const SocketAddress& other) const {
  return length == other.length && std::memcmp(&storage, &other.storage, length) == 0;
}

std::optional<SocketAddress> make_address(const std::string& ip, std::uint16_t port, int want_family) {
  SocketAddress out;
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    if (want_family == AF_INET6) {
      return make_address("::ffff:" + ip, port, want_family);
    }
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = v4;
    out.length = sizeof(sockaddr_in);
    return out;
  }
  if (::inet_pton(AF_INET6, ip.c_str(), &v6) == 1 && want_family != AF_INET) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = v6;
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return std::nullopt;
}

BoundSocket bind_udp(const SocketAddress& addr) {
  Fd fd(::socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return {BindResult::Error, Fd{}, errno};
  if (::bind(fd.get(), addr.get(), addr.length) != 0) {
    const int error = errno;
    return {error == EADDRINUSE ? BindResult::InUse : BindResult::Error, Fd{}, error};
  }
  return {BindResult::Ok, std::move(fd), 0};
}

}  // namespace callbackd::media
