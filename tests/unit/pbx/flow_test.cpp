// Whole flows through the call core, in process: fake signalling, media, loop and clock; a real SQLite file.
// Each test names one behaviour and fails when it is broken.
#include <gtest/gtest.h>

#include "unit/pbx/call_flow.hpp"

namespace callbackd::pbx {
namespace {

using namespace std::chrono_literals;
using testing::CallFlow;
using testing::kCallbackUri;
using testing::kOffer;
using testing::kTrusted;

TEST_F(CallFlow, RingOnceTriggerCallsBackAfterTheEntrysDelay) {
  start();
  trust(kTrusted, 3);
  ring_once(1);
  const auto job = only_job();
  EXPECT_EQ(job.state, store::JobState::Pending);
  EXPECT_EQ(job.destination, kTrusted);
  EXPECT_TRUE(sip.all("answer").empty()) << "a ring-once call must never be answered";
  loop.advance(2900ms);
  EXPECT_EQ(invites(), 0u) << "dialed before the entry's 3 s delay";
  loop.advance(200ms);
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, kCallbackUri);
  EXPECT_EQ(store->get_job(job.id)->state, store::JobState::Dialing);
}

TEST_F(CallFlow, CancelOvertakingOurAnswerIsStillATrigger) {
  start();
  trust(kTrusted);
  invite_from_gateway(1, kTrusted);
  loop.advance(2000ms);  // answer_delay_s: the attendant answers...
  ASSERT_EQ(sip.all("answer").size(), 1u);
  manager->on_cancel(1);  // ...but the caller's CANCEL was already in the stack's queue
  manager->on_ended(1);
  loop.run_posted();
  EXPECT_EQ(only_job().state, store::JobState::Pending);
  EXPECT_EQ(media.open, 0) << "the attendant's RTP session must be released";
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].answered_at.has_value());
  EXPECT_EQ(records[0].result, "triggered job " + std::to_string(only_job().id));
}

TEST_F(CallFlow, CallLeftRingingIsAnsweredByTheAttendantAfterAnswerDelay) {
  start();
  trust(kTrusted);
  invite_from_gateway(1, kTrusted);
  EXPECT_EQ(sip.all("ring").size(), 1u);
  loop.advance(1999ms);
  EXPECT_TRUE(sip.all("answer").empty()) << "answered before answer_delay_s";
  loop.advance(1ms);
  ASSERT_EQ(sip.all("answer").size(), 1u);
  EXPECT_NE(sip.all("answer")[0].text.find("m=audio"), std::string::npos);
  EXPECT_EQ(media.played.size(), 1u) << "the welcome prompt";
  EXPECT_TRUE(jobs().empty()) << "an answered call makes no callback";
}

TEST_F(CallFlow, CallWithoutSdpIsRefusedWith488WhenAnswered) {
  start();
  invite_from_gateway(1, "+12015559999", false);
  loop.advance(2000ms);
  ASSERT_EQ(sip.all("reject").size(), 1u);
  EXPECT_EQ(sip.all("reject")[0].status, 488);
}

TEST_F(CallFlow, RingTimeoutWithoutAnyResponseIsNoResponse) {
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  ASSERT_EQ(invites(), 1u);
  const LegId out = sip.all("invite")[0].leg;
  loop.advance(5000ms);  // ring_timeout_s with not even a 100 Trying
  ASSERT_EQ(sip.all("hangup").size(), 1u);
  manager->on_failed(out, 408, "Request Timeout");
  manager->on_ended(out);
  const auto job = only_job();
  EXPECT_EQ(job.state, store::JobState::Failed);
  EXPECT_EQ(job.last_result, std::string("failed: no response from ") + kCallbackUri);
}

TEST_F(CallFlow, RingTimeoutAfterRingingIsNoAnswer) {
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  const LegId out = sip.all("invite")[0].leg;
  manager->on_progress(out, 180, "");
  loop.advance(5000ms);
  ASSERT_EQ(sip.all("hangup").size(), 1u);
  manager->on_failed(out, 487, "Request Terminated");
  manager->on_ended(out);
  EXPECT_EQ(only_job().last_result, "no-answer");
  EXPECT_EQ(only_job().state, store::JobState::Failed);
}

