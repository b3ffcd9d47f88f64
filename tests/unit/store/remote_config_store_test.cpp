// The store's part of Remote Call Back Configuration by phone: migration 8 (a database of schema 7 keeps
// every row and gains extensions.remote_callback and callback_jobs.one_time, both off) and audit rows written
// on the store's own connection, inside its batch.
#include <gtest/gtest.h>

#include "store/audit.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "unit/store/sql_exec.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

class Migration8Test : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.file("callbackd.db");
};

TEST_F(Migration8Test, SchemaSevenRowsSurviveAndTheNewFieldsAreOff) {
  open_sqlite_store(path_).reset();
  // Back to exactly schema 7, then rows as schema 7 inserted them (without the new columns).
  testing::exec_sql(
      path_,
      "ALTER TABLE extensions DROP COLUMN remote_callback;"
      "ALTER TABLE extensions DROP COLUMN keypad_sip_password;"
      "ALTER TABLE callback_jobs DROP COLUMN one_time;"
      "DELETE FROM schema_version WHERE version >= 8;"
      "INSERT INTO extensions (number, name, password_hash, allow_call_relay, digest_ha1) "
      "VALUES ('201', 'Desk', 'h', 1, 'ha1');"
      "INSERT INTO callback_jobs (caller, destination, state, created_at, due_at, created_at_ms) "
      "VALUES ('+15550100', '+15550100', 'answered', 1000, 1003, 1000000);");
  auto store = open_sqlite_store(path_);
  const auto ext = store->get_extension("201");
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->name, "Desk");
  EXPECT_TRUE(ext->allow_call_relay);
  EXPECT_EQ(ext->digest_ha1, "ha1");
  EXPECT_FALSE(ext->remote_callback);
  const auto jobs = store->list_jobs(0);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].caller, "+15550100");
  EXPECT_EQ(jobs[0].state, JobState::Answered);
  EXPECT_FALSE(jobs[0].one_time);

  // The new fields are written and read back after the migration.
  Extension changed = *ext;
  changed.remote_callback = true;
  ASSERT_TRUE(store->update_extension(changed));
  EXPECT_TRUE(store->get_extension("201")->remote_callback);
  EXPECT_GE(sqlite::latest_schema_version(), 8);
}

// Migration 10: a row whose one password lives only as H(A1) (schema 6 to 9) goes on logging in at the keypad
// with it; a row with a PBKDF2 hash (before schema 6) has that as its PIN.
TEST_F(Migration8Test, SchemaNineRowsKeepTheirKeypadLogin) {
  open_sqlite_store(path_).reset();
  testing::exec_sql(path_,
                    "ALTER TABLE extensions DROP COLUMN keypad_sip_password;"
                    "DELETE FROM schema_version WHERE version >= 10;"
                    "INSERT INTO extensions (number, name, password_hash, allow_call_relay, digest_ha1) "
                    "VALUES ('201', 'Desk', '', 0, 'ha1'), ('202', 'Old', 'pbkdf2', 0, '');");
  auto store = open_sqlite_store(path_);
  EXPECT_TRUE(store->get_extension("201")->keypad_sip_password);
  EXPECT_EQ(store->get_extension("201")->digest_ha1, "ha1");
  EXPECT_FALSE(store->get_extension("202")->keypad_sip_password);
  EXPECT_EQ(store->get_extension("202")->pin_hash, "pbkdf2");
}

TEST_F(Migration8Test, AuditRowsJoinTheStoresBatch) {
  auto store = open_sqlite_store(path_);
  AuditEntry e;
  e.at_ms = 1234;
  e.actor = "phone:201";
  e.source = "+15550100";
  e.action = "create";
  e.entity = "authorized-phone";
  e.entity_id = "7";
  e.new_value = R"({"caller_address":"+15550111"})";
  {
    auto batch = store->begin_batch();
    ASSERT_TRUE(batch);
    store->append_audit(e);
    // Dropped with the batch: a change that is not kept leaves no audit row.
  }
  auto audit = open_sqlite_audit_log(path_);
  EXPECT_EQ(audit->list({}).total, 0);
  {
    auto batch = store->begin_batch();
    store->append_audit(e);
    batch->commit();
  }
  const auto page = audit->list({});
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].actor, "phone:201");
  EXPECT_EQ(page.items[0].source, "+15550100");
  EXPECT_EQ(page.items[0].entity_id, "7");
  EXPECT_FALSE(page.items[0].old_value);
  EXPECT_EQ(page.items[0].new_value, e.new_value);
}

}  // namespace
}  // namespace callbackd::store
