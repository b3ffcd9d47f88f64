// Call Relay and the phone login, as whole calls through the call core: a callback is answered, the caller
// presses keys (SIP INFO here; RTP digits take the same path), and the far leg's INVITE, the bridge, the
// lockout and the prompts are what the fakes saw.
#include "unit/pbx/relay_flow.hpp"

#include <algorithm>
#include <map>

namespace callbackd::pbx::testing {
namespace {

TEST_F(RelayFlow, LoggedInCallerDialsThroughTheLineWithTheLinesNumberAndIsBridgedOnAnswer) {
  extension("201", true);
  const LegId caller = answered_callback("201");
  press(caller, std::string("*8") + kDialled + "#");
  ASSERT_EQ(relay_invites().size(), 1u);
  EXPECT_EQ(relay_invites()[0].text, "sip:+12015550123@127.0.0.1:5070");
  EXPECT_EQ(sip.froms.back(), "sip:+12015550100@127.0.0.1:5060") << "the far end sees the line's number";
  const LegId far = relay_invites()[0].leg;
  manager->on_progress(far, 180, "");
  EXPECT_TRUE(media.bridged.empty());
  manager->on_answered(far, kOffer);
  loop.run_posted();
  ASSERT_EQ(media.bridged.size(), 2u) << "each leg hears the other";

  press(caller, "5");  // digits cross the bridge with the far leg's payload type
  ASSERT_EQ(media.dtmf_sent.size(), 1u);
  EXPECT_EQ(media.dtmf_sent[0].second, '5');

  const std::size_t prompts_before = media.played.size();
  manager->on_ended(far);  // the far end hangs up: back to the Call Relay prompt
  loop.run_posted();
  EXPECT_TRUE(media.bridged.empty());
  EXPECT_GT(media.played.size(), prompts_before);
  EXPECT_FALSE(hung_up(caller));
}

TEST_F(RelayFlow, StarStarHangsUpTheFarLegAndTheCallerCanDialAgain) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);  // auto_call_relay: straight to the relay prompt
  press(caller, std::string(kDialled) + "#");
  ASSERT_EQ(relay_invites().size(), 1u);
  const LegId far = relay_invites()[0].leg;
  manager->on_answered(far, kOffer);
  loop.run_posted();
  press(caller, "**");
  EXPECT_TRUE(hung_up(far));
  manager->on_ended(far);
  loop.run_posted();
  press(caller, "2015550124#");
  ASSERT_EQ(relay_invites().size(), 2u);
  EXPECT_EQ(relay_invites()[1].text, "sip:+12015550124@127.0.0.1:5070");
}

TEST_F(RelayFlow, TheRecordsOfACallbackAndItsRelayedCallsShareOneCallRef) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, std::string(kDialled) + "#");
  const LegId busy = relay_invites()[0].leg;
  manager->on_failed(busy, 486, "Busy Here");
  manager->on_ended(busy);
  loop.run_posted();
  heard();
  press(caller, "2015550124#");
  const LegId far = relay_invites()[1].leg;
  manager->on_answered(far, kOffer);
  manager->on_ended(far);
  manager->on_ended(caller);
  loop.run_posted();
  const auto records = store->list_call_records(10);
  ASSERT_EQ(records.size(), 4u) << "the trigger, the callback and two relayed calls";
  std::map<std::string, std::vector<std::string>> by_call;
  for (const auto& r : records) by_call[r.call_ref].push_back(r.direction + " " + r.end_cause);
  ASSERT_EQ(by_call.size(), 2u) << "the trigger is a call of its own";
  for (const auto& [ref, legs] : by_call) {
    EXPECT_FALSE(ref.empty());
    if (legs.size() == 1) {
      EXPECT_EQ(legs[0], "inbound triggered");
      continue;
    }
    std::vector<std::string> sorted = legs;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<std::string>{"outbound answered", "relay answered", "relay busy"}));
  }
}

TEST_F(RelayFlow, BusyFarEndBringsTheCallerBackAndCallerHangupCancelsARingingFarLeg) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, std::string(kDialled) + "#");
  const LegId far = relay_invites()[0].leg;
  manager->on_failed(far, 486, "Busy Here");
  loop.run_posted();
  const auto stops = media.stopped.size();
  const auto played = media.played.size();
  manager->on_ended(far);
  loop.run_posted();
  EXPECT_EQ(media.stopped.size(), stops) << "the end of a failed far leg must not cut the busy prompt";
  EXPECT_EQ(media.played.size(), played);
  EXPECT_TRUE(media.bridged.empty());
  heard();
  press(caller, "2015550124#");
  ASSERT_EQ(relay_invites().size(), 2u);
  manager->on_ended(caller);  // the caller hangs up while it rings
  EXPECT_TRUE(hung_up(relay_invites()[1].leg));
}

