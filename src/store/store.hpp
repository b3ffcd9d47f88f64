#pragma once
// The storage interface. SQLite is the embedded default; PostgreSQL comes later behind the same interface.
// Every method is safe to call from any thread (the SQLite backend serialises writes on one connection and
// reads on a pool of reader connections, so an HTTP list never waits behind the control thread).
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/audit.hpp"
#include "store/types.hpp"

namespace callbackd::store {

// Thrown for a unique-key violation (duplicate caller address, duplicate extension number).
class DuplicateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Thrown when the database cannot be read or written (disk full, I/O error, corrupt file).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Group commit, for the store worker: many callers' writes in one transaction, so one fsync covers them all.
// Made by Store::begin_batch(); the thread that made it must use it and end it.
class WriteBatch {
 public:
  virtual ~WriteBatch() = default;  // rolls back what was not committed
  // Runs one caller's work in the batch; when it throws, its writes alone are undone and the exception is
  // rethrown.
  virtual void isolate(const std::function<void()>& work) = 0;
  // False once the database undid the whole batch by itself (SQLite does on a full disk or an I/O error):
  // nothing run in it so far will be written.
  virtual bool intact() = 0;
  virtual void commit() = 0;  // throws StoreError: then nothing in the batch was written
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens a batch on the calling thread: until it ends, every call made on this thread joins its transaction
  // and reads see its writes, while other threads' writes wait for it and their reads see the last commit.
  // nullptr: this backend commits each call by itself. Throws StoreError when the database is unavailable.
  virtual std::unique_ptr<WriteBatch> begin_batch() { return nullptr; }

  // Authorized Phones Database
  virtual std::vector<AuthorizedPhone> list_phones() = 0;
  virtual std::optional<AuthorizedPhone> get_phone(std::int64_t id) = 0;
  virtual AuthorizedPhone create_phone(const AuthorizedPhone& p) = 0;  // returns it with its id
  virtual bool update_phone(const AuthorizedPhone& p) = 0;             // false: unknown id
  virtual bool delete_phone(std::int64_t id) = 0;
  // Every entry that can match the normalised PSTN number `number`: exact entries whose normalised address
  // equals it, and patterns whose literal prefix is a prefix of it (found through indexes, O(log n) each),
  // ordered by id. A superset of the matches; callback::find_trusted_caller(Store&, ...) picks the winner.
  virtual std::vector<AuthorizedPhone> trusted_caller_candidates(const std::string& number) = 0;

  // Extensions. pin_hash and digest_ha1 are stored exactly as given: callers hash the clear PIN with
  // hash_password() and the SIP password with digest_ha1() (password.hpp) first; the store never sees either.
  virtual std::vector<Extension> list_extensions() = 0;
  virtual std::optional<Extension> get_extension(const std::string& number) = 0;
  virtual void create_extension(const Extension& e) = 0;
  virtual bool update_extension(const Extension& e) = 0;
  virtual bool delete_extension(const std::string& number) = 0;

  // Callback jobs
  virtual CallbackJob create_job(const CallbackJob& j) = 0;
  virtual std::optional<CallbackJob> get_job(std::int64_t id) = 0;
  virtual std::vector<CallbackJob> list_jobs(int limit) = 0;  // newest first
  virtual std::vector<CallbackJob> jobs_in_state(JobState s) = 0;
  // Atomically moves a job from `from` to `to` (and bumps attempts when to == Dialing). False when the job
  // was not in `from` (for example an admin cancelled it meanwhile).
  virtual bool transition_job(std::int64_t id, JobState from, JobState to,
                              const std::string& last_result) = 0;
  virtual bool reschedule_job(std::int64_t id, UnixTime due_at,
                              const std::string& last_result) = 0;  // dialing -> pending
  // The newest job for a caller address created at or after `since` (whole seconds; kept for old callers).
  virtual std::optional<CallbackJob> latest_job_for_caller(const std::string& caller, UnixTime since) = 0;
  // The newest job for a caller address created strictly after `since_ms` (duplicate suppression, exact to
  // the millisecond): with since_ms = now_ms - min_interval_s * 1000, min_interval_s = 0 never finds one.
  virtual std::optional<CallbackJob> latest_job_for_caller_ms(const std::string& caller,
                                                              UnixTimeMs since_ms) = 0;

  // How many jobs for a caller address were created strictly after `since_ms` (the per-number caps).
  virtual std::int64_t count_jobs_for_caller_ms(const std::string& caller, UnixTimeMs since_ms) = 0;

  // The caller's job that is still pending or dialing, if any (at most one open job per caller).
  virtual std::optional<CallbackJob> open_job_for_caller(const std::string& caller) = 0;

  // Call records
  virtual std::int64_t add_call_record(const CallRecord& r) = 0;
  // All in one transaction (one fsync: group commit); their ids, in order. All or none are written.
  virtual std::vector<std::int64_t> add_call_records(const std::vector<CallRecord>& records) = 0;
  virtual std::vector<CallRecord> list_call_records(int limit) = 0;

  // An audit row (audit.hpp) for a change the call core made (Remote Call Back Configuration by phone),
  // written on this store's connection so that it joins the change's batch: both or neither are kept. The
  // web's AuditLog, on a connection of its own, reads it.
  virtual std::int64_t append_audit(const AuditEntry& e) = 0;
};

// Opens (creating if needed) the SQLite database at `path`, in WAL mode, and applies pending migrations.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace callbackd::store
