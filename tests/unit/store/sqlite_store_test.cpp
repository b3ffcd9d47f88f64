#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/migrations.hpp"
#include "store/password.hpp"
#include "store/store.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.file("callbackd.db");
  std::unique_ptr<Store> store_ = open_sqlite_store(path_);
};

AuthorizedPhone full_phone() {
  AuthorizedPhone p;
  p.caller_type = CallerType::Sip;
  p.caller_address = "sip:alice@example.com";
  p.login_extension = "201";
  p.auto_call_relay = true;
  p.description = "Alice's mobile";
  p.callback_enabled = true;
  p.callback_type = CallbackType::Pstn;
  p.callback_destination = "+15550123";
  p.callback_delay_s = 7;
  return p;
}

CallbackJob job(const std::string& caller, UnixTime created) {
  CallbackJob j;
  j.caller = caller;
  j.destination = "sip:" + caller + "@127.0.0.1";
  j.line = "fxo1";
  j.created_at = created;
  j.due_at = created + 3;
  return j;
}

void expect_same(const AuthorizedPhone& a, const AuthorizedPhone& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.caller_type, b.caller_type);
  EXPECT_EQ(a.caller_address, b.caller_address);
  EXPECT_EQ(a.login_extension, b.login_extension);
  EXPECT_EQ(a.auto_call_relay, b.auto_call_relay);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.callback_enabled, b.callback_enabled);
  EXPECT_EQ(a.callback_type, b.callback_type);
  EXPECT_EQ(a.callback_destination, b.callback_destination);
  EXPECT_EQ(a.callback_delay_s, b.callback_delay_s);
}

TEST_F(SqliteStoreTest, PhoneRoundTripsEveryField) {
  const AuthorizedPhone created = store_->create_phone(full_phone());
  EXPECT_GT(created.id, 0);
  auto got = store_->get_phone(created.id);
  ASSERT_TRUE(got);
  expect_same(*got, created);

  AuthorizedPhone changed = *got;
  changed.caller_type = CallerType::Pstn;
  changed.caller_address = "+1555*";
  changed.login_extension.reset();
  changed.auto_call_relay = false;
  changed.description = "";
  changed.callback_enabled = false;
  changed.callback_type = CallbackType::Pbx;
  changed.callback_destination = "202";
  changed.callback_delay_s.reset();
  EXPECT_TRUE(store_->update_phone(changed));
  expect_same(*store_->get_phone(created.id), changed);

  ASSERT_EQ(store_->list_phones().size(), 1u);
  EXPECT_TRUE(store_->delete_phone(created.id));
  EXPECT_FALSE(store_->delete_phone(created.id));
  EXPECT_FALSE(store_->get_phone(created.id));
  EXPECT_TRUE(store_->list_phones().empty());
}

TEST_F(SqliteStoreTest, UpdatingAnUnknownPhoneReturnsFalse) {
  AuthorizedPhone p = full_phone();
  p.id = 4242;
  EXPECT_FALSE(store_->update_phone(p));
}

TEST_F(SqliteStoreTest, DuplicateCallerAddressThrowsDuplicateError) {
  store_->create_phone(full_phone());
  EXPECT_THROW(store_->create_phone(full_phone()), DuplicateError);
  AuthorizedPhone other = full_phone();
  other.caller_address = "+15550000";
  other = store_->create_phone(other);
  other.caller_address = full_phone().caller_address;
  EXPECT_THROW(store_->update_phone(other), DuplicateError);
}

