#pragma once
// Read-only connections to one SQLite file, lent out one per call. In WAL mode readers never wait for the
// writer (nor it for them), so the HTTP threads' lists and the control thread's lookups run side by side
// while writes stay serialised on the store's single write connection.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_db.hpp"

namespace callbackd::store::sqlite {

class ReaderPool {
 public:
  ReaderPool(std::string path, int busy_timeout_ms)
      : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  // Gives its connection back when destroyed.
  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_.give_back(std::move(db_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Db& db() { return *db_; }

   private:
    ReaderPool& pool_;
    std::unique_ptr<Db> db_;
  };

  // An idle connection, or a new one when all are in use (their number is bounded by the callers' threads).
  Lease acquire();

 private:
  void give_back(std::unique_ptr<Db> db);

  const std::string path_;
  const int busy_timeout_ms_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

}  // namespace callbackd::store::sqlite
