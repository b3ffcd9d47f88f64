// The toll-fraud policy on real libphonenumber metadata: what a line in a country may dial, and why not.
#include "callback/toll_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace callbackd::callback {
namespace {

struct Case {
  const char* dial;
  const char* country;  // the line's
  const char* refusal;  // "" when it may be dialled
};

// The default policy: domestic and toll free only.
const Case kDefaultCases[] = {
    {"+19005550199", "US", "premium-rate"},       // US premium 900, dialled once in production
    {"19005550199", "US", "premium-rate"},        // the same, dialled nationally
    {"9005550199", "US", "premium-rate"},         // ... and without the trunk prefix
    {"+19765550100", "US", "premium-rate"},       // 976, premium by the NANP prefix rule
    {"+18005550100", "US", ""},                   // toll free
    {"+15551234567", "US", ""},                   // fictional 555: unknown to libphonenumber, domestic
    {"+15550100", "US", ""},                      // the sample config's line number
    {"+12125550199", "US", ""},                   // New York
    {"12125550199", "US", ""},                    // the same, with the trunk prefix
    {"912125550199", "US", ""},                   // ... and "9 for an outside line"
    {"9195550199", "US", ""},                     // a 919 area code is not an outside-line prefix
    {"+882123456789", "US", "satellite"},         // international networks
    {"+8816123456", "US", "satellite"},           // Iridium
    {"+870772123456", "US", "satellite"},         // Inmarsat
    {"+883123456789", "US", "satellite"},         // international networks
    {"011442071234567", "US", "international"},   // London through the NANP access prefix
    {"9011442071234567", "US", "international"},  // ... behind a 9 for an outside line
    {"00442071234567", "US", "international"},    // NANP operator: not a domestic call
    {"0", "US", "international"},                 // the operator
    {"00442071234567", "GB", ""},                 // 00 from a GB line to a GB number: domestic
    {"0033142685300", "GB", "international"},     // 00 from a GB line to Paris
    {"900331426853000", "GB", "international"},   // "9" then 00 33 ... from a GB line
    {"+442071234567", "GB", ""},                  // +44 from a GB line
    {"02071234567", "GB", ""},                    // national form
    {"+442071234567", "US", "international"},     // +44 from a US line
    {"+449098790000", "GB", "premium-rate"},      // UK 09
    {"+447012345678", "GB", "premium-rate"},      // UK 070 personal numbers
    {"+18095550199", "US", "international"},      // Dominican Republic, inside +1
    {"+18765550100", "US", "international"},      // Jamaica, inside +1
    {"+16135550199", "US", "international"},      // Canada is another country too
    {"+16135550199", "CA", ""},                   // ... but not from a Canadian line
    {"+999123456", "US", "international"},        // no such country code
    {"911", "US", "emergency-number"},            // never a callback to emergency services
    {"9911", "US", "emergency-number"},           // ... nor behind an outside-line 9
    {"112", "GB", "emergency-number"},
    {"*6712125550199", "US", "feature-code"},         // a gateway may act on * and #
    {"*67+12125550199", "US", "invalid-characters"},  // '+' only leads
    {"12125550199#", "US", "feature-code"},
    {"1900CALLNOW", "US", "invalid-characters"},  // letters
    {"+1 212 555 0199", "US", "invalid-characters"},
    {"", "US", "invalid-characters"},
};

TEST(TollPolicy, DefaultPolicyTable) {
  const TollPolicy policy;
  for (const auto& c : kDefaultCases) {
    EXPECT_EQ(policy.check_number(c.dial, c.country), c.refusal)
        << c.dial << " from a " << c.country << " line is "
        << to_string(policy.classify(c.dial, c.country).kind);
  }
}

TEST(TollPolicy, PolicyCountryIsTheDefaultForLinesWithoutOne) {
  PolicySettings s;
  s.country = "GB";
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check_number("+442071234567"), "");
  EXPECT_EQ(policy.check_number("+12125550199"), "international");
}

