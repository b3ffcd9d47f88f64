#include "app/config.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace callbackd::app {
namespace {

Config parse_ok(const std::string& text) {
  auto result = parse_config(text);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << "unexpected error: " << errors->front().key << ": " << errors->front().message;
    return {};
  }
  return std::get<Config>(result);
}

std::vector<ConfigError> parse_bad(const std::string& text) {
  auto result = parse_config(text);
  EXPECT_TRUE(std::holds_alternative<std::vector<ConfigError>>(result)) << "configuration unexpectedly valid";
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

bool has_error(const std::vector<ConfigError>& errors, const std::string& key) {
  for (const auto& e : errors) {
    if (e.key == key) return true;
  }
  return false;
}

TEST(Config, EmptyFileGivesDocumentedDefaults) {
  Config c = parse_ok("");
  EXPECT_EQ(c.sip.listen.str(), "127.0.0.1:5060");
  EXPECT_EQ(c.media.port_min, 20000);
  EXPECT_EQ(c.media.port_max, 29999);
  EXPECT_EQ(c.web.listen.str(), "127.0.0.1:8080");
  EXPECT_EQ(c.callback.trigger_window_s, 10);
  EXPECT_EQ(c.callback.default_delay_s, 3);
  EXPECT_TRUE(c.lines.empty());
}

TEST(Config, ContractExampleParses) {
  Config c = parse_ok(R"(
[sip]
listen = "127.0.0.1:5060"
[media]
address = "127.0.0.1"
rtp_ports = "20000-29999"
[store]
sqlite = "/var/lib/callbackd/callbackd.db"
[web]
listen = "127.0.0.1:8080"
admin_token = "change-me-to-a-long-secret"
[callback]
trigger_window_s = 10
default_delay_s = 3
[[line]]
name = "fxo1"
gateway = "127.0.0.1:5070"
number = "+15550100"
channels = 1
inbound = "auto-attendant"
answer_delay_s = 8
[[line]]
name = "trunk"
gateway = "[::1]:5080"
transport = "tcp"
inbound = "extension:201"
)");
  ASSERT_EQ(c.lines.size(), 2U);
  EXPECT_EQ(c.lines[0].gateway.port, 5070);
  EXPECT_EQ(c.lines[0].inbound, InboundRoute::AutoAttendant);
  EXPECT_EQ(c.lines[1].gateway.host, "::1");
  EXPECT_EQ(c.lines[1].gateway.str(), "[::1]:5080");
  EXPECT_EQ(c.lines[1].inbound, InboundRoute::Extension);
  EXPECT_EQ(c.lines[1].inbound_extension, "201");
  EXPECT_EQ(c.lines[0].transport, LineTransport::Udp);
  EXPECT_EQ(c.lines[1].transport, LineTransport::Tcp);
}

TEST(Config, EveryProblemIsReportedWithItsKey) {
  auto errors = parse_bad(R"(
bogus = 1
[sip]
listen = "localhost:5060"
[media]
rtp_ports = "30000-20000"
[callback]
default_delay_s = -1
trigger_window_s = "ten"
[[line]]
name = "a"
gateway = "127.0.0.1:5070"
inbound = "voicemail"
transport = "sctp"
[[line]]
name = "a"
gateway = "127.0.0.1:5070"
)");
  EXPECT_TRUE(has_error(errors, "bogus"));
  EXPECT_TRUE(has_error(errors, "sip.listen"));
  EXPECT_TRUE(has_error(errors, "media.rtp_ports"));
  EXPECT_TRUE(has_error(errors, "callback.default_delay_s"));
  EXPECT_TRUE(has_error(errors, "callback.trigger_window_s"));
  EXPECT_TRUE(has_error(errors, "line[0].inbound"));
  EXPECT_TRUE(has_error(errors, "line[0].transport"));
  EXPECT_TRUE(has_error(errors, "line[1].name"));
  EXPECT_TRUE(has_error(errors, "line[1].gateway"));
}

// A negative LOW reads as a huge unsigned number (istream >> unsigned negates like strtoul), and LOW + 2
// wrapped round, so "-1-5000" was accepted as port_min 65535, port_max 5000. Found by the invariant of
// tests/fuzz/config_fuzz (corpus file config/regress-negative-rtp-low).
TEST(Config, NegativeRtpPortsAreRefused) {
  for (const char* range : {"-1-5000", "-2-5000", "-64000-65000", "5000--1"}) {
    const auto errors = parse_bad(std::string("[media]\nrtp_ports = \"") + range + "\"\n");
    EXPECT_TRUE(has_error(errors, "media.rtp_ports")) << range;
  }
  EXPECT_EQ(parse_ok("[media]\nrtp_ports = \"1024-1026\"\n").media.port_max, 1026);
}

TEST(Config, LineNeedsNameAndGateway) {
  auto errors = parse_bad("[[line]]\nnumber = \"+1555\"\n");
  EXPECT_TRUE(has_error(errors, "line[0].name"));
  EXPECT_TRUE(has_error(errors, "line[0].gateway"));
}

TEST(Config, SecureCookieIsABoolean) {
  EXPECT_FALSE(parse_ok("").web.secure_cookie);
  EXPECT_TRUE(parse_ok("[web]\nsecure_cookie = true\n").web.secure_cookie);
  EXPECT_TRUE(has_error(parse_bad("[web]\nsecure_cookie = \"yes\"\n"), "web.secure_cookie"));
}

TEST(Config, ShortAdminTokenIsRefused) {
  EXPECT_TRUE(has_error(parse_bad("[web]\nadmin_token = \"secret\"\n"), "web.admin_token"));
}

TEST(Config, PolicyDefaultsShutInternationalAndPremium) {
  const PolicyConfig p = parse_ok("").policy;
  EXPECT_EQ(p.country, "US");
  EXPECT_FALSE(p.allow_international);
  EXPECT_FALSE(p.allow_premium);
  EXPECT_FALSE(p.allow_shared_cost);
  EXPECT_FALSE(p.allow_satellite);
  EXPECT_TRUE(p.allow.empty());
  EXPECT_TRUE(p.deny.empty());
  EXPECT_TRUE(p.relay_sip_hosts.empty()) << "no sip: relay unless opened";
  EXPECT_EQ(p.max_relay_calls_per_caller, 1);
  EXPECT_EQ(p.max_relay_calls, 10);
  EXPECT_EQ(p.max_relay_duration_s, 3600);
}

TEST(Config, PolicyKeysAndLineCountryAreRead) {
  const Config c = parse_ok(
      "[policy]\ncountry = \"GB\"\nallow_international = true\nallow_premium = true\n"
      "allow_shared_cost = true\nallow_satellite = true\nallow = [\"+4420*\"]\ndeny = [\"+4490*\", "
      "\"+1???\"]\nrelay_sip_hosts = [\"10.0.0.5\", \"[::1]:5090\"]\n"
      "max_relay_calls_per_caller = 2\nmax_relay_calls = 5\nmax_relay_duration_s = 600\n"
      "[[line]]\nname = \"fxo1\"\ngateway = \"127.0.0.1:5070\"\ncountry = \"DE\"\n");
  EXPECT_EQ(c.policy.country, "GB");
  EXPECT_TRUE(c.policy.allow_international && c.policy.allow_premium && c.policy.allow_shared_cost &&
              c.policy.allow_satellite);
  EXPECT_EQ(c.policy.allow, std::vector<std::string>{"+4420*"});
  EXPECT_EQ(c.policy.deny, (std::vector<std::string>{"+4490*", "+1???"}));
  EXPECT_EQ(c.policy.relay_sip_hosts, (std::vector<std::string>{"10.0.0.5", "[::1]:5090"}));
  EXPECT_EQ(c.policy.max_relay_calls_per_caller, 2);
  EXPECT_EQ(c.policy.max_relay_calls, 5);
  EXPECT_EQ(c.policy.max_relay_duration_s, 600);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].country, "DE");
}

