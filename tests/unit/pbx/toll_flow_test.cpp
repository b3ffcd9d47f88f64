// The toll-fraud policy on the whole callback flow: a refused destination gets no INVITE, its job fails with
// the reason and is never retried, and the call record says so.
#include <gtest/gtest.h>

#include "unit/pbx/call_flow.hpp"

namespace callbackd::pbx {
namespace {

using namespace std::chrono_literals;
using testing::CallFlow;
using testing::kTrusted;

class TollFlow : public CallFlow {
 protected:
  void trust_with(const std::string& destination) {
    store::AuthorizedPhone p;
    p.caller_address = kTrusted;
    p.callback_enabled = true;
    p.callback_delay_s = 1;
    p.callback_destination = destination;
    store->create_phone(p);
  }
  // A trigger, then long enough for the delay and every retry the settings would allow.
  store::CallbackJob trigger_and_wait() {
    ring_once(1);
    loop.advance(600'000ms);
    loop.run_posted();
    return only_job();
  }
  std::vector<store::CallRecord> outbound_records() {
    std::vector<store::CallRecord> out;
    for (auto& r : store->list_call_records(100)) {
      if (r.direction == "outbound") out.push_back(r);
    }
    return out;
  }
};

TEST_F(TollFlow, PremiumDestinationIsNeverDialedNorRetried) {
  settings.callback.max_attempts = 3;
  start();
  trust_with("+19005550199");
  const auto job = trigger_and_wait();
  EXPECT_EQ(invites(), 0u) << "an INVITE to a premium-rate number went out";
  EXPECT_EQ(job.state, store::JobState::Failed);
  EXPECT_EQ(job.last_result, "refused: premium-rate");
  EXPECT_EQ(job.attempts, 1);
  const auto records = outbound_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].job_id, job.id);
  EXPECT_EQ(records[0].callee, "+19005550199");
  EXPECT_EQ(records[0].result, "refused: premium-rate");
}

TEST_F(TollFlow, InternationalAccessPrefixIsRefused) {
  start();
  trust_with("011442071234567");
  const auto job = trigger_and_wait();
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(job.last_result, "refused: international");
}

TEST_F(TollFlow, SipUriToTheLinesGatewayIsJudgedAsANumber) {
  start();
  trust_with("sip:+18095550199@127.0.0.1:5070");
  const auto job = trigger_and_wait();
  EXPECT_EQ(invites(), 0u) << "the gateway would have dialled the Dominican Republic";
  EXPECT_EQ(job.last_result, "refused: international");
}

TEST_F(TollFlow, AllowPatternOpensOnePrefix) {
  settings.policy.allow = {"+4420*"};
  start();
  trust_with("011442071234567");
  trigger_and_wait();
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, "sip:+442071234567@127.0.0.1:5070") << "normalised, not as stored";
}

TEST_F(TollFlow, TheLinesCountryDecides) {
  settings.lines[0].country = "GB";
  start();
  trust_with("+442071234567");
  trigger_and_wait();
  EXPECT_EQ(invites(), 1u) << "+44 is domestic on a GB line";
}

TEST_F(TollFlow, ReloadedDenyPatternAppliesToTheNextCall) {
  start();
  callback::PolicySettings policy;
  policy.deny = {"+1201555*"};
  manager->reload(settings.lines, settings.callback, policy);
  trust_with("");  // the caller's own number
  const auto job = trigger_and_wait();
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(job.last_result, "refused: denied-by-pattern");
}

TEST_F(TollFlow, DomesticCallbackIsDialed) {
  start();
  trust_with("+12015550123");
  trigger_and_wait();
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, "sip:+12015550123@127.0.0.1:5070");
}

}  // namespace
}  // namespace callbackd::pbx
