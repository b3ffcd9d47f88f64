// The toll-fraud caps through the call core: callbacks per trusted caller number per hour and per day
// (counted in the store), and callbacks dialing at once.
#include <gtest/gtest.h>

#include "unit/pbx/call_flow.hpp"

namespace callbackd::pbx {
namespace {

using namespace std::chrono_literals;
using testing::CallFlow;
using testing::kTrusted;

class CapFlow : public CallFlow {
 protected:
  CapFlow() {
    settings.callback.min_interval_s = 0;
    settings.lines[0].channels = 3;
  }
  // A ring-once whose job an admin then cancels, so the open-job rule does not hide the caps.
  void trigger_and_cancel(LegId leg) {
    ring_once(leg, 300ms);
    const auto newest = jobs().front();
    ASSERT_TRUE(store->transition_job(newest.id, store::JobState::Pending, store::JobState::Cancelled, "x"));
  }
  void ring_once_from(LegId leg, const std::string& caller) {
    invite_from_gateway(leg, caller);
    loop.advance(300ms);
    manager->on_cancel(leg);
    manager->on_ended(leg);
    loop.run_posted();
  }
};

TEST_F(CapFlow, TriggerBeyondMaxPerHourMakesNoJobAndTheRecordSaysRateLimit) {
  settings.callback.max_per_hour = 2;
  start();
  trust(kTrusted, 60);
  trigger_and_cancel(1);
  trigger_and_cancel(2);
  ring_once(3, 300ms);
  EXPECT_EQ(jobs().size(), 2u) << "a third callback within the hour";
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].result, "cancelled: reject-rate-limit");  // newest first
}

TEST_F(CapFlow, MaxPerHourCountsOnlyTheLastHour) {
  settings.callback.max_per_hour = 1;
  start();
  trust(kTrusted, 60);
  trigger_and_cancel(1);
  loop.advance(3601s);
  ring_once(2, 300ms);
  EXPECT_EQ(jobs().size(), 2u) << "a job older than an hour still counted against max_per_hour";
}

TEST_F(CapFlow, TriggerBeyondMaxPerDayIsRefusedHoursLater) {
  settings.callback.max_per_hour = 0;  // no hourly cap
  settings.callback.max_per_day = 1;
  start();
  trust(kTrusted, 60);
  trigger_and_cancel(1);
  loop.advance(5h);
  ring_once(2, 300ms);
  EXPECT_EQ(jobs().size(), 1u) << "a second callback within the day";
  EXPECT_EQ(store->list_call_records(10)[0].result, "cancelled: reject-rate-limit");
}

TEST_F(CapFlow, CallbackBeyondMaxConcurrentWaitsPendingAndIsDialedWhenOneEnds) {
  settings.callback.max_concurrent = 1;
  start();
  trust(kTrusted, 1);
  trust("+12015551002", 1);
  ring_once_from(1, kTrusted);
  ring_once_from(2, "+12015551002");
  loop.advance(1100ms);
  ASSERT_EQ(invites(), 1u) << "two callbacks dialing with max_concurrent = 1";
  loop.advance(10s);
  EXPECT_EQ(invites(), 1u);
  const auto waiting = jobs();
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting[0].state, store::JobState::Pending) << "the waiting job must stay pending, not fail";
  EXPECT_EQ(waiting[0].attempts, 0) << "waiting must cost no attempt";
  const LegId out = sip.all("invite")[0].leg;
  manager->on_failed(out, 486, "Busy Here");
  manager->on_ended(out);
  loop.run_posted();
  loop.advance(1100ms);
  EXPECT_EQ(invites(), 2u) << "the waiting callback was not dialed once the first ended";
}

}  // namespace
}  // namespace callbackd::pbx
