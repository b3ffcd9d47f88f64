#pragma once
// httplib's server reads a request with a timeout per read, not per request, and serves every connection on
// a fixed pool of worker threads: a handful of clients sending their headers a byte at a time hold every
// worker and the API (and /healthz) stops answering. GuardedServer is the same httplib server with two
// limits: the whole request (headers and body) must arrive within `request_timeout`, and at most
// `max_connections` connections are served at once (one worker each); a connection beyond that is answered
// 503 and closed at once. Include through web/http.hpp's rules: this header includes it.
#include <atomic>
#include <cstdint>

#include "web/http.hpp"
#include "web/http_limits.hpp"

namespace callbackd::web {

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(HttpLimits limits);

  int open_connections() const { return open_.load(); }
  std::uint64_t refused_connections() const { return refused_.load(); }

 private:
  // httplib calls this on a worker thread for every accepted connection (private virtual in httplib).
  bool process_and_close_socket(socket_t sock) override;
  bool serve(socket_t sock);

  HttpLimits limits_;
  std::atomic<int> open_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace callbackd::web
