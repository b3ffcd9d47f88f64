#include "callback/policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace callbackd::callback {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = Destination::Kind;

store::AuthorizedPhone entry(std::int64_t id, std::string address, bool enabled = true,
                             store::CallbackType type = store::CallbackType::Auto, std::string dest = "") {
  store::AuthorizedPhone p;
  p.id = id;
  p.caller_address = std::move(address);
  p.callback_enabled = enabled;
  p.callback_type = type;
  p.callback_destination = std::move(dest);
  return p;
}

TriggerInput trigger(std::string from_user, milliseconds ring = milliseconds(2000)) {
  TriggerInput in;
  in.caller.from_user = std::move(from_user);
  in.ring_time = ring;
  in.trigger_window = seconds(10);
  return in;
}

class ScreenTrigger : public ::testing::Test {
 protected:
  std::vector<store::AuthorizedPhone> phones{entry(1, "+15550100"), entry(2, "+1555*"),
                                             entry(3, "+1666 0100", false)};
};

TEST_F(ScreenTrigger, AcceptsExactTrustedCaller) {
  const auto d = screen_trigger(trigger("+15550100"), phones);
  EXPECT_EQ(d.verdict, Verdict::Accept);
  EXPECT_EQ(d.caller_number, "+15550100");
  ASSERT_NE(d.phone, nullptr);
  EXPECT_EQ(d.phone->id, 1);
}

TEST_F(ScreenTrigger, AcceptsWildcardEntry) {
  const auto d = screen_trigger(trigger("+15550123"), phones);
  EXPECT_EQ(d.verdict, Verdict::Accept);
  ASSERT_NE(d.phone, nullptr);
  EXPECT_EQ(d.phone->id, 2);
  EXPECT_EQ(d.phone, &phones[1]);  // points into the caller's vector
}

TEST_F(ScreenTrigger, RejectsWithheld) {
  auto in = trigger("+15550100");
  in.caller.privacy_id = true;
  const auto d = screen_trigger(in, phones);
  EXPECT_EQ(d.verdict, Verdict::RejectWithheld);
  EXPECT_EQ(d.phone, nullptr);
  EXPECT_TRUE(d.caller_number.empty());
  EXPECT_EQ(screen_trigger(trigger("anonymous"), phones).verdict, Verdict::RejectWithheld);
  EXPECT_EQ(screen_trigger(trigger(""), phones).verdict, Verdict::RejectWithheld);
}

TEST_F(ScreenTrigger, RejectsMalformed) {
  EXPECT_EQ(screen_trigger(trigger("+1555abc"), phones).verdict, Verdict::RejectMalformed);
  EXPECT_EQ(screen_trigger(trigger("+"), phones).verdict, Verdict::RejectMalformed);
  // Would match "+1555*" textually, but is too long to be a number.
  EXPECT_EQ(screen_trigger(trigger("+1555" + std::string(20, '0')), phones).verdict,
            Verdict::RejectMalformed);
}

TEST_F(ScreenTrigger, RejectsUnknown) {
  const auto d = screen_trigger(trigger("+4930123456"), phones);
  EXPECT_EQ(d.verdict, Verdict::RejectUnknown);
  EXPECT_EQ(d.phone, nullptr);
  EXPECT_EQ(d.caller_number, "+4930123456");
}

TEST_F(ScreenTrigger, RejectsDisabled) {
  const auto d = screen_trigger(trigger("+16660100"), phones);
  EXPECT_EQ(d.verdict, Verdict::RejectDisabled);
  ASSERT_NE(d.phone, nullptr);
  EXPECT_EQ(d.phone->id, 3);
}

TEST_F(ScreenTrigger, MostSpecificEntryDecidesEvenWhenDisabled) {
  // A disabled exact entry is an admin's explicit "no", not overridden by a broader enabled pattern.
  phones.push_back(entry(4, "+15550999", false));
  EXPECT_EQ(screen_trigger(trigger("+15550999"), phones).verdict, Verdict::RejectDisabled);
}

