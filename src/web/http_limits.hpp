#pragma once
// What one HTTP client may hold of the server (web/guarded_server.hpp enforces it).
#include <chrono>

namespace callbackd::web {

struct HttpLimits {
  std::chrono::seconds request_timeout{10};  // from the first byte awaited to the last byte of the body
  int max_connections = 64;                  // served at once; more are answered 503 and closed at once
};

}  // namespace callbackd::web
