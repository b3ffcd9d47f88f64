// Call Relay under the toll-fraud policy, as whole calls through the call core: what the line is sent for the
// keys a caller presses (the normalised number, the line's own prefixes and format), and the caps on
// relayed calls per caller and per line.
#include <algorithm>

#include "unit/pbx/relay_flow.hpp"

namespace callbackd::pbx::testing {
namespace {

class RelayPolicyFlow : public RelayFlow {
 protected:
  // A relayed call that was placed and ends unanswered, the caller back at the relay prompt.
  void relay_and_end(LegId caller, const std::string& keys) {
    press(caller, keys);
    manager->on_failed(relay_invites().back().leg, 486, "Busy Here");
    manager->on_ended(relay_invites().back().leg);
    loop.run_posted();
    heard();
  }
  // Another trusted caller's callback, answered, at the relay prompt with extension 201 logged in.
  LegId answered_second_callback() {
    store::AuthorizedPhone p;
    p.caller_address = "+12015559876";
    p.callback_enabled = true;
    p.callback_delay_s = 1;
    p.login_extension = "201";
    p.auto_call_relay = true;
    store->create_phone(p);
    invite_from_gateway(7, "+12015559876");
    loop.advance(std::chrono::milliseconds(800));
    manager->on_cancel(7);
    manager->on_ended(7);
    loop.run_posted();
    loop.advance(std::chrono::milliseconds(1000));
    const LegId out = sip.all("invite").back().leg;
    manager->on_answered(out, kOffer);
    loop.run_posted();
    return out;
  }
};

TEST_F(RelayPolicyFlow, TheLineIsSentTheNormalisedNumberNeverTheKeys) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  relay_and_end(caller, "12015550123#");
  EXPECT_EQ(relay_invites().back().text, "sip:+12015550123@127.0.0.1:5070") << "trunk prefix dropped";
  relay_and_end(caller, "2015550123#");
  EXPECT_EQ(relay_invites().back().text, "sip:+12015550123@127.0.0.1:5070");
  press(caller, "2015550123#9005550199#");
  EXPECT_EQ(relay_invites().back().text, "sip:+12015550123@127.0.0.1:5070") << "'#' ended the number";
  EXPECT_EQ(relay_invites().size(), 3u);
}

TEST_F(RelayPolicyFlow, ALinesOutsidePrefixIsStrippedAndItsNationalFormatSent) {
  settings.lines[0].strip_prefixes = {"9"};
  settings.lines[0].dial_format = callback::DialFormat::National;
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  relay_and_end(caller, "912015550123#");
  EXPECT_EQ(relay_invites().back().text, "sip:2015550123@127.0.0.1:5070");
  press(caller, "9011442071234567#");
  EXPECT_EQ(relay_invites().size(), 1u) << "international behind the prefix: refused";
}

TEST_F(RelayPolicyFlow, AnInternationalNumberLeavesOnTheLineOpenedAbroad) {
  Line trunk = settings.lines[0];
  trunk.name = "trunk";
  trunk.gateway = {"127.0.0.1", 5080};
  trunk.allow_international = true;
  settings.lines.push_back(trunk);
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  relay_and_end(caller, "011442071234567#");
  EXPECT_EQ(relay_invites().back().text, "sip:+442071234567@127.0.0.1:5080") << "not on the closed fxo1";
  relay_and_end(caller, "2125550199#");
  EXPECT_EQ(relay_invites().back().text, "sip:+12125550199@127.0.0.1:5070") << "domestic: the first line";
}

TEST_F(RelayPolicyFlow, TheCallersHourlyCapRefusesTheNextRelayedCall) {
  settings.policy.max_relay_calls_per_hour = 2;
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  relay_and_end(caller, "2015550123#");
  relay_and_end(caller, "2015550124#");
  press(caller, "2015550125#");
  EXPECT_EQ(relay_invites().size(), 2u) << "the third in the hour places no call";
  EXPECT_FALSE(hung_up(caller)) << "the caller hears the refusal and may still call an extension";
}

TEST_F(RelayPolicyFlow, ALinesRelayCapKeepsChannelsForCallbacks) {
  settings.lines[0].channels = 4;
  settings.lines[0].max_relay_calls = 1;
  settings.policy.max_relay_calls_per_caller = 2;
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, "2015550123#");
  ASSERT_EQ(relay_invites().size(), 1u);
  manager->on_answered(relay_invites()[0].leg, kOffer);
  loop.run_posted();
  EXPECT_EQ(manager->lines().in_use("fxo1"), 2) << "the callback and the relayed call";
  // A second trusted caller at the relay prompt: a channel is free, but the line carries its one relay.
  const LegId second = answered_second_callback();
  press(second, "2015550124#");
  const auto to_second = [this] {
    const auto all = sip.all("invite");
    return std::count_if(all.begin(), all.end(),
                         [](const SignalOp& op) { return op.text == "sip:+12015550124@127.0.0.1:5070"; });
  };
  EXPECT_EQ(to_second(), 0) << "no INVITE beyond the line's max_relay_calls";
  EXPECT_EQ(manager->lines().in_use("fxo1"), 3) << "the fourth channel stays for callbacks";
}

}  // namespace
}  // namespace callbackd::pbx::testing
