// The SQLite audit log: its own connection, serialised by its own mutex, like the admin store.
#include <mutex>

#include "store/audit.hpp"
#include "store/migrations.hpp"
#include "store/rows.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_sql.hpp"

namespace callbackd::store {
namespace {

using sqlite::Db;
using sqlite::Statement;

constexpr int kBusyTimeoutMs = 2000;

// ?1 entity, ?2 entity id, ?3 actor: '' matches everything.
constexpr const char* kFilter =
    " FROM audit_log WHERE (?1 = '' OR entity = ?1) AND (?2 = '' OR entity_id = ?2) AND (?3 = '' OR actor = "
    "?3)";
constexpr const char* kColumns =
    "SELECT id, at_ms, actor, source, action, entity, entity_id, old_value, new_value";

class SqliteAuditLog final : public AuditLog {
 public:
  explicit SqliteAuditLog(const std::string& path) : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    sqlite::apply_migrations(db_);
  }

  std::int64_t append(const AuditEntry& e) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sqlite::sql::kInsertAudit);
    sqlite::bind_audit(st, e);
    st.run();
    return db_.last_insert_id();
  }

  AuditPage list(const AuditQuery& q) override {
    std::lock_guard lock(mu_);
    AuditPage page;
    Statement count(db_, (std::string("SELECT COUNT(*)") + kFilter).c_str());
    count.bind(1, q.entity).bind(2, q.entity_id).bind(3, q.actor);
    if (count.step()) page.total = count.int64(0);
    Statement st(db_, (std::string(kColumns) + kFilter + " ORDER BY id DESC LIMIT ?4 OFFSET ?5").c_str());
    st.bind(1, q.entity).bind(2, q.entity_id).bind(3, q.actor).bind(4, q.limit).bind(5, q.offset);
    while (st.step()) {
      page.items.push_back(AuditEntry{st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4),
                                      st.text(5), st.text(6), st.opt_text(7), st.opt_text(8)});
    }
    return page;
  }

 private:
  std::mutex mu_;
  Db db_;
};

}  // namespace

std::unique_ptr<AuditLog> open_sqlite_audit_log(const std::string& path) {
  return std::make_unique<SqliteAuditLog>(path);
}

}  // namespace callbackd::store
