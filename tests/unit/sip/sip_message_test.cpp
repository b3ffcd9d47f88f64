// Parses real SIP text with Sofia's parser and checks what the pbx layer is told about the call.
#include "sip/sip_message.hpp"

#include <gtest/gtest.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include <memory>
#include <string>

namespace callbackd::sip {
namespace {

struct MsgDeleter {
  void operator()(msg_t* m) const { msg_destroy(m); }
};
using MsgPtr = std::unique_ptr<msg_t, MsgDeleter>;

MsgPtr parse(std::string text) {
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 2) text.insert(at, "\r");
  MsgPtr m(msg_make(sip_default_mclass(), 0, text.data(), static_cast<isize_t>(text.size())));
  EXPECT_NE(m, nullptr);
  return m;
}

std::string invite(const std::string& extra_headers,
                   const std::string& from = "\"Alice\" <sip:%2B15551001@gw>") {
  const std::string body = "v=0\n";
  return "INVITE sip:15550100@127.0.0.1 SIP/2.0\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\n"
         "From: " +
         from +
         ";tag=1\n"
         "To: <sip:15550100@127.0.0.1>\n"
         "Call-ID: abc@gw\n"
         "CSeq: 1 INVITE\n"
         "Max-Forwards: 70\n" +
         extra_headers + "Content-Type: application/sdp\nContent-Length: 5\n\n" + body;
}

TEST(SipMessage, FromUserIsUnescapedAndDisplayKept) {
  auto m = parse(invite(""));
  InviteInfo info = invite_info(sip_object(m.get()), nullptr);
  EXPECT_EQ(info.from_user, "+15551001");
  EXPECT_EQ(info.from_display, "Alice");
  EXPECT_EQ(info.request_user, "15550100");
  EXPECT_EQ(info.call_id, "abc@gw");
  EXPECT_FALSE(info.privacy_id);
  EXPECT_TRUE(info.asserted_user.empty());
  EXPECT_EQ(info.sdp, "v=0\r\n");
}

TEST(SipMessage, AssertedIdentityAndTelUri) {
  auto m = parse(invite("P-Asserted-Identity: <tel:+15552002>, <sip:+15552002@gw>\n"));
  EXPECT_EQ(invite_info(sip_object(m.get()), nullptr).asserted_user, "+15552002");
  auto m2 = parse(invite("P-Asserted-Identity: \"Bob\" <sip:+15553003@gw;user=phone>\n"));
  EXPECT_EQ(invite_info(sip_object(m2.get()), nullptr).asserted_user, "+15553003");
}

TEST(SipMessage, PrivacyIdMeansWithheld) {
  auto m = parse(invite("Privacy: id\n"));
  EXPECT_TRUE(invite_info(sip_object(m.get()), nullptr).privacy_id);
  auto none = parse(invite("Privacy: none\n"));
  EXPECT_FALSE(invite_info(sip_object(none.get()), nullptr).privacy_id);
}

TEST(SipMessage, AnonymousFromKeepsItsUser) {
  auto m = parse(invite("", "\"Anonymous\" <sip:anonymous@anonymous.invalid>"));
  InviteInfo info = invite_info(sip_object(m.get()), nullptr);
  EXPECT_EQ(info.from_user, "anonymous");
  EXPECT_EQ(info.from_display, "Anonymous");
}

TEST(SipMessage, DtmfRelayInfoBody) {
  std::string text =
      "INFO sip:cb@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2\nFrom: <sip:a@b>;tag=1\n"
      "To: <sip:cb@127.0.0.1>;tag=2\nCall-ID: x\nCSeq: 2 INFO\nContent-Type: application/dtmf-relay\n"
      "Content-Length: 26\n\nSignal= 5\r\nDuration= 160\r\n";
  auto m = parse(text);
  EXPECT_EQ(dtmf_from_info(sip_object(m.get())), '5');
}

}  // namespace
}  // namespace callbackd::sip
