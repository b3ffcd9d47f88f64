// The toll-fraud policy on real libphonenumber metadata: what a line in a country may dial, why not, and the
// exact number the line is sent.
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
  const char* sent;     // the Request-URI's user when allowed (E.164, the default dial_format)
};

// The default policy: domestic and toll free only, and only numbers libphonenumber validates (fail closed).
const Case kDefaultCases[] = {
    {"+19005550199", "US", "premium-rate", ""},      // US premium 900, dialled once in production
    {"19005550199", "US", "premium-rate", ""},       // the same, dialled nationally
    {"9005550199", "US", "premium-rate", ""},        // ... and without the trunk prefix
    {"+19765550100", "US", "invalid", ""},           // 976 is no area code in service
    {"2019765555", "US", "denied-prefix", ""},       // a 976 exchange inside an ordinary area code
    {"12019765555", "US", "denied-prefix", ""},      // ... with the trunk prefix
    {"+12019765555", "US", "denied-prefix", ""},     // ... in E.164
    {"2125551212", "US", "denied-prefix", ""},       // directory assistance, charged per call
    {"+18005550100", "US", "", "+18005550100"},      // toll free
    {"8005550100", "US", "", "+18005550100"},        // ... as keyed
    {"+15551234567", "US", "invalid", ""},           // no 555 area code: fail closed
    {"+15550100", "US", "too-short", ""},            // seven digits in E.164 is no number
    {"5550100", "US", "too-short", ""},              // seven-digit local dialling: no area code, refused
    {"+12125550199", "US", "", "+12125550199"},      // New York
    {"12125550199", "US", "", "+12125550199"},       // the same, with the trunk prefix: sent normalised
    {"2125550199", "US", "", "+12125550199"},        // ten digits
    {"912125550199", "US", "invalid", ""},           // no outside-line prefix on a line that declares none
    {"9195550199", "US", "", "+19195550199"},        // a 919 area code is a number, not a prefix
    {"21255501990", "US", "invalid", ""},            // one digit too many
    {"201555019", "US", "too-short", ""},            // one too few
    {"2015550199123", "US", "invalid", ""},          // an extension's digits after the number
    {"12", "US", "too-short", ""},                   // two digits
    {"123", "US", "too-short", ""},                  // three
    {"0", "US", "invalid", ""},                      // the operator
    {"00", "US", "too-short", ""},                   // ... operator-assisted
    {"+882123456789", "US", "satellite", ""},        // international networks
    {"+8816123456", "US", "satellite", ""},          // Iridium
    {"+870772123456", "US", "satellite", ""},        // Inmarsat
    {"011442071234567", "US", "international", ""},  // London through the NANP access prefix
    {"011882123456789", "US", "satellite", ""},      // ... a satellite network the same way
    {"0119005550199", "US", "invalid", ""},          // 011 then a NANP number: no such call
    {"9011442071234567", "US", "invalid", ""},       // no outside-line prefix declared
    {"00442071234567", "US", "invalid", ""},         // another plan's international prefix
    {"0033142685300", "US", "invalid", ""},          // ... again
    {"1010288011442071234567", "US", "carrier-access-code", ""},  // carrier access code, then abroad
    {"10102889005550199", "US", "carrier-access-code", ""},       // ... then premium
    {"10102882125550199", "US", "carrier-access-code", ""},       // ... even domestic
    {"00442071234567", "GB", "", "+442071234567"},  // 00 from a GB line to a GB number: domestic
    {"0033142685300", "GB", "international", ""},   // 00 from a GB line to Paris
    {"+442071234567", "GB", "", "+442071234567"},   // +44 from a GB line
    {"02071234567", "GB", "", "+442071234567"},     // national form, sent in E.164
    {"+442071234567", "US", "international", ""},   // +44 from a US line
    {"+449098790000", "GB", "premium-rate", ""},    // UK 09
    {"+447012345678", "GB", "premium-rate", ""},    // UK 070 personal numbers
    {"+448712345678", "GB", "premium-rate", ""},    // UK 0871
    {"+448001234567", "GB", "", "+448001234567"},   // UK freephone
    {"+18095550199", "US", "international", ""},    // Dominican Republic, inside +1
    {"18765550123", "US", "international", ""},     // Jamaica, inside +1, as keyed
    {"+18765550100", "US", "international", ""},    // ... in E.164
    {"+16135550199", "US", "international", ""},    // Canada is another country too
    {"+16135550199", "CA", "", "+16135550199"},     // ... but not from a Canadian line
    {"+12683456789", "US", "invalid", ""},          // Antigua range libphonenumber does not know
    {"+999123456", "US", "invalid", ""},            // no such country code
    {"911", "US", "emergency-number", ""},          // never a callback to emergency services
    {"9911", "US", "too-short", ""},                // ... nor a short string around it
    {"112", "GB", "emergency-number", ""},
    {"999", "GB", "emergency-number", ""},
    {"*6712125550199", "US", "feature-code", ""},         // a gateway may act on * and #
    {"*67+12125550199", "US", "invalid-characters", ""},  // '+' only leads
    {"12125550199#", "US", "feature-code", ""},
    {"2125550199#9005550199", "US", "feature-code", ""},
    {"1900CALLNOW", "US", "invalid-characters", ""},  // letters
    {"+1 212 555 0199", "US", "invalid-characters", ""},
    {"", "US", "invalid-characters", ""},
    {"+", "US", "invalid-characters", ""},
};

