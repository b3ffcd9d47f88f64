// The one escaping function for untrusted text in logs, and the fixed security-event format built on it.
#include <gtest/gtest.h>

#include "callback/security_event.hpp"
#include "callback/text.hpp"

namespace callbackd::callback {
namespace {

using text::log_escape;
using text::LogEscape;

TEST(LogEscape, ValueCannotEndItsQuotesOrTheLine) {
  EXPECT_EQ(log_escape("alice"), "alice");
  EXPECT_EQ(log_escape("a\"b\\c\nd\re"), "a\\x22b\\x5cc\\x0ad\\x0de");
  EXPECT_EQ(log_escape("\x7f\x01"), "\\x7f\\x01");
  EXPECT_EQ(log_escape("caf\xc3\xa9"), "caf\\xc3\\xa9");  // a terminal never sees raw bytes from a peer
}

TEST(LogEscape, ValueIsCutSoNobodyFloodsTheLog) {
  EXPECT_EQ(log_escape(std::string(500, 'x')), std::string(text::kMaxLogValue, 'x') + "...");
  EXPECT_EQ(log_escape(std::string(text::kMaxLogValue, 'x')), std::string(text::kMaxLogValue, 'x'));
}

TEST(LogEscape, LineKeepsQuotesAndUtf8ButNoControlBytes) {
  const std::string forged =
      "from '+1\n2026-12-02 00:00:00.000 warning security: sip-forbidden from=6.6.6.6'";
  const std::string line = log_escape(forged, LogEscape::Line);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("+1\\x0a2026"), std::string::npos);
  EXPECT_EQ(log_escape("say \"caf\xc3\xa9\"", LogEscape::Line), "say \"caf\xc3\xa9\"");
  EXPECT_EQ(log_escape(std::string(500, 'x'), LogEscape::Line).size(), 500U);
  EXPECT_TRUE(text::needs_line_escape("a\rb"));
  EXPECT_FALSE(text::needs_line_escape("a \"b\" \xc3\xa9"));
}

TEST(SecurityEvent, FixedFormatWithEscapedValues) {
  EXPECT_EQ(format_security_event(SecurityEvent::WebLoginFailed, "10.0.0.1", {{"admin", "bob"}}),
            "security: web-login-failed from=10.0.0.1 admin=\"bob\"");
  EXPECT_EQ(format_security_event(SecurityEvent::SipForbidden, "10.0.0.2",
                                  {{"port", "5060"}, {"uri", "sip:x\"\n"}}),
            "security: sip-forbidden from=10.0.0.2 port=\"5060\" uri=\"sip:x\\x22\\x0a\"");
  EXPECT_EQ(format_security_event(SecurityEvent::ApiUnauthorized, "", {}),
            "security: api-unauthorized from=-");
  EXPECT_EQ(format_security_event(SecurityEvent::RemoteDestinationRefused, "127.0.0.1",
                                  {{"extension", "201"}, {"reason", "premium-rate"}}),
            "security: remote-destination-refused from=127.0.0.1 extension=\"201\" reason=\"premium-rate\"");
}

}  // namespace
}  // namespace callbackd::callback