TEST_F(SqliteStoreTest, ExtensionRoundTripsEveryFieldAndRejectsDuplicates) {
  const Extension e{"201", "Reception", hash_password("9137"), true, digest_ha1("201", "example.org", "9137"),
                    true,  false};
  store_->create_extension(e);
  EXPECT_THROW(store_->create_extension(e), DuplicateError);
  auto got = store_->get_extension("201");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->number, "201");
  EXPECT_EQ(got->name, "Reception");
  EXPECT_EQ(got->pin_hash, e.pin_hash);
  EXPECT_TRUE(got->allow_call_relay);
  EXPECT_TRUE(verify_password("9137", got->pin_hash));
  EXPECT_EQ(got->digest_ha1, e.digest_ha1);
  EXPECT_TRUE(got->remote_callback);

  EXPECT_FALSE(got->keypad_sip_password);
  EXPECT_TRUE(store_->update_extension(Extension{"201", "Front desk", "h2", false, "", false, true}));
  got = store_->get_extension("201");
  EXPECT_EQ(got->name, "Front desk");
  EXPECT_EQ(got->pin_hash, "h2");
  EXPECT_TRUE(got->keypad_sip_password);
  EXPECT_FALSE(got->allow_call_relay);
  EXPECT_FALSE(got->remote_callback);
  EXPECT_FALSE(store_->update_extension(Extension{"299", "", "h", false, "", false, false}));

  store_->create_extension(Extension{"100", "Boss", "h3", false, "", true, false});
  const auto all = store_->list_extensions();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].number, "100");
  EXPECT_TRUE(all[0].remote_callback);
  EXPECT_TRUE(store_->delete_extension("201"));
  EXPECT_FALSE(store_->delete_extension("201"));
  EXPECT_FALSE(store_->get_extension("201"));
}

TEST_F(SqliteStoreTest, JobRoundTripsEveryField) {
  const auto phone = store_->create_phone(full_phone());
  CallbackJob j = job("+15550123", 1000);
  j.authorized_phone_id = phone.id;
  j.last_result = "queued";
  const CallbackJob created = store_->create_job(j);
  auto got = store_->get_job(created.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, created.id);
  EXPECT_EQ(got->authorized_phone_id, phone.id);
  EXPECT_EQ(got->caller, "+15550123");
  EXPECT_EQ(got->destination, "sip:+15550123@127.0.0.1");
  EXPECT_EQ(got->line, "fxo1");
  EXPECT_EQ(got->state, JobState::Pending);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->due_at, 1003);
  EXPECT_EQ(got->last_result, "queued");
  EXPECT_FALSE(got->one_time);
  EXPECT_FALSE(store_->get_job(created.id + 100));
  j.one_time = true;
  const CallbackJob once = store_->create_job(j);
  EXPECT_TRUE(store_->get_job(once.id)->one_time);
  EXPECT_TRUE(store_->list_jobs(1).at(0).one_time);
}

TEST_F(SqliteStoreTest, DeletingAPhoneKeepsItsJobsWithANullLink) {
  const auto phone = store_->create_phone(full_phone());
  CallbackJob j = job("+15550123", 1000);
  j.authorized_phone_id = phone.id;
  const auto created = store_->create_job(j);
  ASSERT_TRUE(store_->delete_phone(phone.id));
  auto got = store_->get_job(created.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->authorized_phone_id);
}

TEST_F(SqliteStoreTest, TransitionIsAtomicAndCountsAttempts) {
  const auto j = store_->create_job(job("+15550123", 1000));
  EXPECT_TRUE(store_->transition_job(j.id, JobState::Pending, JobState::Dialing, "dialing"));
  // A second claim of the same pending job loses: the job is no longer pending.
  EXPECT_FALSE(store_->transition_job(j.id, JobState::Pending, JobState::Dialing, "dialing"));
  auto got = store_->get_job(j.id);
  EXPECT_EQ(got->state, JobState::Dialing);
  EXPECT_EQ(got->attempts, 1);
  EXPECT_EQ(got->last_result, "dialing");

  EXPECT_TRUE(store_->reschedule_job(j.id, 2000, "busy"));
  EXPECT_FALSE(store_->reschedule_job(j.id, 2000, "busy"));  // only a dialing job can be rescheduled
  got = store_->get_job(j.id);
  EXPECT_EQ(got->state, JobState::Pending);
  EXPECT_EQ(got->due_at, 2000);
  EXPECT_EQ(got->last_result, "busy");

  EXPECT_TRUE(store_->transition_job(j.id, JobState::Pending, JobState::Dialing, ""));
  EXPECT_TRUE(store_->transition_job(j.id, JobState::Dialing, JobState::Answered, "answered"));
  got = store_->get_job(j.id);
  EXPECT_EQ(got->state, JobState::Answered);
  EXPECT_EQ(got->attempts, 2);
  EXPECT_FALSE(store_->transition_job(j.id + 1, JobState::Pending, JobState::Dialing, ""));
}

