// The SQLite backend of AdminStore: its own connection, serialised by its own mutex.
#include <array>
#include <mutex>

#include "store/admin_sql.hpp"
#include "store/admin_store.hpp"
#include "store/migrations.hpp"
#include "store/rows.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_sql.hpp"
#include "store/store.hpp"

namespace callbackd::store {
namespace {

using sqlite::bind_phone;
using sqlite::Db;
using sqlite::read_phone;
using sqlite::read_record;
using sqlite::Statement;
namespace sql = sqlite::admin_sql;

// An import of thousands of rows holds the write lock for a moment; the web waits longer than the call path.
constexpr int kBusyTimeoutMs = 2000;

struct SortColumn {
  PhoneSort sort;
  const char* field;  // JSON field name, as the UI and ?sort= spell it
  const char* column;
};
constexpr std::array<SortColumn, 10> kSortColumns{{
    {PhoneSort::Id, "id", "id"},
    {PhoneSort::CallerType, "caller_type", "caller_type"},
    {PhoneSort::CallerAddress, "caller_address", "caller_address"},
    {PhoneSort::LoginExtension, "login_extension", "login_extension"},
    {PhoneSort::AutoCallRelay, "auto_call_relay", "auto_call_relay"},
    {PhoneSort::Description, "description", "lower(description)"},
    {PhoneSort::CallbackEnabled, "callback_enabled", "callback_enabled"},
    {PhoneSort::CallbackType, "callback_type", "callback_type"},
    {PhoneSort::CallbackDestination, "callback_destination", "callback_destination"},
    {PhoneSort::CallbackDelay, "callback_delay_s", "callback_delay_s"},
}};

const char* sort_column(PhoneSort s) {
  for (const auto& c : kSortColumns) {
    if (c.sort == s) return c.column;
  }
  return "id";
}

class SqliteAdminStore final : public AdminStore {
 public:
  explicit SqliteAdminStore(const std::string& path) : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    sqlite::apply_migrations(db_);
  }

  void create_admin(const Admin& a) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kInsertAdmin).bind(1, a.name).bind(2, a.password_hash).bind(3, a.created_at).run();
  }
  std::optional<Admin> get_admin(const std::string& name) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kGetAdmin);
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    return Admin{st.text(0), st.text(1), st.int64(2)};
  }

  PhonePage search_phones(const PhoneQuery& q) override {
    std::lock_guard lock(mu_);
    PhonePage page;
    Statement count(db_, (std::string(sql::kCountPhones) + sql::kPhoneFilter).c_str());
    count.bind(1, q.text);
    if (count.step()) page.total = count.int64(0);
    const char* dir = q.descending ? " DESC" : " ASC";
    // The column comes from the fixed table above, never from the request.
    const std::string text = std::string(sql::kPhoneColumns) + sql::kPhoneFilter + "ORDER BY " +
                             sort_column(q.sort) + dir + ", id" + dir + " LIMIT ?2 OFFSET ?3";
    Statement st(db_, text.c_str());
    st.bind(1, q.text).bind(2, q.limit < 0 ? std::int64_t{-1} : q.limit).bind(3, q.offset);
    while (st.step()) page.items.push_back(read_phone(st));
    return page;
  }

  bool caller_address_exists(const std::string& address) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kPhoneExists);
    st.bind(1, address);
    return st.step();
  }

  void import_phones(const std::vector<AuthorizedPhone>& phones) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    for (const auto& p : phones) {
      // The store's own insert, so an imported entry gets its lookup keys like one made through the API.
      Statement st(db_, sqlite::sql::kInsertPhone);
      bind_phone(st, p);
      st.run();
    }
    tx.commit();
  }

  std::vector<CallRecord> search_call_records(const RecordQuery& q) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kSearchRecords);
    st.bind(1, q.from).bind(2, q.to).bind(3, q.number).bind(4, q.result).bind(5, q.limit).bind(6, q.offset);
    st.bind(7, q.call_ref).bind(8, q.end_cause);
    std::vector<CallRecord> out;
    while (st.step()) out.push_back(read_record(st));
    return out;
  }

  Dashboard dashboard(UnixTime since, int failures) override {
    std::lock_guard lock(mu_);
    Dashboard d;
    Statement states(db_, sql::kJobsByState);
    while (states.step()) d.jobs_by_state.emplace_back(states.text(0), states.int64(1));
    Statement hours(db_, sql::kJobsPerHour);
    hours.bind(1, since);
    while (hours.step()) {
      d.per_hour.push_back({hours.int64(0), hours.integer(1), hours.integer(2), hours.integer(3)});
    }
    Statement failed(db_, sql::kRecentFailures);
    failed.bind(1, failures);
    while (failed.step()) {
      d.recent_failures.push_back({failed.int64(0), failed.text(1), failed.text(2), failed.text(3),
                                   failed.integer(4), failed.int64(5), failed.text(6)});
    }
    return d;
  }

 private:
  std::mutex mu_;
  Db db_;
};

}  // namespace

std::optional<PhoneSort> phone_sort_from(std::string_view column) {
  for (const auto& c : kSortColumns) {
    if (column == c.field) return c.sort;
  }
  return std::nullopt;
}

std::unique_ptr<AdminStore> open_sqlite_admin_store(const std::string& path) {
  return std::make_unique<SqliteAdminStore>(path);
}

}  // namespace callbackd::store