TEST_F(ScreenTrigger, RejectsCancelAfterWindow) {
  EXPECT_EQ(screen_trigger(trigger("+15550100", milliseconds(10'001)), phones).verdict,
            Verdict::RejectLateCancel);
  EXPECT_EQ(screen_trigger(trigger("+15550100", milliseconds(10'000)), phones).verdict, Verdict::Accept);
  EXPECT_EQ(screen_trigger(trigger("+15550100", milliseconds(0)), phones).verdict, Verdict::Accept);
  EXPECT_EQ(screen_trigger(trigger("+15550100", milliseconds(-1)), phones).verdict,
            Verdict::RejectLateCancel);
}

TEST_F(ScreenTrigger, AssertedIdentityIsTheOneMatched) {
  auto in = trigger("+4930123456");
  in.caller.asserted_user = "+1 555 0100";
  const auto d = screen_trigger(in, phones);
  EXPECT_EQ(d.verdict, Verdict::Accept);
  EXPECT_EQ(d.caller_number, "+15550100");
}

TEST(VerdictNames, AllDistinct) {
  EXPECT_EQ(to_string(Verdict::Accept), "accept");
  EXPECT_EQ(to_string(Verdict::RejectWithheld), "reject-withheld");
  EXPECT_EQ(to_string(Verdict::RejectMalformed), "reject-malformed");
  EXPECT_EQ(to_string(Verdict::RejectRateLimit), "reject-rate-limit");
  EXPECT_EQ(to_string(Verdict::RejectUnknown), "reject-unknown");
  EXPECT_EQ(to_string(Verdict::RejectDisabled), "reject-disabled");
  EXPECT_EQ(to_string(Verdict::RejectLateCancel), "reject-late-cancel");
  EXPECT_EQ(to_string(Verdict::RejectDuplicate), "reject-duplicate");
}

void expect_target(const ParsedDestination& t, Kind kind, const std::string& value) {
  ASSERT_TRUE(t) << t.error;
  EXPECT_EQ(t->kind(), kind);
  EXPECT_EQ(t->text(), value);
}

TEST(ResolveDestination, EmptyDestinationIsCallersOwnNumber) {
  expect_target(resolve_destination(entry(1, "+1555*"), "+15550123"), Kind::Pstn, "+15550123");
  expect_target(resolve_destination(entry(1, "+1555*", true, store::CallbackType::Pstn), "+15550123"),
                Kind::Pstn, "+15550123");
  EXPECT_FALSE(resolve_destination(entry(1, "+1555*"), ""));
}

// A number entry's caller is called at that number, never at an address in its From: an "auto" entry with no
// destination reads the caller as a PSTN number, and one that is none is refused, not dialled as a SIP URI.
TEST(ResolveDestination, NumberEntryCallsTheNumberNeverTheFromHost) {
  EXPECT_FALSE(resolve_destination(entry(1, "+1777*"), "sip:+1777attacker@127.0.0.3"));
  EXPECT_FALSE(resolve_destination(entry(1, "+1777*"), "sip:alice@example.com"));
  expect_target(resolve_destination(entry(1, "sip:*@example.com"), "sip:alice@example.com"), Kind::SipUri,
                "sip:alice@example.com");
}

TEST(ResolveDestination, AutoSipUri) {
  expect_target(
      resolve_destination(entry(1, "x", true, store::CallbackType::Auto, "sip:bob@10.0.0.2:5062"), "+1"),
      Kind::SipUri, "sip:bob@10.0.0.2:5062");
  expect_target(resolve_destination(entry(1, "x", true, store::CallbackType::Auto, "bob@example.com"), ""),
                Kind::SipUri, "sip:bob@example.com");
}

TEST(ResolveDestination, PbxIsExtension) {
  expect_target(resolve_destination(entry(1, "x", true, store::CallbackType::Pbx, "201"), "+15550123"),
                Kind::Extension, "201");
  EXPECT_FALSE(resolve_destination(entry(1, "x", true, store::CallbackType::Pbx, "bob"), ""));
  // No destination: the caller's PSTN number is no extension.
  EXPECT_FALSE(resolve_destination(entry(1, "x", true, store::CallbackType::Pbx), "+15550123"));
}

TEST(CheckOutgoing, PassesTheParsedDestinationAndGivesTheParsersReason) {
  const TollPolicy policy;
  EXPECT_EQ(check_outgoing(policy, Destination::parse_pstn("12015550123"), {}).number, "+12015550123");
  EXPECT_EQ(check_outgoing(policy, Destination::parse_sip("sips:bob@example.com"), {}).refused,
            "sips: is not supported (this server cannot dial TLS)");
}

TEST(CheckOutgoing, AppliesTheTollPolicyAsTheLineDials) {
  const TollPolicy policy;
  const LineDialing us{"US", {}, false, DialFormat::E164, false};
  const LineDialing gb{"GB", {}, false, DialFormat::National, false};
  const auto premium = Destination::parse_pstn("+19005550199");
  EXPECT_EQ(check_outgoing(policy, premium, {CallPurpose::Relay, &us, "", "", ""}).refused, "premium-rate");
  const auto london = Destination::parse_pstn("+442071234567");
  EXPECT_EQ(check_outgoing(policy, london, {CallPurpose::Callback, &us, "", "", ""}).refused,
            "international");
  const auto judged = check_outgoing(policy, london, {CallPurpose::Callback, &gb, "", "", ""});
  EXPECT_TRUE(judged.allowed());
  EXPECT_EQ(judged.number, "02071234567") << "the GB line dials it nationally";
  EXPECT_EQ(judged.e164, "+442071234567");
}

}  // namespace
}  // namespace callbackd::callback
