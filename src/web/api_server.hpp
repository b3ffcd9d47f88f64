#pragma once
// The REST API (docs/rest-api.md) on cpp-httplib. The server runs its own listener thread and a pool of
// worker threads; every handler talks to the Store (which is thread safe) and never touches call state
// directly.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/admin_store.hpp"
#include "store/audit.hpp"
#include "store/store.hpp"
#include "web/call_settings_port.hpp"
#include "web/health.hpp"
#include "web/http_limits.hpp"
#include "web/validation.hpp"

namespace callbackd::media {
class PromptCatalog;
}

namespace callbackd::web {

struct RegisteredContact {
  std::string uri;
  int expires_s = 0;
};
// The registrar's live bindings by extension number (only registered extensions appear). Called on an HTTP
// thread; app/ reads them on the call-control loop, so web needs nothing of sip/ or registrar/.
using Registrations = std::map<std::string, std::vector<RegisteredContact>>;
using RegistrationsHook = std::function<Registrations()>;

struct ApiSettings {
  std::string admin_token;  // empty: every /api call is refused (fail closed)
  int default_delay_s = 3;  // reported as "effective_callback_delay_s" for entries without their own delay
                            // (call_settings's, when it is set: an admin may change it)
  // Web management (docs/rest-api.md, "Web management"): admin logins, the UI at /, search, import, export.
  // Null: none of it, only the bearer token.
  store::AdminStore* admins = nullptr;
  std::chrono::seconds session_idle{1800};
  // What only the TOML file sets, shown read-only by GET /api/v1/settings.
  nlohmann::json settings_view = nullptr;
  std::string prompts_dir{};  // the voice prompts, "<dir>/<language>/<name>.wav", listed and played by the UI
  std::string custom_prompts_dir{};                // the admins' recordings that replace them (same layout)
  media::PromptCatalog* prompt_catalog = nullptr;  // the running catalog, told of a replaced prompt
  // The session cookie gets Secure always (true), or only for a request that came through a TLS proxy
  // (X-Forwarded-Proto: https, or Forwarded: proto=https).
  bool secure_cookie = false;
  store::AuditLog* audit = nullptr;  // every change is recorded here (GET /api/v1/audit); null: not recorded
  HttpLimits limits{};               // slow and too many connections (web/guarded_server.hpp)
  OpsHooks ops{};                    // what /readyz and /metrics report besides the web layer's own counters
  // The lines and callback settings in effect, editable (/api/v1/lines, /api/v1/settings/callback), and the
  // dashboard's live figures. Null: those routes answer 404 and the dashboard has no "live".
  CallSettingsPort* call_settings = nullptr;

  int effective_default_delay_s() const {
    return call_settings != nullptr ? call_settings->default_delay_s() : default_delay_s;
  }

  // The toll-fraud policy in force (called on HTTP threads; the app swaps the policy on a reload). Entries
  // whose callback it would refuse are refused with 400. Empty: not checked.
  DestinationPolicy destination_policy{};
  std::string sip_realm{};            // the digest realm new extension passwords are hashed for (H(A1))
  RegistrationsHook registrations{};  // null: every extension reports registered false
};

class ApiServer {
 public:
  ApiServer(store::Store& store, ApiSettings settings);
  ~ApiServer();  // stops and joins
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port (port 0: any free port) and starts serving on its own threads. False if the bind fails or
  // the server is already listening.
  bool listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;  // the bound port, 0 before listen()
  void stop();                 // idempotent; joins the listener thread

  // Called on an HTTP thread after DELETE /api/v1/callbacks/{id} cancelled a pending job, so the control
  // thread can drop its timer (post it to the control thread; do not block). May be set at any time.
  void on_job_cancelled(std::function<void(std::int64_t)> cb);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callbackd::web
