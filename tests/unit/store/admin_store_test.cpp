#include "store/admin_store.hpp"

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

class AdminStoreTest : public ::testing::Test {
 protected:
  AuthorizedPhone phone(const std::string& address, const std::string& description = "") {
    AuthorizedPhone p;
    p.caller_address = address;
    p.description = description;
    return p;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("admin.db");
  std::unique_ptr<Store> store_ = open_sqlite_store(path_);
  std::unique_ptr<AdminStore> admins_ = open_sqlite_admin_store(path_);
};

TEST(AdminPassword, IsArgon2idAndVerifies) {
  const auto hash = hash_admin_password("correct horse battery");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  EXPECT_TRUE(verify_admin_password("correct horse battery", hash));
  EXPECT_FALSE(verify_admin_password("correct horse batterY", hash));
  EXPECT_FALSE(verify_admin_password("", hash));
  EXPECT_NE(hash_admin_password("correct horse battery"), hash);  // salted
}

TEST(AdminPassword, GarbageHashNeverVerifies) {
  EXPECT_FALSE(verify_admin_password("anything", ""));
  EXPECT_FALSE(verify_admin_password("anything", "not-a-hash"));
}

TEST_F(AdminStoreTest, AdminsAreStoredByNameWithTheirHashOnly) {
  EXPECT_FALSE(admins_->get_admin("alice"));
  admins_->create_admin({"alice", hash_admin_password("correct horse battery"), 1000});
  const auto a = admins_->get_admin("alice");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->created_at, 1000);
  EXPECT_TRUE(verify_admin_password("correct horse battery", a->password_hash));
  EXPECT_THROW(admins_->create_admin({"alice", "x", 1}), DuplicateError);
  // A reopened file keeps the account (the migration runs once).
  admins_.reset();
  admins_ = open_sqlite_admin_store(path_);
  EXPECT_TRUE(admins_->get_admin("alice"));
}

TEST_F(AdminStoreTest, SearchFiltersSortsAndPages) {
  for (int i = 0; i < 25; ++i)
    store_->create_phone(phone("+1555" + std::to_string(1000 + i), i % 5 ? "" : "Sales"));
  PhoneQuery q;
  q.limit = 10;
  auto page = admins_->search_phones(q);
  EXPECT_EQ(page.total, 25);
  ASSERT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items[0].caller_address, "+15551000");
  q.offset = 20;
  EXPECT_EQ(admins_->search_phones(q).items.size(), 5u);
  q = PhoneQuery{};
  q.text = "sales";
  EXPECT_EQ(admins_->search_phones(q).total, 5);
  q = PhoneQuery{};
  q.sort = PhoneSort::CallerAddress;
  q.descending = true;
  q.limit = 1;
  EXPECT_EQ(admins_->search_phones(q).items.at(0).caller_address, "+15551024");
}

TEST_F(AdminStoreTest, SearchTreatsWildcardsAndLikeCharactersLiterally) {
  store_->create_phone(phone("+1809*"));
  store_->create_phone(phone("+18095551234"));
  store_->create_phone(phone("sip:100%@example.com"));
  PhoneQuery q;
  q.text = "*";
  EXPECT_EQ(admins_->search_phones(q).total, 1);
  q.text = "%";
  EXPECT_EQ(admins_->search_phones(q).total, 1);
}

TEST_F(AdminStoreTest, ImportIsAllOrNothing) {
  store_->create_phone(phone("+15550001"));
  EXPECT_THROW(admins_->import_phones({phone("+15550002"), phone("+15550001")}), DuplicateError);
  EXPECT_EQ(store_->list_phones().size(), 1u);
  admins_->import_phones({phone("+15550002"), phone("+15550003")});
  EXPECT_EQ(store_->list_phones().size(), 3u);
  EXPECT_TRUE(admins_->caller_address_exists("+15550003"));
  EXPECT_FALSE(admins_->caller_address_exists("+15550004"));
}

TEST_F(AdminStoreTest, ImportedEntriesAreFoundByTheTriggersIndexedLookup) {
  admins_->import_phones({phone("+1 555 0004"), phone("+1556*")});
  ASSERT_EQ(store_->trusted_caller_candidates("+15550004").size(), 1u);
  EXPECT_EQ(store_->trusted_caller_candidates("+15550004")[0].caller_address, "+1 555 0004");
  ASSERT_EQ(store_->trusted_caller_candidates("+15561234").size(), 1u);
  EXPECT_EQ(store_->trusted_caller_candidates("+15561234")[0].caller_address, "+1556*");
}

