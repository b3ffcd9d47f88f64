#include "media/sdp.hpp"

#include <gtest/gtest.h>

namespace callbackd::media {
namespace {

constexpr const char* kPcmaOnly =
    "v=0\r\n"
    "o=gw 1 1 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/AVP 8\r\n"
    "a=sendrecv\r\n";

TEST(Sdp, ParsesPcmaOnlyOfferWithStaticPayloadType) {
  auto desc = parse_sdp(kPcmaOnly);
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->address, "192.0.2.10");
  EXPECT_EQ(desc->port, 40000);
  ASSERT_EQ(desc->formats.size(), 1U);
  EXPECT_EQ(desc->formats[0].pt, 8);
  EXPECT_EQ(desc->formats[0].encoding, "PCMA");
  auto n = negotiate(*desc);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->codec, Codec::Pcma);
  EXPECT_EQ(n->codec_pt, 8);
  EXPECT_EQ(n->telephone_event_pt, -1);
  EXPECT_EQ(n->remote_address, "192.0.2.10");
  EXPECT_EQ(n->remote_port, 40000);
}

TEST(Sdp, TelephoneEventAtPt96WithLfLineEndsAndLowerCaseEncodings) {
  auto desc = parse_sdp(
      "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
      "m=audio 5004 RTP/AVP 18 0 96\na=rtpmap:18 G729/8000\na=rtpmap:0 pcmu/8000\n"
      "a=rtpmap:96 telephone-event/8000\na=fmtp:96 0-16\n");
  ASSERT_TRUE(desc);
  ASSERT_EQ(desc->formats.size(), 3U);
  EXPECT_EQ(desc->formats[1].encoding, "PCMU");
  EXPECT_EQ(desc->formats[2].encoding, "TELEPHONE-EVENT");
  auto n = negotiate(*desc);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->codec, Codec::Pcmu);  // G729 first in the offer but unsupported
  EXPECT_EQ(n->codec_pt, 0);
  EXPECT_EQ(n->telephone_event_pt, 96);
}

TEST(Sdp, PicksFirstSupportedCodecInOfferOrderAndTelephoneEvent101) {
  auto desc = parse_sdp(
      "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5004 RTP/AVP 8 0 101\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n");
  ASSERT_TRUE(desc);
  auto n = negotiate(*desc);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->codec, Codec::Pcma);
  EXPECT_EQ(n->telephone_event_pt, 101);
}

TEST(Sdp, MediaLevelConnectionWinsAndDirectionIsRead) {
  auto desc = parse_sdp(
      "v=0\r\nc=IN IP4 198.51.100.1\r\na=recvonly\r\nt=0 0\r\n"
      "m=audio 7000 RTP/AVP 0\r\nc=IN IP4 198.51.100.99/127\r\na=sendonly\r\n"
      "m=video 7002 RTP/AVP 31\r\nc=IN IP4 203.0.113.5\r\na=inactive\r\n");
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->address, "198.51.100.99");
  EXPECT_EQ(desc->direction, AudioDescription::Direction::SendOnly);
}

TEST(Sdp, VideoSectionBeforeAudioDoesNotLeakIntoIt) {
  auto desc = parse_sdp(
      "v=0\r\nc=IN IP4 198.51.100.1\r\n"
      "m=video 7002 RTP/AVP 96\r\nc=IN IP4 203.0.113.5\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n"
      "m=audio 7000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000\r\n");
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->address, "198.51.100.1");
  EXPECT_EQ(desc->direction, AudioDescription::Direction::SendRecv);
  ASSERT_EQ(desc->formats.size(), 1U);
  EXPECT_EQ(desc->formats[0].encoding, "PCMU");
  auto n = negotiate(*desc);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->codec_pt, 96);
}

