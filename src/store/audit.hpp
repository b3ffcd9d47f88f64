#pragma once
// The audit log: one row per change an admin or an integrator made (web, REST API, and later the phone menus
// of issue 8), with who, from where, what, and the value before and after as JSON. General on purpose: the
// entity is a name ("authorized-phone", "extension", "prompt", ...) and its id a string, so a new kind of
// change needs no new column. Rows are only ever appended.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace callbackd::store {

struct AuditEntry {
  std::int64_t id = 0;     // assigned on append
  std::int64_t at_ms = 0;  // Unix time in milliseconds
  std::string actor;       // admin name, "api-token", or (issue 8) the phone's extension
  std::string source;      // the client's address
  std::string action;      // "create", "replace", "delete", "cancel", "import", "upload", "restore"
  std::string entity;      // "authorized-phone", "extension", "callback-job", "prompt", ...
  std::string entity_id;   // "" when the change has no single id (an import)
  std::optional<std::string> old_value;  // JSON; nullopt when the entity did not exist before
  std::optional<std::string> new_value;  // JSON; nullopt when it does not exist after
};

struct AuditQuery {
  std::string entity;     // "" for all
  std::string entity_id;  // "" for all (only with entity)
  std::string actor;      // "" for all
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::int64_t total = 0;         // matching rows before offset and limit
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual std::int64_t append(const AuditEntry& e) = 0;  // the new row's id; StoreError when it fails
  virtual AuditPage list(const AuditQuery& q) = 0;
};

// Its own connection to the database file (schema migration 4 creates the table).
std::unique_ptr<AuditLog> open_sqlite_audit_log(const std::string& path);

}  // namespace callbackd::store
