// The store side of the indexed trusted-caller lookup (keys, candidates, migration 2's backfill and migration
// 9's recomputed keys for SIP addresses) and the millisecond duplicate window. Which candidate wins is tested
// in tests/unit/callback.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/caller_key.hpp"
#include "store/password.hpp"
#include "store/store.hpp"
#include "unit/store/sql_exec.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

class TrustedLookupTest : public ::testing::Test {
 protected:
  std::int64_t add(const std::string& address) {
    AuthorizedPhone p;
    p.caller_address = address;
    return store_->create_phone(p).id;
  }
  std::vector<std::string> candidates(const std::string& number) {
    std::vector<std::string> out;
    for (const auto& p : store_->trusted_caller_candidates(number)) out.push_back(p.caller_address);
    return out;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("callbackd.db");
  std::unique_ptr<Store> store_ = open_sqlite_store(path_);
};

TEST(CallerKeys, ExactEntriesAreNormalisedPatternsKeepTheirLiteralPrefix) {
  EXPECT_EQ(caller_keys("+1 (555) 010-0").exact_key, "+15550100");
  EXPECT_FALSE(caller_keys("+1 555 0100").pattern_prefix);
  EXPECT_EQ(caller_keys("+1 555-01*").pattern_prefix, "+155501");
  EXPECT_EQ(caller_keys("+1555?1*").pattern_prefix, "+1555");
  EXPECT_EQ(caller_keys("*0100").pattern_prefix, "");
  EXPECT_FALSE(caller_keys("*0100").exact_key);
}

TEST(CallerKeys, SipAddressesDropTheSchemeAndFoldCase) {
  EXPECT_EQ(caller_keys("sip:alice@Partner.Example").exact_key, "alice@partnerexample");
  EXPECT_EQ(caller_keys("alice@partner.example").exact_key, "alice@partnerexample");
  EXPECT_EQ(caller_keys("SIP:al*@partner.example").pattern_prefix, "al");
  EXPECT_EQ(caller_keys("+1 555-0100").exact_key, "+15550100") << "numbers as before";
  EXPECT_EQ(index_form("sip:alice@partner.example"), "alice@partnerexample");
}

TEST_F(TrustedLookupTest, CandidatesAreExactKeysAndPatternsWhosePrefixStartsTheNumber) {
  add("+1 555 0100");
  add("+15550100");  // another spelling of the same number: both are candidates, the ranking picks one
  add("+15550101");
  add("+1555*");
  add("+1555 01??");
  add("+1556*");
  add("*00");
  add("+15550100*9");
  EXPECT_EQ(candidates("+15550100"), (std::vector<std::string>{"+1 555 0100", "+15550100", "+1555*",
                                                               "+1555 01??", "*00", "+15550100*9"}));
  EXPECT_EQ(candidates("+4930"), (std::vector<std::string>{"*00"}));
}

TEST_F(TrustedLookupTest, KeysFollowUpdatesAndDeletes) {
  const auto id = add("+1555*");
  EXPECT_EQ(candidates("+15550100").size(), 1u);
  auto p = *store_->get_phone(id);
  p.caller_address = "+4930*";
  ASSERT_TRUE(store_->update_phone(p));
  EXPECT_TRUE(candidates("+15550100").empty());
  EXPECT_EQ(candidates("+493012").size(), 1u);
  p.caller_address = "+49 30 12";
  ASSERT_TRUE(store_->update_phone(p));
  EXPECT_TRUE(candidates("+493099").empty());
  EXPECT_EQ(candidates("+493012").size(), 1u);
  ASSERT_TRUE(store_->delete_phone(id));
  EXPECT_TRUE(candidates("+493012").empty());
}

// Rows written before migration 9 have keys that keep the scheme and the case: reopening computes them again.
TEST_F(TrustedLookupTest, MigrationNineRecomputesTheKeysOfSipEntries) {
  add("sip:alice@Partner.Example");
  store_.reset();
  testing::exec_sql(path_,
                    "UPDATE authorized_phones SET exact_key = 'sip:alice@PartnerExample';"
                    "ALTER TABLE extensions DROP COLUMN keypad_sip_password;"
                    "DELETE FROM schema_version WHERE version >= 9;");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(candidates("sip:alice@partner.example"), (std::vector<std::string>{"sip:alice@Partner.Example"}));
}

// Rows written before migration 2 have no keys: reopening must compute them.
TEST_F(TrustedLookupTest, MigrationBackfillsKeysOfExistingRows) {
  add("+1 555 0100");
  add("+1555*");
  store_->create_extension(Extension{"201", "Desk", hash_password("9137x"), false, "", false, false});
  store_.reset();
  testing::exec_sql(
      path_,
      "ALTER TABLE extensions DROP COLUMN digest_ha1; ALTER TABLE extensions DROP COLUMN remote_callback;"
      "ALTER TABLE extensions DROP COLUMN keypad_sip_password;"
      "ALTER TABLE callback_jobs DROP COLUMN one_time;"
      "DROP INDEX call_records_call; ALTER TABLE call_records DROP COLUMN call_ref;"
      "ALTER TABLE call_records DROP COLUMN end_cause;"
      "INSERT INTO call_records (direction, started_at, result) VALUES ('inbound', 1000, 'busy');"
      "DROP INDEX authorized_phones_exact_key; DROP INDEX authorized_phones_pattern_prefix;"
      "DROP INDEX callback_jobs_caller_created_ms; DROP INDEX callback_jobs_created;"
      "ALTER TABLE authorized_phones DROP COLUMN exact_key;"
      "ALTER TABLE authorized_phones DROP COLUMN pattern_prefix;"
      "ALTER TABLE callback_jobs DROP COLUMN created_at_ms;"
      "INSERT INTO callback_jobs (caller, destination, state, created_at, due_at) "
      "VALUES ('+15550100', 'sip:x@h', 'pending', 1000, 1003);"
      "DROP TABLE admins; DROP TABLE audit_log; DROP TABLE admin_settings;"  // back to exactly version 1, so
                                                                             // every later migration runs
                                                                             // again
      "DELETE FROM schema_version WHERE version >= 2;");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(candidates("+15550100"), (std::vector<std::string>{"+1 555 0100", "+1555*"}));
  const auto jobs = store_->list_jobs(0);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].created_at_ms, 1000000);
  // Migration 6: an extension from before SIP digest keeps its PBKDF2 hash for the phone login (its PIN since
  // migration 10), and has no H(A1), so it cannot register until it gets a new password.
  const auto ext = store_->get_extension("201");
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->digest_ha1, "");
  EXPECT_TRUE(verify_extension_pin(*ext, "9137x", "any.realm"));
  EXPECT_FALSE(verify_extension_pin(*ext, "9137y", "any.realm"));
  // Migration 7: older records keep their text result and have no typed cause or call link.
  const auto records = store_->list_call_records(10);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result, "busy");
  EXPECT_EQ(records[0].end_cause, "");
  EXPECT_EQ(records[0].call_ref, "");
}

