#include "store/reader_pool.hpp"

namespace callbackd::store::sqlite {
namespace {
// More idle readers than this are closed: a burst of HTTP requests should not pin connections for ever.
constexpr std::size_t kMaxIdle = 8;
}  // namespace

ReaderPool::Lease ReaderPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  // Opened outside the lock; the writer created the file and set WAL (a persistent mode) already.
  auto db = std::make_unique<Db>(path_, SQLITE_OPEN_READWRITE);
  sqlite3_busy_timeout(db->get(), busy_timeout_ms_);
  db->exec("PRAGMA query_only=ON;");  // a reader that tried to write would bypass the write serialisation
  return Lease(*this, std::move(db));
}

void ReaderPool::give_back(std::unique_ptr<Db> db) {
  if (!db) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(db));
}

}  // namespace callbackd::store::sqlite
