#pragma once
// Minimal RAII over the sqlite3 C API: one connection (Db) and one prepared statement (Statement). Errors
// become DuplicateError (unique or primary key violated) or StoreError carrying sqlite's own message.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace callbackd::store::sqlite {

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context);

class Db {
 public:
  explicit Db(const std::string& path, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* get() const { return db_.get(); }
  void exec(const char* sql);  // one or more statements without parameters or results
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
  int changes() const { return sqlite3_changes(db_.get()); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
 public:
  Statement(Db& db, const char* sql);

  // Parameters are numbered from 1, as in SQL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  bool step();  // true: a row is available; false: done
  void run();   // step once, expecting no row

  // Columns are numbered from 0, as in sqlite3_column_*.
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  int integer(int col) const { return sqlite3_column_int(stmt_.get(), col); }
  bool boolean(int col) const { return int64(col) != 0; }
  std::string text(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  void check_bind(int rc);
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Db& db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// Commits on commit(), rolls back when destroyed without it (an exception left the scope). Inside an open
// transaction (the store worker's group commit) it is a savepoint: its writes are undone alone, and they go
// to disk when the outer transaction commits.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool nested_;
  bool done_ = false;
};

}  // namespace callbackd::store::sqlite
