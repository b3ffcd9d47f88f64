#include "store/probe.hpp"

#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace callbackd::store {
namespace {

constexpr int kProbeBusyMs = 200;  // a probe answers fast; a lock held longer than this is "not ready"
constexpr const char* kJobsByState = "SELECT state, COUNT(*) FROM callback_jobs GROUP BY state";
constexpr const char* kRelayedCalls = "SELECT COUNT(*) FROM call_records WHERE direction = 'relay'";

}  // namespace

StoreProbe::StoreProbe(const std::string& path)
    : db_(std::make_unique<sqlite::Db>(path, SQLITE_OPEN_READWRITE)) {
  sqlite3_busy_timeout(db_->get(), kProbeBusyMs);
}

StoreProbe::~StoreProbe() = default;

std::optional<std::string> StoreProbe::write_refused() {
  std::lock_guard lock(mutex_);
  // BEGIN IMMEDIATE takes the write lock without writing anything: exactly "would a write go through now".
  const int rc = sqlite3_exec(db_->get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::string(sqlite3_errmsg(db_->get()));
  sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  return std::nullopt;
}

StoreCounts StoreProbe::counts() {
  std::lock_guard lock(mutex_);
  StoreCounts c;
  for (const char* state : {"pending", "dialing", "answered", "failed", "cancelled"})
    c.jobs_by_state[state] = 0;
  sqlite::Statement jobs(*db_, kJobsByState);
  while (jobs.step()) c.jobs_by_state[jobs.text(0)] = jobs.int64(1);
  sqlite::Statement relayed(*db_, kRelayedCalls);
  if (relayed.step()) c.relayed_calls = relayed.int64(0);
  return c;
}

}  // namespace callbackd::store