TEST(TollPolicy, AllowFlagsOpenTheirClassOnly) {
  PolicySettings s;
  s.allow_international = true;
  const TollPolicy intl(s);
  EXPECT_EQ(intl.check_number("+442071234567", "US"), "");
  EXPECT_EQ(intl.check_number("011442071234567", "US"), "");
  EXPECT_EQ(intl.check_number("+449098790000", "US"), "premium-rate") << "international premium stays shut";
  EXPECT_EQ(intl.check_number("+882123456789", "US"), "satellite");
  s.allow_premium = true;
  s.allow_international = false;
  const TollPolicy premium(s);
  EXPECT_EQ(premium.check_number("+19005550199", "US"), "");
  EXPECT_EQ(premium.check_number("+449098790000", "US"), "international")
      << "a foreign premium number needs both keys";
  s.allow_satellite = true;
  s.allow_international = true;
  EXPECT_EQ(TollPolicy(s).check_number("+882123456789", "US"), "");
  EXPECT_EQ(TollPolicy(s).check_number("911", "US"), "emergency-number") << "no key opens emergency numbers";
}

TEST(TollPolicy, AllowPatternOpensOneInternationalPrefix) {
  PolicySettings s;
  s.allow = {"+4420*"};
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check_number("+442071234567", "US"), "");
  EXPECT_EQ(policy.check_number("011442071234567", "US"), "") << "however it is dialled";
  EXPECT_EQ(policy.check_number("+441612345678", "US"), "international") << "Manchester is not opened";
  s.allow = {"+44*"};
  EXPECT_EQ(TollPolicy(s).check_number("+449098790000", "US"), "premium-rate")
      << "an allow pattern lifts the international rule, not the premium one";
}

TEST(TollPolicy, DenyPatternWinsOverAllow) {
  PolicySettings s;
  s.allow_international = true;
  s.allow = {"+4420*"};
  s.deny = {"+44207?23*", "+1212*"};
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check_number("+442071234567", "US"), "denied-by-pattern");
  EXPECT_EQ(policy.check_number("011442071234567", "US"), "denied-by-pattern");
  EXPECT_EQ(policy.check_number("+442079999999", "US"), "");
  EXPECT_EQ(policy.check_number("912125550199", "US"), "denied-by-pattern") << "domestic numbers too";
}

Destination parsed(std::string_view text) {
  auto p = Destination::parse(text, store::CallbackType::Auto);
  EXPECT_TRUE(p) << text << ": " << p.error;
  return *p;
}

TEST(TollPolicy, SipUriToALineGatewayIsAPstnCall) {
  const TollPolicy policy({}, {{"127.0.0.1", 5070, "US"}, {"[::1]", 5060, "GB"}});
  EXPECT_EQ(policy.check(parsed("sip:+19005550199@127.0.0.1:5070")), "premium-rate");
  EXPECT_EQ(policy.check(parsed("sip:%2B19005550199@127.0.0.1:5070")), "premium-rate") << "escapes decoded";
  EXPECT_EQ(policy.check(parsed("sip:alice@127.0.0.1:5070")), "invalid-characters");
  EXPECT_EQ(policy.check(parsed("sip:alice@127.0.0.1:5080")), "") << "another service on the gateway's host";
  EXPECT_EQ(policy.check(parsed("sip:+12125550199@127.0.0.1:5070")), "");
  EXPECT_EQ(policy.check(parsed("sip:+12125550199@[::1]")), "international") << "the GB line's country";
  EXPECT_EQ(policy.check(parsed("sip:+19005550199@sip.example.com")), "") << "not a gateway: grammar only";
  EXPECT_EQ(policy.check(parsed("sip:+19005550199@sip.example.com;user=phone")), "premium-rate");
}

