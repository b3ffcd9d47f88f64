// ApplyRemote's store half (pbx/remote.hpp): each outcome of *6 and *5 on a real SQLite file, the entry and
// audit row it writes, and the callback job it leaves (or records as failed).
#include "pbx/remote.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/audit.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::pbx {
namespace {

using ivr::RemoteKind;
using ivr::RemoteOutcome;

constexpr const char* kCaller = "+12015551001";

class RemoteTest : public ::testing::Test {
 protected:
  RemoteTest() {
    store->create_extension({"201", "Desk", "", false, "ha1", false});
    store->create_extension({"202", "Boss", "", false, "ha1", true});
    store::AuthorizedPhone own;
    own.caller_address = kCaller;
    own.login_extension = "201";
    own.callback_enabled = true;
    own_id = store->create_phone(own).id;
  }
  RemoteWork work(RemoteKind kind) const {
    RemoteWork w;
    w.kind = kind;
    w.extension = "201";
    w.caller = kCaller;
    w.caller_entry = own_id;
    w.line = "fxo1";
    w.now_ms = 1'000'000;
    return w;
  }
  std::vector<store::AuditEntry> audit_rows() { return audit->list({}).items; }

  callbackd::testing::TempDir dir;
  std::string path = dir.file("callbackd.db");
  std::unique_ptr<store::Store> store = store::open_sqlite_store(path);
  std::unique_ptr<store::AuditLog> audit = store::open_sqlite_audit_log(path);
  std::int64_t own_id = 0;
};

TEST_F(RemoteTest, AddEntryCreatesATrustedCallerWithItsAuditRowAndNoCallbackForAnotherPhone) {
  RemoteWork w = work(RemoteKind::AddEntry);
  w.entry_number = "+12015552002";
  w.destination = "+12015553003";
  w.job_destination = "+12015553003";
  const auto out = apply_remote_work(*store, w);
  EXPECT_EQ(out.outcome, RemoteOutcome::SavedNoCallback) << "the calling phone is not +12015552002";
  EXPECT_FALSE(out.job);
  const auto phones = store->list_phones();
  ASSERT_EQ(phones.size(), 2u);
  const auto& added = phones[1];
  EXPECT_EQ(added.caller_address, "+12015552002");
  EXPECT_EQ(added.caller_type, store::CallerType::Pstn);
  EXPECT_EQ(added.login_extension, "201");
  EXPECT_TRUE(added.callback_enabled);
  EXPECT_EQ(added.callback_type, store::CallbackType::Pstn);
  EXPECT_EQ(added.callback_destination, "+12015553003");
  EXPECT_TRUE(store->list_jobs(10).empty());
  const auto rows = audit_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].actor, "phone:201");
  EXPECT_EQ(rows[0].source, kCaller);
  EXPECT_EQ(rows[0].action, "create");
  EXPECT_EQ(rows[0].entity, "authorized-phone");
  EXPECT_EQ(rows[0].entity_id, std::to_string(added.id));
  EXPECT_FALSE(rows[0].old_value);
  EXPECT_EQ(nlohmann::json::parse(*rows[0].new_value).at("callback_destination"), "+12015553003");
  EXPECT_EQ(rows[0].at_ms, 1'000'000);
}

TEST_F(RemoteTest, AddEntryOfAnExistingNumberWritesNothing) {
  RemoteWork w = work(RemoteKind::AddEntry);
  w.entry_number = kCaller;
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::EntryExists);
  EXPECT_EQ(store->list_phones().size(), 1u);
  EXPECT_TRUE(audit_rows().empty());
}

TEST_F(RemoteTest, ChangeOwnDestinationSchedulesTheCallback) {
  RemoteWork w = work(RemoteKind::ChangeDestination);
  w.destination = "+12015553003";
  w.job_destination = "+12015553003";
  const auto out = apply_remote_work(*store, w);
  ASSERT_EQ(out.outcome, RemoteOutcome::Scheduled);
  ASSERT_TRUE(out.job);
  EXPECT_EQ(store->get_phone(own_id)->callback_destination, "+12015553003");
  const auto job = store->get_job(out.job->id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, store::JobState::Pending);
  EXPECT_EQ(job->destination, "+12015553003");
  EXPECT_EQ(job->authorized_phone_id, own_id);
  EXPECT_EQ(job->caller, kCaller);
  EXPECT_EQ(job->line, "fxo1");
  EXPECT_FALSE(job->one_time);
  EXPECT_EQ(job->due_at, 1000 + kRemoteDelayS);
  const auto rows = audit_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].action, "replace");
  EXPECT_EQ(nlohmann::json::parse(*rows[0].old_value).at("callback_destination"), "");
  EXPECT_EQ(nlohmann::json::parse(*rows[0].new_value).at("callback_destination"), "+12015553003");
}

TEST_F(RemoteTest, ChangeDestinationNeedsAnEntryTheExtensionMayChange) {
  RemoteWork w = work(RemoteKind::ChangeDestination);
  w.entry_number = "+12015559999";
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::NoEntry) << "no such entry";
  w.entry_number = "";
  w.caller_entry.reset();
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::NoEntry) << "the caller has none";
  store::AuthorizedPhone other;
  other.caller_address = "+12015552002";
  other.login_extension = "203";
  store->create_phone(other);
  w.entry_number = "+12015552002";
  w.destination = "+12015553003";
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::NoEntry) << "201 is not its login";
  EXPECT_TRUE(audit_rows().empty());
  w.extension = "202";  // remote_callback
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::SavedNoCallback);
  EXPECT_EQ(audit_rows().size(), 1u);
}

TEST_F(RemoteTest, OneTimeWritesNoEntryAndAOneTimeJob) {
  RemoteWork w = work(RemoteKind::OneTime);
  w.destination = "+12015553003";
  w.job_destination = "+12015553003";
  const auto out = apply_remote_work(*store, w);
  ASSERT_EQ(out.outcome, RemoteOutcome::Scheduled);
  const auto job = store->get_job(out.job->id);
  EXPECT_TRUE(job->one_time);
  EXPECT_EQ(job->state, store::JobState::Pending);
  EXPECT_FALSE(job->authorized_phone_id) << "whoever answers is not logged in by the caller's entry";
  EXPECT_EQ(store->list_phones().size(), 1u);
  EXPECT_EQ(store->get_phone(own_id)->callback_destination, "");
  EXPECT_TRUE(audit_rows().empty());
}

TEST_F(RemoteTest, OneTimeFromAnotherCallerIdIsRecordedAsFailed) {
  RemoteWork w = work(RemoteKind::OneTime);
  w.caller = "+12015557777";
  w.job_destination = "+12015553003";
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::SavedNoCallback);
  const auto jobs = store->list_jobs(10);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, store::JobState::Failed);
  EXPECT_EQ(jobs[0].last_result, "failed: caller ID does not match");
  EXPECT_TRUE(jobs[0].one_time);
}

TEST_F(RemoteTest, NoLineUpSavesTheEntryAndRecordsTheJobAsFailed) {
  RemoteWork w = work(RemoteKind::ChangeDestination);
  w.job_destination = kCaller;
  w.line_up = false;
  EXPECT_EQ(apply_remote_work(*store, w).outcome, RemoteOutcome::NoLine);
  const auto jobs = store->list_jobs(10);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, store::JobState::Failed);
  EXPECT_EQ(jobs[0].last_result, "failed: no line");
  EXPECT_EQ(audit_rows().size(), 1u) << "the change itself is kept";
}

}  // namespace
}  // namespace callbackd::pbx
