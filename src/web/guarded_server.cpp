#include "web/guarded_server.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace callbackd::web {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often a wait looks whether the server is stopping, so that stop() never waits for a slow client.
constexpr milliseconds kStopCheck{100};

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? getpeername(sock, sa, &len) : getsockname(sock, sa, &len)) != 0) return;
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> serv{};
  if (getnameinfo(sa, len, host.data(), host.size(), serv.data(), serv.size(),
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  ip = host.data();
  port = std::atoi(serv.data());  // NOLINT(cert-err34-c): getnameinfo wrote a number
}

// A socket stream whose reads give up at a deadline for the whole request, not per read. Reads are buffered:
// httplib's line reader asks for one byte at a time.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, const std::atomic<socket_t>& listener, milliseconds write_timeout)
      : sock_(sock), listener_(listener), write_timeout_(write_timeout) {}

  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }

  // Waits up to `idle` for the next request's first byte (keep-alive).
  bool await_request(milliseconds idle) { return buffered() > 0 || wait(POLLIN, Clock::now() + idle); }

  bool is_readable() const override { return buffered() > 0 || wait(POLLIN, deadline_); }
  bool is_writable() const override { return wait(POLLOUT, Clock::now() + write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      if (!wait(POLLIN, deadline_)) return -1;
      const ssize_t n = recv(sock_, buf_.data(), buf_.size(), 0);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buf_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  std::size_t buffered() const { return end_ - begin_; }

  bool wait(short events, Clock::time_point until) const {
    for (;;) {
      if (listener_.load() == INVALID_SOCKET) return false;  // stopping
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{sock_, events, 0};
      const int r = poll(&p, 1, static_cast<int>(std::min(left, kStopCheck).count()));
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
  }

  socket_t sock_;
  const std::atomic<socket_t>& listener_;
  milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::now();
  std::array<char, 4096> buf_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

void refuse(socket_t sock) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  // Never waits: a client that does not read its refusal just loses it.
  (void)send(sock, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

GuardedServer::GuardedServer(HttpLimits limits) : limits_(limits) {
  // One worker per allowed connection, plus spares that answer the refusals at once.
  const auto workers = static_cast<std::size_t>(limits_.max_connections) + 2;
  new_task_queue = [workers] { return new httplib::ThreadPool(workers); };  // NOLINT: httplib owns it
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  bool ret = false;
  if (open_.fetch_add(1) >= limits_.max_connections) {
    ++refused_;
    refuse(sock);
  } else {
    ret = serve(sock);
  }
  --open_;
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return ret;
}

bool GuardedServer::serve(socket_t sock) {
  const milliseconds write_timeout =
      std::chrono::seconds(write_timeout_sec_) +
      std::chrono::duration_cast<milliseconds>(std::chrono::microseconds(write_timeout_usec_));
  DeadlineStream strm(sock, svr_sock_, write_timeout);
  // The first request's wait for its first byte counts against the request timeout; a kept-alive
  // connection may then idle for httplib's keep-alive timeout between requests.
  strm.set_deadline(Clock::now() + limits_.request_timeout);
  bool ret = false;
  for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
    if (left != keep_alive_max_count_) {
      if (!strm.await_request(std::chrono::seconds(keep_alive_timeout_sec_))) break;
      strm.set_deadline(Clock::now() + limits_.request_timeout);
    }
    bool closed = false;
    ret = process_request(strm, left == 1, closed, nullptr);
    if (!ret || closed) break;
  }
  return ret;
}

}  // namespace callbackd::web