TEST(Sdp, SessionLevelDirectionAppliesWhenMediaHasNone) {
  auto desc = parse_sdp("v=0\r\nc=IN IP4 198.51.100.1\r\na=inactive\r\nm=audio 7000 RTP/AVP 0\r\n");
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->direction, AudioDescription::Direction::Inactive);
}

TEST(Sdp, RejectsOfferWithoutSupportedCodec) {
  auto desc = parse_sdp(
      "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5004 RTP/AVP 18 96\r\na=rtpmap:18 G729/8000\r\n"
      "a=rtpmap:96 telephone-event/8000\r\n");
  ASSERT_TRUE(desc);
  EXPECT_FALSE(negotiate(*desc));
}

TEST(Sdp, RejectsPortZero) {
  auto desc = parse_sdp("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n");
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->port, 0);
  EXPECT_FALSE(negotiate(*desc));
}

TEST(Sdp, RejectsSdpWithoutAudioOrAddress) {
  EXPECT_FALSE(parse_sdp("v=0\r\nc=IN IP4 10.0.0.1\r\nm=video 5004 RTP/AVP 31\r\n"));
  EXPECT_FALSE(parse_sdp("v=0\r\nm=audio 5004 RTP/AVP 0\r\n"));
  EXPECT_FALSE(parse_sdp("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio port RTP/AVP 0\r\n"));
  EXPECT_FALSE(parse_sdp(""));
}

TEST(Sdp, OfferRoundTripsThroughParser) {
  const std::string offer = make_offer({"127.0.0.1", 20000, 42});
  EXPECT_EQ(offer.rfind("v=0\r\no=callbackd 42 42 IN IP4 127.0.0.1\r\ns=callbackd\r\n", 0), 0U);
  EXPECT_NE(offer.find("a=fmtp:101 0-15\r\n"), std::string::npos);
  EXPECT_NE(offer.find("a=ptime:20\r\n"), std::string::npos);
  auto desc = parse_sdp(offer);
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->address, "127.0.0.1");
  EXPECT_EQ(desc->port, 20000);
  ASSERT_EQ(desc->formats.size(), 3U);
  EXPECT_EQ(desc->formats[0].encoding, "PCMU");
  EXPECT_EQ(desc->formats[1].encoding, "PCMA");
  EXPECT_EQ(desc->formats[2].pt, 101);
  auto n = negotiate(*desc);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->codec, Codec::Pcmu);
  EXPECT_EQ(n->telephone_event_pt, 101);
}

TEST(Sdp, AnswerCarriesChosenCodecAndPeersTelephoneEventPt) {
  Negotiated n;
  n.codec = Codec::Pcma;
  n.codec_pt = 8;
  n.telephone_event_pt = 96;
  const std::string answer = make_answer({"::1", 30000, 7}, n);
  EXPECT_NE(answer.find("o=callbackd 7 7 IN IP6 ::1\r\n"), std::string::npos);
  EXPECT_NE(answer.find("c=IN IP6 ::1\r\n"), std::string::npos);
  EXPECT_NE(answer.find("m=audio 30000 RTP/AVP 8 96\r\n"), std::string::npos);
  EXPECT_NE(answer.find("a=rtpmap:96 telephone-event/8000\r\n"), std::string::npos);
  EXPECT_NE(answer.find("a=fmtp:96 0-15\r\n"), std::string::npos);
  auto desc = parse_sdp(answer);
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->address, "::1");
  auto back = negotiate(*desc);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->codec, Codec::Pcma);
  EXPECT_EQ(back->telephone_event_pt, 96);
}

TEST(Sdp, AnswerWithoutTelephoneEventHasNoFmtp) {
  Negotiated n;
  const std::string answer = make_answer({"10.1.1.1", 20002, 1}, n);
  EXPECT_NE(answer.find("m=audio 20002 RTP/AVP 0\r\n"), std::string::npos);
  EXPECT_EQ(answer.find("fmtp"), std::string::npos);
}

}  // namespace
}  // namespace callbackd::media
