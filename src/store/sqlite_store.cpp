// The SQLite backend of Store: one connection, serialised by a mutex (the control thread and the HTTP threads
// share it). Durability over speed: WAL with synchronous=FULL, since trusted callers, credentials and jobs
// must survive a power cut.
#include <mutex>

#include "store/migrations.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_sql.hpp"
#include "store/store.hpp"

namespace callbackd::store {
namespace {

using sqlite::Db;
using sqlite::Statement;
namespace sql = sqlite::sql;

// Only another process (an admin's sqlite3 session) can hold the write lock; the call-control thread waits
// this long for it and then gets a StoreError, so a forgotten lock stalls calls for half a second, not five.
constexpr int kBusyTimeoutMs = 500;

JobState job_state_or_throw(const std::string& s) {
  if (auto st = job_state_from(s)) return *st;
  throw StoreError("corrupt callback_jobs.state: " + s);
}

AuthorizedPhone read_phone(const Statement& st) {
  AuthorizedPhone p;
  p.id = st.int64(0);
  p.caller_type = caller_type_from(st.text(1)).value_or(CallerType::Auto);
  p.caller_address = st.text(2);
  p.login_extension = st.opt_text(3);
  p.auto_call_relay = st.boolean(4);
  p.description = st.text(5);
  p.callback_enabled = st.boolean(6);
  p.callback_type = callback_type_from(st.text(7)).value_or(CallbackType::Auto);
  p.callback_destination = st.text(8);
  if (!st.is_null(9)) p.callback_delay_s = st.integer(9);
  return p;
}

// Binds every column but id, starting at parameter 1 (shared by INSERT and UPDATE).
void bind_phone(Statement& st, const AuthorizedPhone& p) {
  st.bind(1, to_string(p.caller_type))
      .bind(2, p.caller_address)
      .bind(3, p.login_extension)
      .bind(4, p.auto_call_relay)
      .bind(5, p.description)
      .bind(6, p.callback_enabled)
      .bind(7, to_string(p.callback_type))
      .bind(8, p.callback_destination)
      .bind(9, p.callback_delay_s);
}

Extension read_extension(const Statement& st) {
  return Extension{st.text(0), st.text(1), st.text(2), st.boolean(3)};
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
  return j;
}

CallRecord read_record(const Statement& st) {
  CallRecord r;
  r.id = st.int64(0);
  r.job_id = st.opt_int64(1);
  r.direction = st.text(2);
  r.line = st.text(3);
  r.caller = st.text(4);
  r.callee = st.text(5);
  r.started_at = st.int64(6);
  r.answered_at = st.opt_int64(7);
  r.ended_at = st.opt_int64(8);
  r.result = st.text(9);
  return r;
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
      .bind(9, r.result);
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

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) : db_(path) {
    db_.exec(sql::kPragmas);
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    sqlite::apply_migrations(db_);
  }

  std::vector<AuthorizedPhone> list_phones() override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kListPhones);
    return read_all<AuthorizedPhone>(st, read_phone);
  }
  std::optional<AuthorizedPhone> get_phone(std::int64_t id) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kGetPhone);
    st.bind(1, id);
    return read_one<AuthorizedPhone>(st, read_phone);
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
    st.bind(10, p.id).run();
    return db_.changes() == 1;
  }
  bool delete_phone(std::int64_t id) override { return run_changes(sql::kDeletePhone, id); }

  std::vector<Extension> list_extensions() override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kListExtensions);
    return read_all<Extension>(st, read_extension);
  }
  std::optional<Extension> get_extension(const std::string& number) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kGetExtension);
    st.bind(1, number);
    return read_one<Extension>(st, read_extension);
  }
  void create_extension(const Extension& e) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kInsertExtension)
        .bind(1, e.number)
        .bind(2, e.name)
        .bind(3, e.password_hash)
        .bind(4, e.allow_call_relay)
        .run();
  }
  bool update_extension(const Extension& e) override {
    std::lock_guard lock(mu_);
    Statement(db_, sql::kUpdateExtension)
        .bind(1, e.name)
        .bind(2, e.password_hash)
        .bind(3, e.allow_call_relay)
        .bind(4, e.number)
        .run();
    return db_.changes() == 1;
  }
  bool delete_extension(const std::string& number) override {
    return run_changes(sql::kDeleteExtension, number);
  }

  CallbackJob create_job(const CallbackJob& j) override {
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
        .run();
    CallbackJob out = j;
    out.id = db_.last_insert_id();
    return out;
  }
  std::optional<CallbackJob> get_job(std::int64_t id) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kGetJob);
    st.bind(1, id);
    return read_one<CallbackJob>(st, read_job);
  }
  std::vector<CallbackJob> list_jobs(int limit) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kListJobs);
    st.bind(1, sql_limit(limit));
    return read_all<CallbackJob>(st, read_job);
  }
  std::vector<CallbackJob> jobs_in_state(JobState s) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kJobsInState);
    st.bind(1, to_string(s));
    return read_all<CallbackJob>(st, read_job);
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
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kLatestJobForCaller);
    st.bind(1, caller).bind(2, since);
    return read_one<CallbackJob>(st, read_job);
  }

  std::int64_t add_call_record(const CallRecord& r) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kInsertRecord);
    bind_record(st, r);
    st.run();
    return db_.last_insert_id();
  }
  std::vector<CallRecord> list_call_records(int limit) override {
    std::lock_guard lock(mu_);
    Statement st(db_, sql::kListRecords);
    st.bind(1, sql_limit(limit));
    return read_all<CallRecord>(st, read_record);
  }

 private:
  template <typename Key>
  bool run_changes(const char* statement, const Key& key) {
    std::lock_guard lock(mu_);
    Statement(db_, statement).bind(1, key).run();
    return db_.changes() == 1;
  }

  std::mutex mu_;
  Db db_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace callbackd::store
