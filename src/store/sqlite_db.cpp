#include "store/sqlite_db.hpp"

#include "store/store.hpp"

namespace callbackd::store::sqlite {

void throw_error(sqlite3* db, int rc, std::string_view context) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string what = std::string(context) + ": " + (message != nullptr ? message : sqlite3_errstr(rc));
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
    throw DuplicateError(what);
  }
  throw StoreError(what);
}

Db::Db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // sqlite hands back a handle even on failure; it must be closed either way
  if (rc != SQLITE_OK) throw_error(raw, rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  sqlite3_free(err);  // the connection keeps the same message for throw_error
  if (rc != SQLITE_OK) throw_error(db_.get(), rc, "exec");
}

Statement::Statement(Db& db, const char* sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_error(db.get(), rc, "prepare");
}

void Statement::check_bind(int rc) {
  if (rc != SQLITE_OK) throw_error(db_.get(), rc, "bind");
}

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  check_bind(
      sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_.get(), index));
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_error(db_.get(), rc, "step");
}

void Statement::run() {
  if (step()) throw StoreError("statement unexpectedly returned a row");
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col)));
}

std::optional<std::int64_t> Statement::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<std::string> Statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

Transaction::Transaction(Db& db) : db_(db), nested_(sqlite3_get_autocommit(db.get()) == 0) {
  db_.exec(nested_ ? "SAVEPOINT tx" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  // Nothing useful to do if the rollback itself fails: the connection rolls back when closed. A nested one
  // is undone alone, unless SQLite already rolled the outer transaction back (then there is no savepoint).
  if (!nested_) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  } else if (sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK TO tx; RELEASE tx", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE tx" : "COMMIT");
  done_ = true;
}

}  // namespace callbackd::store::sqlite