CallbackJob job_at_ms(const std::string& caller, UnixTimeMs ms) {
  CallbackJob j;
  j.caller = caller;
  j.destination = "sip:x@127.0.0.1";
  j.created_at_ms = ms;
  j.due_at = ms / 1000 + 3;
  return j;
}

// Two triggers in one wall-clock second were always merged; the window is now exact to the millisecond.
TEST_F(TrustedLookupTest, DuplicateWindowIsExactToTheMillisecond) {
  const auto first = store_->create_job(job_at_ms("+1", 1'000'100));
  EXPECT_EQ(first.created_at, 1000);
  EXPECT_TRUE(store_->latest_job_for_caller_ms("+1", 1'000'099));
  EXPECT_FALSE(store_->latest_job_for_caller_ms("+1", 1'000'100));  // min_interval_s = 0: never a duplicate
  store_->create_job(job_at_ms("+1", 1'000'900));
  EXPECT_EQ(store_->latest_job_for_caller_ms("+1", 1'000'100)->created_at_ms, 1'000'900);
  EXPECT_FALSE(store_->latest_job_for_caller_ms("+2", 0));
  // The seconds variant keeps its old meaning (created in or after that second).
  EXPECT_TRUE(store_->latest_job_for_caller("+1", 1000));
  EXPECT_FALSE(store_->latest_job_for_caller("+1", 1001));
}

TEST_F(TrustedLookupTest, JobsWithOnlySecondsGetMilliseconds) {
  CallbackJob j = job_at_ms("+1", 0);
  j.created_at = 1234;
  EXPECT_EQ(store_->create_job(j).created_at_ms, 1'234'000);
  EXPECT_EQ(store_->list_jobs(1)[0].created_at_ms, 1'234'000);
}

}  // namespace
}  // namespace callbackd::store