TEST(Config, BadPolicyValuesAreRefusedWithTheirKeys) {
  const auto errors = parse_bad(
      "[policy]\nallow = [\"4420*\"]\ndeny = \"+1900*\"\nallow_premium = 1\nmax_relay_calls = 0\n"
      "premium = true\nrelay_sip_hosts = [\"10.0.0.5\", \"bob@10.0.0.6\", \"10.0.0.*\"]\n");
  EXPECT_TRUE(has_error(errors, "policy.allow[0]"));
  EXPECT_FALSE(has_error(errors, "policy.relay_sip_hosts[0]"));
  EXPECT_TRUE(has_error(errors, "policy.relay_sip_hosts[1]"));
  EXPECT_TRUE(has_error(errors, "policy.relay_sip_hosts[2]"));
  EXPECT_TRUE(has_error(errors, "policy.deny"));
  EXPECT_TRUE(has_error(errors, "policy.allow_premium"));
  EXPECT_TRUE(has_error(errors, "policy.max_relay_calls"));
  EXPECT_TRUE(has_error(errors, "policy.premium"));
}

TEST(Config, KeepaliveAndStrangerThrottleKeys) {
  const Config defaults = parse_ok("");
  EXPECT_EQ(defaults.sip.keepalive_s, 30);
  EXPECT_EQ(defaults.sip.keepalive_failures, 3);
  EXPECT_EQ(defaults.sip.stranger_rate, 20);
  EXPECT_EQ(defaults.sip.stranger_burst, 100);
  const Config c =
      parse_ok("[sip]\nkeepalive_s = 0\nkeepalive_failures = 5\nstranger_rate = 3\nstranger_burst = 9\n");
  EXPECT_EQ(c.sip.keepalive_s, 0);
  EXPECT_EQ(c.sip.keepalive_failures, 5);
  EXPECT_EQ(c.sip.stranger_rate, 3);
  EXPECT_EQ(c.sip.stranger_burst, 9);
  const auto errors =
      parse_bad("[sip]\nkeepalive_s = -1\nkeepalive_failures = 0\nstranger_rate = -5\nstranger_burst = 0\n");
  for (const char* key :
       {"sip.keepalive_s", "sip.keepalive_failures", "sip.stranger_rate", "sip.stranger_burst"})
    EXPECT_TRUE(has_error(errors, key)) << key;
}

TEST(Config, TomlSyntaxErrorNamesTheLine) {
  auto errors = parse_bad("[sip\nlisten = 1\n");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().key.find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace callbackd::app