TEST_F(RelayFlow, PremiumAndInternationalNumbersAreRefusedWithoutAnInvite) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, "19005550199#");  // US premium rate
  heard();
  press(caller, "011442071234567#");  // international from a US line
  heard();
  press(caller, "+");  // not a key: ignored
  EXPECT_TRUE(relay_invites().empty());
  press(caller, std::string(kDialled) + "#");
  EXPECT_EQ(relay_invites().size(), 1u) << "the caller is back at the relay prompt and may dial again";
}

TEST_F(RelayFlow, AnIpDestinationOnAListedHostIsDialledStraightToTheUriWithoutALine) {
  settings.policy.relay_sip_hosts = {"127.0.0.1"};
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, "201*127*0*0*1*5090#");
  ASSERT_EQ(relay_invites().size(), 1u);
  EXPECT_EQ(relay_invites()[0].text, "sip:201@127.0.0.1:5090");
  EXPECT_EQ(sip.froms.back(), "sip:callback@127.0.0.1:5060") << "never a number the caller typed";
  EXPECT_EQ(manager->lines().in_use("fxo1"), 1) << "only the callback holds a channel";
  manager->on_answered(relay_invites()[0].leg, kOffer);
  loop.run_posted();
  EXPECT_EQ(media.bridged.size(), 2u);
}

TEST_F(RelayFlow, AnIpDestinationOnAnUnlistedHostIsRefusedWithoutAnInvite) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, "127*0*0*1#");  // loopback is not open by default
  heard();
  press(caller, "201*10*0*0*5*5060#");  // nor any other host
  heard();
  press(caller, "201*10*0*0*256#");  // no address at all
  heard();
  EXPECT_TRUE(relay_invites().empty());
  press(caller, std::string(kDialled) + "#");
  EXPECT_EQ(relay_invites().size(), 1u) << "back at the relay prompt";
}

TEST_F(RelayFlow, AnIpDestinationAtTheLinesGatewayIsAPstnCallOnTheLine) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  press(caller, "19005550199*127*0*0*1*5070#");  // premium, however it is spelled
  heard();
  EXPECT_TRUE(relay_invites().empty());
  press(caller, std::string(kDialled) + "*127*0*0*1*5070#");
  ASSERT_EQ(relay_invites().size(), 1u);
  EXPECT_EQ(relay_invites()[0].text, "sip:+12015550123@127.0.0.1:5070");
  EXPECT_EQ(sip.froms.back(), "sip:+12015550100@127.0.0.1:5060") << "the line's number";
  EXPECT_EQ(manager->lines().in_use("fxo1"), 2) << "on one of the line's channels";
}

TEST_F(RelayFlow, AnExtensionEnteredInTheMainMenuRingsEveryRegisteredPhone) {
  const LegId caller = answered_callback(std::nullopt);
  manager->locate_with([](const std::string& ext) {
    return ext == "201" ? std::vector<std::string>{"sip:201@127.0.0.1:5091", "sip:201@127.0.0.1:5092"}
                        : std::vector<std::string>{};
  });
  press(caller, "202#");  // not registered: "not available", back to the menu
  heard();
  EXPECT_TRUE(relay_invites().empty());
  press(caller, "201#");
  ASSERT_EQ(relay_invites().size(), 2u);
  EXPECT_EQ(relay_invites()[0].text, "sip:201@127.0.0.1:5091");
  EXPECT_EQ(relay_invites()[1].text, "sip:201@127.0.0.1:5092");
  EXPECT_EQ(sip.froms.back(), "sip:+12015551001@127.0.0.1:5060") << "the extension sees the verified caller";
  manager->on_answered(relay_invites()[1].leg, kOffer);
  loop.run_posted();
  EXPECT_EQ(media.bridged.size(), 2u);
  EXPECT_TRUE(hung_up(relay_invites()[0].leg)) << "the other phone stops ringing";
}

