#pragma once
// What web management needs of the database beyond the Store interface: admin accounts, and the Authorized
// Phones Database searched, sorted and paged on the server (10,000 entries never go to a browser at once),
// imported all or nothing, and call records filtered. The SQLite backend is a second connection to the same
// file (WAL lets it sit beside the Store's), so the Store interface and its backends stay as they are.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/types.hpp"

namespace callbackd::store {

struct Admin {
  std::string name;
  std::string password_hash;  // Argon2id string from hash_admin_password(); never the clear password
  UnixTime created_at = 0;
};

enum class PhoneSort {
  Id,
  CallerType,
  CallerAddress,
  LoginExtension,
  AutoCallRelay,
  Description,
  CallbackEnabled,
  CallbackType,
  CallbackDestination,
  CallbackDelay
};
std::optional<PhoneSort> phone_sort_from(std::string_view column);  // the JSON field name

struct PhoneQuery {
  std::string text;  // case-insensitive substring of address, description, destination or login extension
  PhoneSort sort = PhoneSort::Id;
  bool descending = false;
  std::int64_t offset = 0;
  std::int64_t limit = -1;  // negative: no limit
};

struct PhonePage {
  std::vector<AuthorizedPhone> items;
  std::int64_t total = 0;  // rows matching the query, before offset and limit
};

struct RecordQuery {
  std::optional<UnixTime> from;  // started_at >= from
  std::optional<UnixTime> to;    // started_at < to
  std::string number;            // substring of caller or callee
  std::string result;            // prefix of result ("failed" matches "failed: 503")
  std::string call_ref;          // exactly this call's legs
  std::string end_cause;         // exactly this typed cause ("busy", "caller-hung-up")
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

// What the dashboard shows of the callback jobs (all from the database; live call state is the pbx's).
struct HourOfCallbacks {
  UnixTime hour = 0;  // start of the hour, UTC
  int total = 0;      // jobs created in that hour
  int answered = 0;
  int failed = 0;
};
struct JobSummary {
  std::int64_t id = 0;
  std::string caller;
  std::string destination;
  std::string line;
  int attempts = 0;
  UnixTime created_at = 0;
  std::string last_result;
};
struct Dashboard {
  std::vector<std::pair<std::string, std::int64_t>> jobs_by_state;  // ("pending", 3), ...
  std::vector<HourOfCallbacks> per_hour;    // hours with jobs since `since`, oldest first
  std::vector<JobSummary> recent_failures;  // failed jobs, newest (created_at) first
};

class AdminStore {
 public:
  virtual ~AdminStore() = default;

  virtual void create_admin(const Admin& a) = 0;  // DuplicateError when the name is taken
  virtual std::optional<Admin> get_admin(const std::string& name) = 0;

  virtual PhonePage search_phones(const PhoneQuery& q) = 0;
  virtual bool caller_address_exists(const std::string& address) = 0;
  // Inserts every entry in one transaction: all of them, or (on any error) none.
  virtual void import_phones(const std::vector<AuthorizedPhone>& phones) = 0;

  virtual std::vector<CallRecord> search_call_records(const RecordQuery& q) = 0;
  virtual Dashboard dashboard(UnixTime since, int failures) = 0;
};

std::unique_ptr<AdminStore> open_sqlite_admin_store(const std::string& path);

// Admin passwords: Argon2id (libsodium crypto_pwhash_str, interactive limits), a self-describing string.
std::string hash_admin_password(std::string_view clear);
bool verify_admin_password(std::string_view clear, const std::string& stored);

}  // namespace callbackd::store
