#pragma once
// Read-mostly checks for operations (/readyz, /metrics) on a connection of their own, so that a probe never
// queues behind the store's writer or readers, and a database that refuses writes shows up as such.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace callbackd::store {

namespace sqlite {
class Db;
}

struct StoreCounts {
  std::map<std::string, long long> jobs_by_state;  // every state, 0 when none
  long long relayed_calls = 0;                     // call records of relayed calls
};

class StoreProbe {
 public:
  explicit StoreProbe(const std::string& path);
  ~StoreProbe();
  StoreProbe(const StoreProbe&) = delete;
  StoreProbe& operator=(const StoreProbe&) = delete;

  // Empty while the database takes a write (a write transaction is begun and rolled back, waiting at most
  // 200 ms for a lock); else why not, e.g. "database is locked". Thread safe.
  std::optional<std::string> write_refused();
  StoreCounts counts();  // throws StoreError when the database cannot be read

 private:
  std::mutex mutex_;
  std::unique_ptr<sqlite::Db> db_;
};

}  // namespace callbackd::store
