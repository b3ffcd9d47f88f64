#pragma once
// Operations endpoints (docs/operations.md, "Health and metrics"), none behind credentials:
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//   GET /readyz   200 "ready", or 503 with the reason, from OpsHooks::not_ready (readiness)
//   GET /metrics  Prometheus text: the web layer's own counters plus OpsHooks::metrics
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "web/http.hpp"

namespace callbackd::web {

struct OpsHooks {
  // Empty while ready; else why not ("database: database is locked"). Null: always ready.
  std::function<std::optional<std::string>()> not_ready;
  // More metric families in Prometheus text format (the call core's and the store's). Null: none.
  std::function<std::string()> metrics;
};

// What the web layer counts itself, from any HTTP thread.
struct WebCounters {
  std::atomic<long long> login_failures{0};  // wrong admin name or password (401 at POST /api/v1/session)
  std::atomic<long long> lockouts{0};        // logins refused by the lockout (429)
  std::atomic<long long> unauthorized{0};    // REST requests with a wrong bearer token (401)
};

void add_ops_routes(httplib::Server& server, const OpsHooks& hooks, const WebCounters& counters);

}  // namespace callbackd::web