TEST_F(SqliteStoreTest, CancelledJobCannotBeDialed) {
  const auto j = store_->create_job(job("+15550123", 1000));
  EXPECT_TRUE(store_->transition_job(j.id, JobState::Pending, JobState::Cancelled, "cancelled"));
  EXPECT_FALSE(store_->transition_job(j.id, JobState::Pending, JobState::Dialing, ""));
  const auto got = store_->get_job(j.id);
  EXPECT_EQ(got->state, JobState::Cancelled);
  EXPECT_EQ(got->attempts, 0);
}

TEST_F(SqliteStoreTest, ListJobsIsNewestFirstAndHonoursTheLimit) {
  const auto a = store_->create_job(job("+1", 100));
  const auto b = store_->create_job(job("+2", 300));
  const auto c = store_->create_job(job("+3", 200));
  const auto all = store_->list_jobs(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, b.id);
  EXPECT_EQ(all[1].id, c.id);
  EXPECT_EQ(all[2].id, a.id);
  const auto two = store_->list_jobs(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].id, c.id);
}

TEST_F(SqliteStoreTest, JobsInStateFiltersByState) {
  const auto a = store_->create_job(job("+1", 100));
  const auto b = store_->create_job(job("+2", 200));
  ASSERT_TRUE(store_->transition_job(a.id, JobState::Pending, JobState::Cancelled, "cancelled"));
  const auto pending = store_->jobs_in_state(JobState::Pending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, b.id);
  EXPECT_EQ(store_->jobs_in_state(JobState::Cancelled).size(), 1u);
  EXPECT_TRUE(store_->jobs_in_state(JobState::Dialing).empty());
}

TEST_F(SqliteStoreTest, LatestJobForCallerHonoursCallerAndSince) {
  store_->create_job(job("+1", 100));
  const auto newer = store_->create_job(job("+1", 150));
  store_->create_job(job("+2", 160));
  auto got = store_->latest_job_for_caller("+1", 100);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, newer.id);
  EXPECT_TRUE(store_->latest_job_for_caller("+1", 150));
  EXPECT_FALSE(store_->latest_job_for_caller("+1", 151));
  EXPECT_FALSE(store_->latest_job_for_caller("+3", 0));
}

TEST_F(SqliteStoreTest, CallRecordRoundTripsEveryField) {
  const auto j = store_->create_job(job("+1", 100));
  CallRecord r;
  r.job_id = j.id;
  r.direction = "inbound";
  r.line = "fxo1";
  r.caller = "+1";
  r.callee = "+15550100";
  r.started_at = 100;
  r.answered_at = 105;
  r.ended_at = 110;
  r.result = "answered";
  r.id = store_->add_call_record(r);
  EXPECT_GT(r.id, 0);
  CallRecord other;
  other.direction = "outbound";
  other.started_at = 200;
  other.id = store_->add_call_record(other);

  const auto all = store_->list_call_records(10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, other.id);
  EXPECT_FALSE(all[0].job_id);
  EXPECT_FALSE(all[0].answered_at);
  const auto& got = all[1];
  EXPECT_EQ(got.job_id, j.id);
  EXPECT_EQ(got.direction, "inbound");
  EXPECT_EQ(got.line, "fxo1");
  EXPECT_EQ(got.caller, "+1");
  EXPECT_EQ(got.callee, "+15550100");
  EXPECT_EQ(got.started_at, 100);
  EXPECT_EQ(got.answered_at, 105);
  EXPECT_EQ(got.ended_at, 110);
  EXPECT_EQ(got.result, "answered");
  EXPECT_EQ(store_->list_call_records(1).size(), 1u);
}

int count_rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  const int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST_F(SqliteStoreTest, ReopenedFileKeepsDataAndMigratesOnce) {
  const auto phone = store_->create_phone(full_phone());
  store_->create_extension(Extension{"201", "Reception", "h", false, "", false, false});
  store_.reset();
  store_ = open_sqlite_store(path_);
  store_ = open_sqlite_store(path_);
  ASSERT_TRUE(store_->get_phone(phone.id));
  expect_same(*store_->get_phone(phone.id), phone);
  EXPECT_TRUE(store_->get_extension("201"));
  EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM schema_version"), sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(path_, "SELECT MAX(version) FROM schema_version"), sqlite::latest_schema_version());
}

TEST_F(SqliteStoreTest, UsesWalJournal) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(SqliteStoreOpen, UnopenablePathThrowsStoreError) {
  EXPECT_THROW(open_sqlite_store("/nonexistent-dir/for/sure/callbackd.db"), StoreError);
}

}  // namespace
}  // namespace callbackd::store
