// New calls are refused with 503 when the core is overloaded: too many legs, the store worker behind, or the
// control loop late. Calls in progress go on, and the guard lifts by itself.
#include <gtest/gtest.h>

#include "unit/pbx/call_flow.hpp"

namespace callbackd::pbx {
namespace {

using namespace std::chrono_literals;
using testing::CallFlow;
using testing::kTrusted;

int last_reject(const testing::FakeSignalling& sip, LegId leg) {
  for (const auto& op : sip.all("reject")) {
    if (op.leg == leg) return op.status;
  }
  return 0;
}

TEST_F(CallFlow, CallBeyondMaxCallsGets503AndTheNextOneAfterAHangUpComesIn) {
  settings.max_calls = 2;
  settings.lines[0].channels = 4;
  start();
  invite_from_gateway(1, "+12015559001");
  invite_from_gateway(2, "+12015559002");
  invite_from_gateway(3, "+12015559003");
  EXPECT_EQ(sip.all("ring").size(), 2u);
  EXPECT_EQ(last_reject(sip, 3), 503);
  loop.run_posted();
  EXPECT_TRUE(store->list_call_records(10).empty()) << "an overload 503 must cost no disk write";
  manager->on_ended(1);
  invite_from_gateway(4, "+12015559004");
  EXPECT_EQ(sip.all("ring").size(), 3u) << "the guard must lift when a call ends";
}

TEST_F(CallFlow, LateControlLoopRefusesNewCallsForAWhileButKeepsTheTriggerInProgress) {
  settings.lines[0].channels = 4;
  start();
  trust(kTrusted);
  invite_from_gateway(1, kTrusted);
  loop.advance(150ms);
  clock.advance(800ms);  // a handler held the loop: the lag probe fires 800 ms late
  loop.advance(100ms);
  invite_from_gateway(2, "+12015559002");
  EXPECT_EQ(last_reject(sip, 2), 503);
  manager->on_cancel(1);  // the call already in progress is still a trigger
  manager->on_ended(1);
  loop.run_posted();
  EXPECT_EQ(jobs().size(), 1u);
  loop.advance(5'000ms);
  invite_from_gateway(3, "+12015559003");
  EXPECT_EQ(last_reject(sip, 3), 0) << "the guard must lift once the loop keeps time again";
}

TEST_F(CallFlow, StoreFarBehindRefusesNewCalls) {
  start();
  port->hold = true;  // the disk stalls: every store call waits
  for (int i = 0; i < 5000; ++i) {
    port->run([](store::Store&) {}, [](const store::StoreOutcome<std::monostate>&) {});
  }
  invite_from_gateway(1, "+12015559001");
  EXPECT_EQ(last_reject(sip, 1), 503);
  port->hold = false;
  port->release();
  loop.run_posted();
  invite_from_gateway(2, "+12015559002");
  EXPECT_EQ(last_reject(sip, 2), 0);
}

}  // namespace
}  // namespace callbackd::pbx
