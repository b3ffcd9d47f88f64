// The SQLite backend of Store: one write connection, serialised by a mutex, and a pool of reader
// connections, so reads (HTTP lists, the trigger's lookups) never queue behind a write's fsync or each other.
// Durability over speed: WAL with synchronous=FULL, since trusted callers, credentials and jobs must survive
// a power cut. A write returns after its commit, so any later read, on any connection, sees it; inside a
// write batch (the store worker's group commit) the batch's own reads use the write connection instead.
#include <atomic>
#include <mutex>
#include <thread>

#include "store/caller_key.hpp"
#include "store/migrations.hpp"
#include "store/reader_pool.hpp"
#include "store/rows.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_sql.hpp"
#include "store/store.hpp"

namespace callbackd::store {
namespace {

using sqlite::bind_phone;
using sqlite::Db;
using sqlite::read_phone;
using sqlite::read_record;
using sqlite::ReaderPool;
using sqlite::Statement;
namespace sql = sqlite::sql;

// Only another process (an admin's sqlite3 session) can hold the write lock; the call-control thread waits
// this long for it and then gets a StoreError, so a forgotten lock stalls calls for half a second, not five.
constexpr int kBusyTimeoutMs = 500;

JobState job_state_or_throw(const std::string& s) {
  if (auto st = job_state_from(s)) return *st;
  throw StoreError("corrupt callback_jobs.state: " + s);
}

Extension read_extension(const Statement& st) {
  return Extension{st.text(0), st.text(1),    st.text(2),   st.boolean(3),
                   st.text(4), st.boolean(5), st.boolean(6)};
}

CallbackJob read_job(const Statement& st) {
  CallbackJob j;
  j.id = st.int64(0);
  j.authorized_phone_id = st.opt_int64(1);
  j.caller = st.text(2);
  j.destination = st.text(3);
  j.line = st.text(4);
  j.state = job_state_or_throw(st.text(5));
  j.attempts = st.integer(6);
  j.created_at = st.int64(7);
  j.due_at = st.int64(8);
  j.last_result = st.text(9);
  j.created_at_ms = st.int64(10);
  j.one_time = st.boolean(11);
  return j;
}

void bind_record(Statement& st, const CallRecord& r) {
  st.bind(1, r.job_id)
      .bind(2, r.direction)
      .bind(3, r.line)
      .bind(4, r.caller)
      .bind(5, r.callee)
      .bind(6, r.started_at)
      .bind(7, r.answered_at)
      .bind(8, r.ended_at)
      .bind(9, r.result)
      .bind(10, r.call_ref)
      .bind(11, r.end_cause);
}

// SQLite reads a negative LIMIT as "no limit".
std::int64_t sql_limit(int limit) {
  return limit > 0 ? limit : -1;
}

template <typename T, typename Reader>
std::vector<T> read_all(Statement& st, Reader read) {
  std::vector<T> out;
  while (st.step()) out.push_back(read(st));
  return out;
}

template <typename T, typename Reader>
std::optional<T> read_one(Statement& st, Reader read) {
  if (!st.step()) return std::nullopt;
  return read(st);
}

// Old callers set created_at (seconds) only, new ones created_at_ms: each row gets both, consistent.
CallbackJob with_both_times(CallbackJob j) {
  if (j.created_at_ms == 0) j.created_at_ms = j.created_at * 1000;
  if (j.created_at == 0) j.created_at = j.created_at_ms / 1000;
  return j;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) : db_(path), readers_(path, kBusyTimeoutMs) {
    db_.exec(sql::kPragmas);
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    sqlite::apply_migrations(db_);
  }

  std::unique_ptr<WriteBatch> begin_batch() override;