// An open SIP relay is toll fraud: Call Relay reaches a sip: URI only on a host the admin listed (or a
// line's gateway, as a PSTN call); callbacks, whose sip: destinations the admin stored, are not limited.
TEST(TollPolicy, RelayToASipUriNeedsItsHostListed) {
  const auto ip = [](const char* keys) { return *Destination::parse_ip_dial(keys); };
  const TollPolicy closed({}, {{"127.0.0.1", 5070, "US"}});
  EXPECT_EQ(closed.check(ip("201*127*0*0*1*5090"), "", CallPurpose::Relay), "sip-relay-host-not-allowed")
      << "the default refuses loopback too";
  EXPECT_EQ(closed.check(ip("201*127*0*0*1*5090")), "") << "a callback is not a relay";
  EXPECT_EQ(closed.check(ip("5550123*127*0*0*1*5070"), "", CallPurpose::Relay), "")
      << "a line's gateway: a PSTN call";
  EXPECT_EQ(closed.check(ip("19005550199*127*0*0*1*5070"), "", CallPurpose::Relay), "premium-rate");

  PolicySettings s;
  s.relay_sip_hosts = {"127.0.0.1", "10.0.0.5:5080", "[::1]:5090", "PBX.example.com"};
  const TollPolicy open(s);
  EXPECT_EQ(open.check(ip("*127*0*0*1*5090"), "", CallPurpose::Relay), "") << "a host: any port";
  EXPECT_EQ(open.check(ip("201*10*0*0*5*5080"), "", CallPurpose::Relay), "");
  EXPECT_EQ(open.check(ip("201*10*0*0*5"), "", CallPurpose::Relay), "sip-relay-host-not-allowed")
      << "host:port: that port only (5060 when absent)";
  EXPECT_EQ(open.check(ip("201*10*0*0*6*5080"), "", CallPurpose::Relay), "sip-relay-host-not-allowed");
  EXPECT_EQ(open.check(parsed("sip:201@[::1]:5090"), "", CallPurpose::Relay), "");
  EXPECT_EQ(open.check(parsed("sip:201@pbx.example.com"), "", CallPurpose::Relay), "") << "case-folded";
  EXPECT_EQ(open.check(parsed("sip:+19005550199@127.0.0.1;user=phone"), "", CallPurpose::Relay),
            "premium-rate")
      << "a listed host does not lift the number rules";
}

TEST(TollPolicy, ExtensionsAndPstnDestinations) {
  const TollPolicy policy;
  EXPECT_EQ(policy.check(*Destination::parse_extension("201")), "");
  EXPECT_EQ(policy.check(parsed("+19005550199")), "premium-rate");
  EXPECT_EQ(policy.check(parsed("+44 20 7123 4567"), "GB"), "");
}

TEST(TollPolicy, CheckAnyLineAcceptsWhatOneLineMayDial) {
  const TollPolicy us_gb({}, {{"127.0.0.1", 5060, "US"}, {"127.0.0.2", 5060, "GB"}});
  EXPECT_EQ(us_gb.check_any_line(parsed("+442071234567")), "");
  EXPECT_EQ(us_gb.check_any_line(parsed("+19005550199")), "premium-rate");
  EXPECT_EQ(us_gb.check_any_line(parsed("+33142685300")), "international");
  EXPECT_EQ(TollPolicy().check_any_line(parsed("+442071234567")), "international") << "no lines: [policy]";
}

TEST(TollPolicy, ConfigHelpers) {
  EXPECT_TRUE(is_known_country("US"));
  EXPECT_TRUE(is_known_country("GB"));
  EXPECT_FALSE(is_known_country("us"));
  EXPECT_FALSE(is_known_country("XX"));
  EXPECT_FALSE(is_known_country("USA"));
  EXPECT_TRUE(is_valid_number_pattern("+4420*"));
  EXPECT_TRUE(is_valid_number_pattern("+1???5550100"));
  EXPECT_FALSE(is_valid_number_pattern("4420*"));
  EXPECT_FALSE(is_valid_number_pattern("+44 20*"));
  EXPECT_FALSE(is_valid_number_pattern("+"));
  for (const char* host : {"127.0.0.1", "10.0.0.5:5080", "[::1]", "[2001:db8::1]:5090", "pbx.example.com"}) {
    EXPECT_TRUE(is_valid_relay_host(host)) << host;
  }
  for (const char* host : {"", "bob@10.0.0.5", "10.0.0.5;transport=tcp", "10.0.0.*", "10.0.0.5:0", "::1",
                           "sip:10.0.0.5", "10.0.0.5?x=y"}) {
    EXPECT_FALSE(is_valid_relay_host(host)) << host;
  }
}

}  // namespace
}  // namespace callbackd::callback
