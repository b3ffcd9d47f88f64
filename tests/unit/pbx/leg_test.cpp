#include "pbx/leg.hpp"

#include <gtest/gtest.h>

namespace callbackd::pbx {
namespace {

TEST(LegStateMachine, InboundMoves) {
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Offered, LegEvent::CallerCancel), LegState::Cancelled);
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Offered, LegEvent::Answer), LegState::Answered);
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Answered, LegEvent::CallerCancel), LegState::Cancelled);
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Cancelled, LegEvent::Answer), std::nullopt);
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Rejected, LegEvent::Answer), std::nullopt);
  EXPECT_EQ(next_state(LegKind::Inbound, LegState::Offered, LegEvent::Ringing), std::nullopt);
}

TEST(LegStateMachine, CallbackMoves) {
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Dialing, LegEvent::Trying), LegState::Proceeding);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Proceeding, LegEvent::Ringing), LegState::Alerting);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Alerting, LegEvent::Trying), LegState::Alerting);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Alerting, LegEvent::RingTimeout), LegState::Cancelling);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Cancelling, LegEvent::Answer), LegState::Answered);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Answered, LegEvent::Failure), std::nullopt);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Failed, LegEvent::Answer), std::nullopt);
  EXPECT_EQ(next_state(LegKind::Callback, LegState::Dialing, LegEvent::CallerCancel), std::nullopt);
}

TEST(LegStateMachine, EveryStateButEndedEndsWithTheDialog) {
  for (int s = 0; s <= static_cast<int>(LegState::Ended); ++s) {
    const auto state = static_cast<LegState>(s);
    const auto next = next_state(LegKind::Callback, state, LegEvent::DialogEnded);
    if (state == LegState::Ended) {
      EXPECT_EQ(next, std::nullopt);
    } else {
      EXPECT_EQ(next, LegState::Ended) << to_string(state);
    }
  }
}

TEST(LegStateMachine, IllegalMoveIsRefusedAndLeavesTheState) {
  struct NoLoop final : Loop {
    void post(std::function<void()>) override {}
    TimerId start_timer(std::chrono::milliseconds, std::function<void()>) override { return 1; }
    void cancel_timer(TimerId) override {}
  } loop;
  Leg leg(loop, 7, LegKind::Callback, LegState::Failed);
  EXPECT_FALSE(transition(leg, LegEvent::Answer));
  EXPECT_EQ(leg.state, LegState::Failed);
  EXPECT_TRUE(transition(leg, LegEvent::DialogEnded));
  EXPECT_EQ(leg.state, LegState::Ended);
}

TEST(LegCause, FirstDecisionWinsAndIsDescribedOnce) {
  struct NoLoop final : Loop {
    void post(std::function<void()>) override {}
    TimerId start_timer(std::chrono::milliseconds, std::function<void()>) override { return 1; }
    void cancel_timer(TimerId) override {}
  } loop;
  Leg leg(loop, 1, LegKind::Callback, LegState::Dialing);
  decide(leg, {EndKind::NoResponse, 0, "sip:a@b"});
  decide(leg, cause_of_failure(487, "Request Terminated"));
  EXPECT_EQ(describe(*leg.cause), "failed: no response from sip:a@b");
  EXPECT_EQ(describe(cause_of_failure(486, "Busy Here")), "busy");
  EXPECT_EQ(describe(cause_of_failure(480, "x")), "no-answer");
  EXPECT_EQ(describe(cause_of_failure(503, "Service Unavailable")), "failed: 503 Service Unavailable");
  EXPECT_EQ(describe({EndKind::Rejected, 603, "Decline"}, LegKind::Inbound), "rejected: 603 Decline");
}

}  // namespace
}  // namespace callbackd::pbx