  std::vector<AuthorizedPhone> list_phones() override {
    return all<AuthorizedPhone>(sql::kListPhones, read_phone, [](Statement&) {});
  }
  std::optional<AuthorizedPhone> get_phone(std::int64_t id) override {
    return one<AuthorizedPhone>(sql::kGetPhone, read_phone, [&](Statement& st) { st.bind(1, id); });
  }
  std::vector<AuthorizedPhone> trusted_caller_candidates(const std::string& number) override {
    return all<AuthorizedPhone>(sql::kTrustedCandidates, read_phone,
                                [&](Statement& st) { st.bind(1, index_form(number)); });
  }
  AuthorizedPhone create_phone(const AuthorizedPhone& p) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kInsertPhone);
    bind_phone(st, p);
    st.run();
    AuthorizedPhone out = p;
    out.id = db_.last_insert_id();
    return out;
  }
  bool update_phone(const AuthorizedPhone& p) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kUpdatePhone);
    bind_phone(st, p);
    st.bind(12, p.id).run();
    return db_.changes() == 1;
  }
  bool delete_phone(std::int64_t id) override { return run_changes(sql::kDeletePhone, id); }

  std::vector<Extension> list_extensions() override {
    return all<Extension>(sql::kListExtensions, read_extension, [](Statement&) {});
  }
  std::optional<Extension> get_extension(const std::string& number) override {
    return one<Extension>(sql::kGetExtension, read_extension, [&](Statement& st) { st.bind(1, number); });
  }
  void create_extension(const Extension& e) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kInsertExtension)
        .bind(1, e.number)
        .bind(2, e.name)
        .bind(3, e.pin_hash)
        .bind(4, e.allow_call_relay)
        .bind(5, e.digest_ha1)
        .bind(6, e.remote_callback)
        .bind(7, e.keypad_sip_password)
        .run();
  }
  bool update_extension(const Extension& e) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kUpdateExtension)
        .bind(1, e.name)
        .bind(2, e.pin_hash)
        .bind(3, e.allow_call_relay)
        .bind(4, e.digest_ha1)
        .bind(5, e.remote_callback)
        .bind(6, e.keypad_sip_password)
        .bind(7, e.number)
        .run();
    return db_.changes() == 1;
  }
  bool delete_extension(const std::string& number) override {
    return run_changes(sql::kDeleteExtension, number);
  }

  CallbackJob create_job(const CallbackJob& given) override {
    const CallbackJob j = with_both_times(given);
    std::lock_guard lock(mu_);
    Statement(db_, sql::kInsertJob)
        .bind(1, j.authorized_phone_id)
        .bind(2, j.caller)
        .bind(3, j.destination)
        .bind(4, j.line)
        .bind(5, to_string(j.state))
        .bind(6, j.attempts)
        .bind(7, j.created_at)
        .bind(8, j.due_at)
        .bind(9, j.last_result)
        .bind(10, j.created_at_ms)
        .bind(11, j.one_time)
        .run();
    CallbackJob out = j;
    out.id = db_.last_insert_id();
    return out;
  }
  std::optional<CallbackJob> get_job(std::int64_t id) override {
    return one<CallbackJob>(sql::kGetJob, read_job, [&](Statement& st) { st.bind(1, id); });
  }
  std::vector<CallbackJob> list_jobs(int limit) override {
    return all<CallbackJob>(sql::kListJobs, read_job, [&](Statement& st) { st.bind(1, sql_limit(limit)); });
  }
  std::vector<CallbackJob> jobs_in_state(JobState s) override {
    return all<CallbackJob>(sql::kJobsInState, read_job, [&](Statement& st) { st.bind(1, to_string(s)); });
  }
  bool transition_job(std::int64_t id, JobState from, JobState to, const std::string& last_result) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kTransitionJob)
        .bind(1, to_string(to))
        .bind(2, last_result)
        .bind(3, to == JobState::Dialing)
        .bind(4, id)
        .bind(5, to_string(from))
        .run();
    return db_.changes() == 1;
  }
  bool reschedule_job(std::int64_t id, UnixTime due_at, const std::string& last_result) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kRescheduleJob).bind(1, due_at).bind(2, last_result).bind(3, id).run();
    return db_.changes() == 1;
  }
  std::optional<CallbackJob> latest_job_for_caller(const std::string& caller, UnixTime since) override {
    return one<CallbackJob>(sql::kLatestJobForCaller, read_job,
                            [&](Statement& st) { st.bind(1, caller).bind(2, since); });
  }
  std::optional<CallbackJob> latest_job_for_caller_ms(const std::string& caller,
                                                      UnixTimeMs since_ms) override {
    return one<CallbackJob>(sql::kLatestJobForCallerMs, read_job,
                            [&](Statement& st) { st.bind(1, caller).bind(2, since_ms); });
  }

  std::int64_t count_jobs_for_caller_ms(const std::string& caller, UnixTimeMs since_ms) override {
    const auto n = one<std::int64_t>(
        sql::kCountJobsForCallerMs, [](Statement& st) { return st.int64(0); },
        [&](Statement& st) { st.bind(1, caller).bind(2, since_ms); });
    return n.value_or(0);
  }

  std::optional<CallbackJob> open_job_for_caller(const std::string& caller) override {
    return one<CallbackJob>(sql::kOpenJobForCaller, read_job, [&](Statement& st) { st.bind(1, caller); });
  }

  std::int64_t add_call_record(const CallRecord& r) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kInsertRecord);
    bind_record(st, r);
    st.run();
    return db_.last_insert_id();
  }
  std::vector<std::int64_t> add_call_records(const std::vector<CallRecord>& records) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    std::vector<std::int64_t> ids;
    ids.reserve(records.size());
    for (const auto& r : records) {
      Statement st(db_, sql::kInsertRecord);
      bind_record(st, r);
      st.run();
      ids.push_back(db_.last_insert_id());
    }
    tx.commit();
    return ids;
  }
  std::vector<CallRecord> list_call_records(int limit) override {
    return all<CallRecord>(sql::kListRecords, read_record,
                           [&](Statement& st) { st.bind(1, sql_limit(limit)); });
  }

  std::int64_t append_audit(const AuditEntry& e) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kInsertAudit);
    sqlite::bind_audit(st, e);
    st.run();
    return db_.last_insert_id();
  }

 private:
  class Batch;

  // Reads run on a pooled reader connection, never under mu_; the batch's own thread reads its writes on db_
  // (it holds mu_ already).
  template <typename T, typename Reader, typename Binder>
  std::vector<T> all(const char* statement, Reader read, Binder bind) {
    if (in_batch()) return all_on<T>(db_, statement, read, bind);
    auto lease = readers_.acquire();
    return all_on<T>(lease.db(), statement, read, bind);
  }
  template <typename T, typename Reader, typename Binder>
  std::optional<T> one(const char* statement, Reader read, Binder bind) {
    if (in_batch()) return one_on<T>(db_, statement, read, bind);
    auto lease = readers_.acquire();
    return one_on<T>(lease.db(), statement, read, bind);
  }
  template <typename T, typename Reader, typename Binder>
  static std::vector<T> all_on(Db& db, const char* statement, Reader read, Binder bind) {
    Statement st(db, statement);
    bind(st);
    return read_all<T>(st, read);
  }
  template <typename T, typename Reader, typename Binder>
  static std::optional<T> one_on(Db& db, const char* statement, Reader read, Binder bind) {
    Statement st(db, statement);
    bind(st);
    return read_one<T>(st, read);
  }
  bool in_batch() const { return batch_thread_.load() == std::this_thread::get_id(); }

  template <typename Key>
  bool run_changes(const char* statement, const Key& key) {
    std::lock_guard lock(mu_);
    Statement(db_, statement).bind(1, key).run();
    return db_.changes() == 1;
  }

  // Serialises writes on db_. Recursive: a batch holds it for its whole transaction, and the calls made in
  // the batch take it again on the same thread.
  std::recursive_mutex mu_;
  std::atomic<std::thread::id> batch_thread_{};  // the thread whose batch is open, if any
  Db db_;
  ReaderPool readers_;
};

// One transaction on the write connection, held (with mu_) until it commits or is destroyed.
class SqliteStore::Batch final : public WriteBatch {
 public:
  explicit Batch(SqliteStore& s) : store_(s), lock_(s.mu_) {
    store_.db_.exec("BEGIN IMMEDIATE");
    store_.batch_thread_.store(std::this_thread::get_id());
  }
  ~Batch() override {
    if (!committed_ && intact()) sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    store_.batch_thread_.store(std::thread::id{});
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void isolate(const std::function<void()>& work) override {
    sqlite::Transaction savepoint(store_.db_);
    work();
    savepoint.commit();
  }
  bool intact() override { return sqlite3_get_autocommit(store_.db_.get()) == 0; }
  void commit() override {
    if (!intact()) throw StoreError("the database rolled the batch back");
    store_.db_.exec("COMMIT");
    committed_ = true;
  }

 private:
  SqliteStore& store_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool committed_ = false;
};

std::unique_ptr<WriteBatch> SqliteStore::begin_batch() {
  return std::make_unique<Batch>(*this);
}

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace callbackd::store
