#include "web/health.hpp"

#include <spdlog/spdlog.h>

#include "web/prom_text.hpp"

namespace callbackd::web {
namespace {

std::string web_metrics(const WebCounters& c) {
  PromText p;
  p.family("callbackd_web_login_failures_total", "counter",
           "Web logins refused for a wrong name or password.")
      .sample(c.login_failures.load());
  p.family("callbackd_web_lockouts_total", "counter",
           "Web logins refused by the lockout after repeated failures.")
      .sample(c.lockouts.load());
  p.family("callbackd_api_unauthorized_total", "counter", "REST requests refused for a wrong bearer token.")
      .sample(c.unauthorized.load());
  return p.str();
}

}  // namespace

void add_ops_routes(httplib::Server& server, const OpsHooks& hooks, const WebCounters& counters) {
  server.Get("/healthz",
             [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  server.Get("/readyz", [&hooks](const httplib::Request&, httplib::Response& res) {
    const auto why = hooks.not_ready ? hooks.not_ready() : std::nullopt;
    if (why) {
      res.status = 503;
      res.set_content("not ready: " + *why + "\n", "text/plain");
    } else {
      res.set_content("ready\n", "text/plain");
    }
  });
  server.Get("/metrics", [&hooks, &counters](const httplib::Request&, httplib::Response& res) {
    std::string text = web_metrics(counters);
    try {
      if (hooks.metrics) text += hooks.metrics();
    } catch (const std::exception& e) {
      // The web layer's counters still go out: a scrape shows the gap instead of failing whole.
      spdlog::warn("metrics: {}", e.what());
    }
    res.set_content(text, kPrometheusContentType);
  });
}

}  // namespace callbackd::web
