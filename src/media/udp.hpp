#pragma once
// Small POSIX helpers for the RTP engine: an owning file descriptor, numeric socket addresses, UDP binding.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace callbackd::media {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  bool operator==(const SocketAddress& other) const;
};

// Numeric IPv4 or IPv6 address only (no DNS on the media path). An IPv4 address asked for an IPv6 socket
// (want_family AF_INET6) is returned v4-mapped.
std::optional<SocketAddress> make_address(const std::string& ip, std::uint16_t port,
                                          int want_family = AF_UNSPEC);

enum class BindResult { Ok, InUse, Error };
struct BoundSocket {
  BindResult result = BindResult::Error;
  Fd fd;
  int error = 0;  // errno when result is not Ok
};
// Non-blocking UDP socket bound to addr; InUse when the port is taken.
BoundSocket bind_udp(const SocketAddress& addr);

}  // namespace callbackd::media