LineDialing us() {
  return {"US", {}, false, DialFormat::E164, false};
}
LineDialing gb() {
  return {"GB", {}, false, DialFormat::E164, false};
}

TEST(TollPolicy, DefaultPolicyTable) {
  const TollPolicy policy;
  for (const auto& c : kDefaultCases) {
    LineDialing line;
    line.country = c.country;
    const Judgement j = policy.judge_number(c.dial, line);
    EXPECT_EQ(j.refused, c.refusal) << c.dial << " from a " << c.country << " line is "
                                    << to_string(policy.classify(c.dial, c.country).kind);
    EXPECT_EQ(j.number, c.sent) << c.dial << " from a " << c.country << " line";
  }
}

TEST(TollPolicy, OutsideLinePrefixesAreExplicitPerLine) {
  const TollPolicy policy;
  LineDialing line{"US", {"9", "81"}, false, DialFormat::E164, false};
  EXPECT_EQ(policy.judge_number("92125550199", line).number, "+12125550199");
  EXPECT_EQ(policy.judge_number("912125550199", line).number, "+12125550199");
  EXPECT_EQ(policy.judge_number("812125550199", line).number, "+12125550199") << "the longest prefix";
  EXPECT_EQ(policy.judge_number("9011442071234567", line).refused, "international");
  EXPECT_EQ(policy.judge_number("99005550199", line).refused, "premium-rate");
  EXPECT_EQ(policy.judge_number("9911", line).refused, "emergency-number");
  EXPECT_EQ(policy.judge_number("9", line).refused, "invalid") << "a prefix alone is no number";
  EXPECT_EQ(policy.judge_number("99195550199", line).number, "+19195550199") << "stripped once only";
  EXPECT_EQ(policy.judge_number("9195550199", line).refused, "too-short")
      << "a line with prefix 9 reads a leading 9 as the prefix";
}

TEST(TollPolicy, CarrierAccessCodesOnlyWhereTheLineAllowsThem) {
  const TollPolicy policy;
  const LineDialing closed{"US", {}, false, DialFormat::E164, false};
  const LineDialing open{"US", {}, true, DialFormat::E164, false};
  EXPECT_EQ(policy.judge_number("10102882125550199", closed).refused, "carrier-access-code");
  EXPECT_EQ(policy.judge_number("10102882125550199", open).number, "+12125550199");
  EXPECT_EQ(policy.judge_number("10102889005550199", open).refused, "premium-rate");
  EXPECT_EQ(policy.judge_number("1010288011442071234567", open).refused, "international");
  EXPECT_EQ(policy.judge_number("1010288", open).refused, "invalid") << "a code alone is no number";
}

