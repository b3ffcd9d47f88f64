#pragma once
// Runs SQL on a database file through a connection of its own, as another process (or an older release)
// would: to put a database back at an older schema, or to change rows behind the store's back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace callbackd::testing {

inline void exec_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

}  // namespace callbackd::testing
