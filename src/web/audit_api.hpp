#pragma once
// The audit trail of web management and the REST API: every change request that succeeds (2xx) is appended to
// store::AuditLog with who made it (the admin's name, or "api-token" for the bearer token), from which
// address, what (action, entity, id) and the entity's JSON before and after. Which requests are changes is
// decided here from the method and path, in one table, so a new route cannot be forgotten by a handler; GET
// /api/v1/audit pages through the log. Free of HTTP plumbing, like ApiHandlers.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "store/audit.hpp"
#include "web/api_handlers.hpp"
#include "web/web_handlers.hpp"

namespace callbackd::web {

inline constexpr const char* kApiTokenActor = "api-token";

struct ChangeTarget {
  std::string action;     // "create", "replace", "delete", "import", "cancel", "upload", "restore"
  std::string entity;     // "authorized-phone", "authorized-phones", "extension", "callback-job", "prompt"
  std::string entity_id;  // from the path; for a create, taken from the reply
};

// The audited change that `method path` makes, or nullopt (reads, logging in and out).
std::optional<ChangeTarget> change_target(std::string_view method, std::string_view path);

class PromptsApi;
class CallSettingsApi;

class AuditTrail {
 public:
  // The entity's current JSON (what GET answers), or null when it does not exist.
  using Reader = std::function<nlohmann::json(const ChangeTarget&)>;

  AuditTrail(store::AuditLog& log, Reader read) : log_(log), read_(std::move(read)) {}

  // Runs `change`; when it succeeded, appends one row. A failed append is logged as an error and does not
  // undo or hide the change, which has already been committed.
  Reply record(ChangeTarget target, const std::string& actor, const std::string& source,
               const std::string& request_body, const std::function<Reply()>& change);

  Reply list(const Query& q);  // ?offset=&limit=&entity=&entity_id=&actor=; X-Total-Count

 private:
  store::AuditLog& log_;
  Reader read_;
};

// Reads phones, extensions and jobs through the REST handlers, prompts through `prompts`, lines and the
// callback settings through `calls` (either may be null).
AuditTrail::Reader entity_reader(ApiHandlers& handlers, const PromptsApi* prompts, CallSettingsApi* calls);

}  // namespace callbackd::web