TEST(TollPolicy, NationalDialFormat) {
  PolicySettings s;
  s.allow_international = true;
  const TollPolicy policy(s);
  const LineDialing us{"US", {}, false, DialFormat::National, false};
  const LineDialing gb{"GB", {}, false, DialFormat::National, false};
  EXPECT_EQ(policy.judge_number("+12125550199", us).number, "2125550199");
  EXPECT_EQ(policy.judge_number("+442071234567", us).number, "011442071234567") << "abroad: 011";
  EXPECT_EQ(policy.judge_number("+442071234567", gb).number, "02071234567");
  EXPECT_EQ(policy.judge_number("+12125550199", gb).number, "0012125550199") << "abroad: 00";
  EXPECT_EQ(policy.judge_number("+442071234567", gb).e164, "+442071234567");
}

TEST(TollPolicy, OneLineMayBeOpenedAbroad) {
  const TollPolicy policy;
  LineDialing trunk{"US", {}, false, DialFormat::E164, true};
  EXPECT_EQ(policy.judge_number("011442071234567", trunk).number, "+442071234567");
  EXPECT_EQ(policy.judge_number("+449098790000", trunk).refused, "premium-rate") << "premium stays shut";
  EXPECT_EQ(policy.judge_number("+882123456789", trunk).refused, "satellite");
  EXPECT_EQ(policy.judge_number("011442071234567", us()).refused, "international") << "other lines stay shut";
}

TEST(TollPolicy, DenyPrefixesAreTheAdminsList) {
  PolicySettings s;
  s.deny_prefixes = {"+1212555??99"};
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check_number("2125550199", "US"), "denied-prefix");
  EXPECT_EQ(policy.check_number("2125551299", "US"), "denied-prefix") << "? is any one digit";
  EXPECT_EQ(policy.check_number("2125550100", "US"), "");
  EXPECT_EQ(policy.check_number("2019765555", "US"), "") << "the shipped list was replaced";
  s.allow_premium = true;
  s.deny_prefixes = default_deny_prefixes();
  EXPECT_EQ(TollPolicy(s).check_number("2019765555", "US"), "denied-prefix") << "wins over allow_premium";
  EXPECT_TRUE(is_valid_deny_prefix("+1???976"));
  EXPECT_FALSE(is_valid_deny_prefix("1976"));
  EXPECT_FALSE(is_valid_deny_prefix("+1*"));
  EXPECT_FALSE(is_valid_deny_prefix("+"));
  EXPECT_TRUE(is_valid_strip_prefix("9"));
  EXPECT_FALSE(is_valid_strip_prefix("+9"));
  EXPECT_FALSE(is_valid_strip_prefix("99999"));
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
  EXPECT_EQ(policy.check_number("12125550199", "US"), "denied-by-pattern") << "domestic numbers too";
}

Destination parsed(std::string_view text) {
  auto p = Destination::parse(text, store::CallbackType::Auto);
  EXPECT_TRUE(p) << text << ": " << p.error;
  return *p;
}

TEST(TollPolicy, SipUriToALineGatewayIsAPstnCall) {
  const TollPolicy policy({}, {{"127.0.0.1", 5070, us()}, {"[::1]", 5060, gb()}});
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
  const TollPolicy closed({}, {{"127.0.0.1", 5070, us()}});
  EXPECT_EQ(closed.check(ip("201*127*0*0*1*5090"), "", CallPurpose::Relay), "sip-relay-host-not-allowed")
      << "the default refuses loopback too";
  EXPECT_EQ(closed.check(ip("201*127*0*0*1*5090")), "") << "a callback is not a relay";
  EXPECT_EQ(closed.check(ip("2125550123*127*0*0*1*5070"), "", CallPurpose::Relay), "")
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
  const TollPolicy us_gb({}, {{"127.0.0.1", 5060, us()}, {"127.0.0.2", 5060, gb()}});
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