TEST_F(CallFlow, BusyCalleeFailsTheJobAsBusyAndRetriesWhenAllowed) {
  settings.callback.max_attempts = 2;
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  const LegId out = sip.all("invite")[0].leg;
  manager->on_failed(out, 486, "Busy Here");
  manager->on_ended(out);
  EXPECT_EQ(only_job().state, store::JobState::Pending);
  EXPECT_EQ(only_job().last_result, "busy");
  loop.advance(59'000ms);
  EXPECT_EQ(invites(), 1u) << "retried before retry_delay_s";
  loop.advance(1'000ms);
  ASSERT_EQ(invites(), 2u);
  const LegId second = sip.all("invite")[1].leg;
  manager->on_failed(second, 486, "Busy Here");
  manager->on_ended(second);
  EXPECT_EQ(only_job().state, store::JobState::Failed);
  EXPECT_EQ(only_job().attempts, 2);
}

TEST_F(CallFlow, RefusalByTheFarEndIsNeverRetried) {
  settings.callback.max_attempts = 3;
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  const LegId out = sip.all("invite")[0].leg;
  manager->on_failed(out, 404, "Not Found");
  manager->on_ended(out);
  loop.run_posted();
  EXPECT_EQ(only_job().state, store::JobState::Failed) << "a 404 would fail the same way again";
  EXPECT_EQ(only_job().last_result, "failed: 404 Not Found");
  loop.advance(600'000ms);
  EXPECT_EQ(invites(), 1u);
}

TEST_F(CallFlow, ServerErrorIsRetriedWithBackoff) {
  settings.callback.max_attempts = 3;
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  manager->on_failed(sip.all("invite")[0].leg, 503, "Service Unavailable");
  manager->on_ended(sip.all("invite")[0].leg);
  loop.advance(59'000ms);
  EXPECT_EQ(invites(), 1u) << "retried before retry_delay_s";
  loop.advance(1'000ms);
  ASSERT_EQ(invites(), 2u) << "first retry after retry_delay_s (60 s)";
  manager->on_failed(sip.all("invite")[1].leg, 500, "Server Internal Error");
  manager->on_ended(sip.all("invite")[1].leg);
  loop.advance(119'000ms);
  EXPECT_EQ(invites(), 2u) << "the second retry must wait twice as long";
  loop.advance(1'000ms);
  ASSERT_EQ(invites(), 3u);
  manager->on_failed(sip.all("invite")[2].leg, 503, "Service Unavailable");
  manager->on_ended(sip.all("invite")[2].leg);
  loop.run_posted();
  EXPECT_EQ(only_job().state, store::JobState::Failed);
  EXPECT_EQ(only_job().attempts, 3);
}

TEST_F(CallFlow, AnsweredCallbackEndsTheJobAndStartsTheAttendant) {
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  const LegId out = sip.all("invite")[0].leg;
  manager->on_progress(out, 180, "");
  manager->on_answered(out, kOffer);
  EXPECT_EQ(only_job().state, store::JobState::Answered);
  EXPECT_EQ(only_job().last_result, "answered");
  loop.run_posted();  // the caller's entry comes from the store before the greeting
  EXPECT_EQ(media.played.size(), 1u);
  loop.advance(6000ms);
  EXPECT_TRUE(sip.all("hangup").empty()) << "the ring timer must stop at the answer";
}

TEST_F(CallFlow, EveryLineBusyWaitsThenDialsWhenOneFrees) {
  start();
  trust(kTrusted);
  ring_once(1);
  invite_from_gateway(2, "+12015552000");  // the line's only channel: answered by the attendant
  loop.advance(2000ms);
  ASSERT_EQ(sip.all("answer").size(), 1u);
  loop.advance(5000ms);
  EXPECT_EQ(invites(), 0u) << "dialed through a busy line";
  EXPECT_EQ(only_job().attempts, 0) << "waiting for a line must not spend an attempt";
  manager->on_ended(2);  // that call hangs up
  loop.advance(1000ms);
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, kCallbackUri);
}

TEST_F(CallFlow, JobTheStoreRefusedIsStoredWhenItIsBackAndDialed) {
  start();
  trust(kTrusted);
  store->refuse_writes = true;
  ring_once(1);
  EXPECT_TRUE(jobs().empty());
  EXPECT_EQ(manager->jobs().unsaved(), 1u);
  loop.advance(2000ms);  // still refused at the first retry
  EXPECT_TRUE(jobs().empty());
  store->refuse_writes = false;
  loop.advance(2000ms);
  EXPECT_EQ(only_job().caller, kTrusted);
  EXPECT_EQ(manager->jobs().unsaved(), 0u);
  loop.advance(1000ms);
  EXPECT_EQ(invites(), 1u);
}

TEST_F(CallFlow, JobTheStoreRefusedToClaimIsDialedWhenItIsBack) {
  start();
  trust(kTrusted);
  ring_once(1);
  store->refuse_writes = true;  // the database is locked when the job falls due
  loop.advance(3000ms);
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(only_job().state, store::JobState::Pending);
  store->refuse_writes = false;
  loop.advance(2000ms);
  EXPECT_EQ(invites(), 1u) << "a claim the store refused must be made again, not forgotten until a restart";
}

TEST_F(CallFlow, RetryTheStoreRefusedIsStoredWhenItIsBack) {
  settings.callback.max_attempts = 2;
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  store->refuse_writes = true;
  manager->on_failed(sip.all("invite")[0].leg, 486, "Busy Here");
  manager->on_ended(sip.all("invite")[0].leg);
  loop.advance(2000ms);
  EXPECT_EQ(only_job().state, store::JobState::Dialing) << "the store took nothing yet";
  store->refuse_writes = false;
  loop.advance(2000ms);
  EXPECT_EQ(only_job().state, store::JobState::Pending);
  loop.advance(60'000ms);
  EXPECT_EQ(invites(), 2u) << "the retry must go out once the store took it";
}

TEST_F(CallFlow, ShutdownWhileDialingPutsTheJobBackToPending) {
  settings.callback.max_attempts = 1;
  start();
  trust(kTrusted);
  ring_once(1);
  loop.advance(1000ms);
  const LegId out = sip.all("invite")[0].leg;
  manager->on_progress(out, 180, "");
  manager->shutdown();
  ASSERT_EQ(sip.all("hangup").size(), 1u);
  manager->on_failed(out, 487, "Request Terminated");
  manager->on_ended(out);
  const auto job = only_job();
  EXPECT_EQ(job.state, store::JobState::Pending) << "a restart must dial it again";
  EXPECT_EQ(job.last_result, "interrupted by shutdown");
  loop.advance(120'000ms);
  EXPECT_EQ(invites(), 1u) << "nothing is dialed after shutdown";
}

TEST_F(CallFlow, RestCancelBeforeTheDialIsNeverDialed) {
  start();
  trust(kTrusted, 5);
  ring_once(1);
  const auto id = only_job().id;
  ASSERT_TRUE(store->transition_job(id, store::JobState::Pending, store::JobState::Cancelled, "cancelled"));
  manager->job_cancelled(id);
  loop.advance(10'000ms);
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(manager->jobs().scheduled(), 0u);
}

TEST_F(CallFlow, RestCancelRacingTheDialLosesToTheStoresCompareAndSet) {
  start();
  trust(kTrusted, 5);
  ring_once(1);
  const auto id = only_job().id;
  // The admin's cancel is in the store, but its notice has not reached the loop when the job falls due.
  ASSERT_TRUE(store->transition_job(id, store::JobState::Pending, store::JobState::Cancelled, "cancelled"));
  loop.advance(5'000ms);
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(store->get_job(id)->state, store::JobState::Cancelled);
  EXPECT_EQ(store->get_job(id)->attempts, 0);
}

TEST_F(CallFlow, LateCancelIsOnlyAMissedCall) {
  settings.lines[0].answer_delay_s = 30;
  start();
  trust(kTrusted);
  ring_once(1, 10'001ms);  // trigger_window_s is 10: this caller let it ring too long
  EXPECT_TRUE(jobs().empty());
  ASSERT_EQ(store->list_call_records(10).size(), 1u);
  EXPECT_EQ(store->list_call_records(10)[0].result, "cancelled: reject-late-cancel");
}

TEST_F(CallFlow, StrangerIsRefusedWith403AndLeavesNoRecord) {
  start();
  sip::InviteInfo info;
  info.from_user = kTrusted;
  info.source_ip = "127.0.0.1";
  info.source_port = 5999;
  manager->on_invite(1, info);
  ASSERT_EQ(sip.all("reject").size(), 1u);
  EXPECT_EQ(sip.all("reject")[0].status, 403);
  EXPECT_TRUE(store->list_call_records(10).empty());
}

TEST_F(CallFlow, TwoTriggersWithinOneSecondAreTwoJobsWhenMinIntervalIsZero) {
  settings.callback.min_interval_s = 0;
  settings.lines[0].channels = 2;
  start();
  trust(kTrusted, 60);
  ring_once(1, 300ms);
  // The first callback is cancelled by an admin, so no job of the caller is open any more.
  ASSERT_TRUE(
      store->transition_job(only_job().id, store::JobState::Pending, store::JobState::Cancelled, "x"));
  ring_once(2, 300ms);  // 300 ms after the first: the same wall-clock second, or the next
  EXPECT_EQ(jobs().size(), 2u) << "min_interval_s = 0 must never merge triggers";
}

TEST_F(CallFlow, TriggerWhileTheCallersCallbackIsStillToComeAddsNone) {
  settings.callback.min_interval_s = 0;
  settings.lines[0].channels = 2;
  start();
  trust(kTrusted, 60);
  ring_once(1);
  ring_once(2);
  EXPECT_EQ(jobs().size(), 1u) << "two open jobs for one caller: two paid callbacks";
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].result, "cancelled: reject-open-job");  // newest first
}

TEST_F(CallFlow, SecondTriggerWithinMinIntervalIsADuplicate) {
  settings.lines[0].channels = 2;
  start();
  trust(kTrusted, 60);
  ring_once(1);
  ring_once(2);
  EXPECT_EQ(jobs().size(), 1u);
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].result == "cancelled: reject-duplicate" ||
              records[1].result == "cancelled: reject-duplicate");
}

// A slow disk delays the trigger's outcome, never the signalling: the next call is rung at once, and the
// trigger counts (a job scheduled, the record "triggered") only once its job is on disk.
TEST_F(CallFlow, SlowStoreDelaysTheTriggerButNeverTheSignalling) {
  start();
  trust(kTrusted);
  port->hold = true;
  ring_once(1);
  invite_from_gateway(2, "+12015559999");
  EXPECT_EQ(sip.all("ring").size(), 2u) << "the second call waited for the store";
  EXPECT_TRUE(jobs().empty());
  EXPECT_EQ(manager->jobs().scheduled(), 0u) << "a trigger counted before its job was stored";
  EXPECT_TRUE(store->list_call_records(10).empty()) << "the record must carry the trigger's outcome";
  loop.advance(5000ms);
  EXPECT_EQ(invites(), 0u) << "dialed a job that is not on disk";
  port->hold = false;
  port->release();
  loop.run_posted();
  const auto job = only_job();
  EXPECT_EQ(manager->jobs().scheduled(), 1u);
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result, "triggered job " + std::to_string(job.id));
  EXPECT_EQ(records[0].job_id, job.id);
  manager->on_ended(2);  // the other call frees the line's one channel
  loop.advance(1000ms);
  EXPECT_EQ(invites(), 1u);
}

}  // namespace
}  // namespace callbackd::pbx