TEST_F(RelayFlow, ARegisteredExtensionDialledInCallRelayRingsThePhoneNotTheLine) {
  extension("201", true);
  const LegId caller = answered_callback("201", true);
  manager->locate_with([](const std::string& ext) {
    return ext == "202" ? std::vector<std::string>{"sip:202@127.0.0.1:5093"} : std::vector<std::string>{};
  });
  press(caller, "202#");
  ASSERT_EQ(relay_invites().size(), 1u);
  EXPECT_EQ(relay_invites()[0].text, "sip:202@127.0.0.1:5093") << "an internal call, not through the line";
  manager->on_answered(relay_invites()[0].leg, kOffer);
  loop.run_posted();
  EXPECT_EQ(media.bridged.size(), 2u);
  manager->on_ended(relay_invites()[0].leg);
  loop.run_posted();
  // Not registered: a number like any other, judged by the policy, and three digits are no number (before
  // the policy failed closed this reached the line as "sip:203@...").
  press(caller, "203#");
  EXPECT_EQ(relay_invites().size(), 1u) << "too short: no INVITE";
}

TEST_F(RelayFlow, PbxCallbackDestinationRingsTheRegisteredExtension) {
  start();
  manager->locate_with([](const std::string&) { return std::vector<std::string>{"sip:201@127.0.0.1:5091"}; });
  store::AuthorizedPhone p;
  p.caller_address = kTrusted;
  p.callback_enabled = true;
  p.callback_delay_s = 1;
  p.callback_type = store::CallbackType::Pbx;
  p.callback_destination = "201";
  store->create_phone(p);
  ring_once(1);
  loop.advance(1000ms);
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, "sip:201@127.0.0.1:5091");
}

TEST_F(RelayFlow, ACallTheAttendantAnswersIsNotLoggedInByItsCallerIdWhichAnyoneCanForge) {
  extension("201", true);
  start();
  store::AuthorizedPhone p;
  p.caller_address = kTrusted;
  p.callback_enabled = true;
  p.login_extension = "201";
  store->create_phone(p);
  invite_from_gateway(5, kTrusted);  // left ringing: the attendant answers after answer_delay_s
  loop.advance(2000ms);
  loop.run_posted();
  ASSERT_EQ(sip.all("answer").size(), 1u);
  // Logged in by the entry, *8 would take these keys as the number; here they are a login attempt, refused.
  press(5, std::string("*8") + kDialled + "#1#");
  EXPECT_EQ(invites(), 0u) << "*8 must ask for the login, not dial";
  press(5, "201#471100#");
  press(5, std::string(kDialled) + "#");
  EXPECT_EQ(invites(), 1u) << "after a login by phone the relay works";
}

TEST_F(RelayFlow, CallerWithoutLoginLogsInByPhoneThenDials) {
  extension("201", true);
  const LegId caller = answered_callback(std::nullopt);
  press(caller, "*8");
  EXPECT_TRUE(relay_invites().empty());
  press(caller, "201#471100#");
  press(caller, std::string(kDialled) + "#");
  ASSERT_EQ(relay_invites().size(), 1u);
}

TEST_F(RelayFlow, ExtensionWithoutRelayPermissionPlacesNoCall) {
  extension("202", false);
  const LegId caller = answered_callback(std::nullopt);
  press(caller, "*8202#471100#");
  press(caller, std::string(kDialled) + "#");
  EXPECT_TRUE(relay_invites().empty());
}

TEST_F(RelayFlow, FiveWrongPasswordsLockTheCallerAndTheExtensionOut) {
  extension("201", true);
  const LegId caller = answered_callback(std::nullopt);
  press(caller, "*8");
  for (int i = 0; i < 4; ++i) press(caller, "201#1234#");
  EXPECT_FALSE(hung_up(caller));
  press(caller, "201#1234#");
  loop.advance(10'000ms);  // the goodbye (its end is not reported by the fakes: the safety timer)
  EXPECT_TRUE(hung_up(caller));
  // Locked out: even the right password does not log in now, from a new call of the same caller.
  manager->on_ended(caller);
  loop.run_posted();
  loop.advance(61'000ms);  // past callback.min_interval_s: a new trigger
  ring_once(2);
  loop.advance(1'000ms);
  ASSERT_EQ(invites(), 2u);
  const LegId again = sip.all("invite").back().leg;
  manager->on_answered(again, kOffer);
  loop.run_posted();
  press(again, "*8201#471100#");
  loop.advance(10'000ms);
  EXPECT_TRUE(hung_up(again)) << "a locked-out caller is let go";
  EXPECT_EQ(invites(), 2u) << "no relayed call";
}

TEST_F(RelayFlow, UnknownExtensionIsRefusedLikeAWrongPassword) {
  extension("201", true);
  const LegId caller = answered_callback(std::nullopt);
  press(caller, "*8999#471100#");
  press(caller, std::string(kDialled) + "#");
  EXPECT_TRUE(relay_invites().empty());
}

}  // namespace
}  // namespace callbackd::pbx::testing