TEST_F(AdminStoreTest, CallRecordsFilterByTimeNumberAndResult) {
  const auto add = [&](UnixTime t, const std::string& caller, const std::string& result) {
    CallRecord r;
    r.direction = "inbound";
    r.caller = caller;
    r.callee = "+15550100";
    r.started_at = t;
    r.result = result;
    store_->add_call_record(r);
  };
  add(1000, "+15551001", "triggered");
  add(2000, "+15551002", "failed: 503");
  add(3000, "+15551001", "answered");
  RecordQuery q;
  EXPECT_EQ(admins_->search_call_records(q).size(), 3u);
  q.from = 1500;
  q.to = 3000;
  ASSERT_EQ(admins_->search_call_records(q).size(), 1u);
  q = RecordQuery{};
  q.number = "1001";
  EXPECT_EQ(admins_->search_call_records(q).size(), 2u);
  q = RecordQuery{};
  q.result = "failed";
  ASSERT_EQ(admins_->search_call_records(q).size(), 1u);
  EXPECT_EQ(admins_->search_call_records(q)[0].result, "failed: 503");
}

TEST_F(AdminStoreTest, CallRecordsOfOneCallShareItsRefAndFilterByTypedCause) {
  const auto add = [&](const std::string& ref, const std::string& direction, const std::string& cause) {
    CallRecord r;
    r.direction = direction;
    r.caller = "+15550100";
    r.callee = "5550123";
    r.started_at = 1000;
    r.call_ref = ref;
    r.end_cause = cause;
    r.result = cause;
    store_->add_call_record(r);
  };
  add("17-1", "outbound", "caller-hung-up");
  add("17-1", "relay", "busy");
  add("17-2", "outbound", "busy");
  RecordQuery q;
  q.call_ref = "17-1";
  const auto legs = admins_->search_call_records(q);
  ASSERT_EQ(legs.size(), 2u);
  EXPECT_EQ(legs[0].call_ref, "17-1");
  EXPECT_EQ(legs[1].end_cause, "caller-hung-up");
  q = RecordQuery{};
  q.end_cause = "busy";
  EXPECT_EQ(admins_->search_call_records(q).size(), 2u);
  q.call_ref = "17-2";
  ASSERT_EQ(admins_->search_call_records(q).size(), 1u);
  EXPECT_EQ(admins_->search_call_records(q)[0].direction, "outbound");
}

TEST_F(AdminStoreTest, DashboardCountsJobsPerHourAndListsFailures) {
  auto job = [&](UnixTime at, JobState state, const std::string& result) {
    CallbackJob j;
    j.caller = "+15550100";
    j.destination = "+15550100";
    j.line = "fxo1";
    j.state = state;
    j.created_at = at;
    j.due_at = at;
    j.last_result = result;
    return store_->create_job(j).id;
  };
  const UnixTime h = 7200 * 1000;  // an hour boundary
  job(h + 10, JobState::Answered, "answered");
  job(h + 20, JobState::Failed, "busy");
  job(h + 3600 + 5, JobState::Pending, "");
  const auto last = job(h + 3600 + 9, JobState::Failed, "failed: 503");
  job(h - 10, JobState::Failed, "before the window");
  const auto d = admins_->dashboard(h, 2);
  ASSERT_EQ(d.per_hour.size(), 2u);
  EXPECT_EQ(d.per_hour[0].hour, h);
  EXPECT_EQ(d.per_hour[0].total, 2);
  EXPECT_EQ(d.per_hour[0].answered, 1);
  EXPECT_EQ(d.per_hour[0].failed, 1);
  EXPECT_EQ(d.per_hour[1].total, 2);
  ASSERT_EQ(d.recent_failures.size(), 2u);
  EXPECT_EQ(d.recent_failures[0].id, last);
  EXPECT_EQ(d.recent_failures[0].last_result, "failed: 503");
  const std::vector<std::pair<std::string, std::int64_t>> states{
      {"answered", 1}, {"failed", 3}, {"pending", 1}};
  EXPECT_EQ(d.jobs_by_state, states);
}

}  // namespace
}  // namespace callbackd::store
