// The SQLite settings store: its own connection, serialised by its own mutex, like the audit log.
#include <mutex>

#include "store/migrations.hpp"
#include "store/settings_store.hpp"
#include "store/sqlite_db.hpp"

namespace callbackd::store {
namespace {

using sqlite::Db;
using sqlite::Statement;

constexpr int kBusyTimeoutMs = 2000;

constexpr const char* kSelect = "SELECT value FROM admin_settings WHERE key = ?";
constexpr const char* kUpsert =
    "INSERT INTO admin_settings (key, value, updated_at_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at_ms = ?3";
constexpr const char* kDelete = "DELETE FROM admin_settings WHERE key = ?";

class SqliteSettingsStore final : public SettingsStore {
 public:
  explicit SqliteSettingsStore(const std::string& path) : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    sqlite::apply_migrations(db_);
  }

  std::optional<std::string> get(const std::string& key) override {
    std::lock_guard lock(mu_);
    Statement st(db_, kSelect);
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    return st.text(0);
  }

  void put(const std::string& key, const std::string& value, std::int64_t at_ms) override {
    std::lock_guard lock(mu_);
    Statement(db_, kUpsert).bind(1, key).bind(2, value).bind(3, at_ms).run();
  }

  void remove(const std::string& key) override {
    std::lock_guard lock(mu_);
    Statement(db_, kDelete).bind(1, key).run();
  }

 private:
  std::mutex mu_;
  Db db_;
};

}  // namespace

std::unique_ptr<SettingsStore> open_sqlite_settings_store(const std::string& path) {
  return std::make_unique<SqliteSettingsStore>(path);
}

}  // namespace callbackd::store
