#include "media/rfc4733.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "media/rtp_packet.hpp"

namespace callbackd::media {
namespace {

std::array<std::uint8_t, 4> event_payload(int event, bool end, std::uint16_t duration) {
  return {static_cast<std::uint8_t>(event), static_cast<std::uint8_t>((end ? 0x80 : 0x00) | 10),
          static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration)};
}

// A digit as gateways send it: 7 progress packets then 3 end packets, all with the event's start timestamp.
std::string feed_digit(Rfc4733Decoder& decoder, int event, std::uint32_t timestamp) {
  std::string out;
  for (int i = 0; i < 10; ++i) {
    const bool end = i >= 7;
    const auto p = event_payload(event, end, static_cast<std::uint16_t>(160 * (std::min(i, 7) + 1)));
    if (auto d = decoder.feed(timestamp, p)) out += *d;
  }
  return out;
}

TEST(Rfc4733, DigitWithTenPacketsIncludingThreeEndPacketsCountsOnce) {
  Rfc4733Decoder decoder;
  EXPECT_EQ(feed_digit(decoder, 5, 1000), "5");
}

TEST(Rfc4733, TwoConsecutiveSameDigitsWithDifferentTimestampsCountTwice) {
  Rfc4733Decoder decoder;
  std::string digits = feed_digit(decoder, 1, 1000);
  digits += feed_digit(decoder, 1, 3000);
  EXPECT_EQ(digits, "11");
}

TEST(Rfc4733, EventCodesMapToDigits) {
  EXPECT_EQ(event_to_digit(0), '0');
  EXPECT_EQ(event_to_digit(9), '9');
  EXPECT_EQ(event_to_digit(10), '*');
  EXPECT_EQ(event_to_digit(11), '#');
  EXPECT_EQ(event_to_digit(12), 'A');
  EXPECT_EQ(event_to_digit(15), 'D');
  EXPECT_EQ(event_to_digit(16), 0);  // flash is not a digit
  EXPECT_EQ(event_to_digit(-1), 0);
}

TEST(Rfc4733, IgnoresShortPayloadAndNonDigitEvents) {
  Rfc4733Decoder decoder;
  const std::array<std::uint8_t, 2> short_payload{1, 0};
  EXPECT_FALSE(decoder.feed(1, short_payload));
  EXPECT_EQ(feed_digit(decoder, 16, 2), "");
  EXPECT_EQ(feed_digit(decoder, 11, 3), "#");
}

TEST(Rfc4733, DigitWhoseStartPacketsWereLostIsStillReportedOnce) {
  Rfc4733Decoder decoder;
  std::string out;
  for (int i = 0; i < 3; ++i) {
    if (auto d = decoder.feed(500, event_payload(10, true, 800))) out += *d;
  }
  EXPECT_EQ(out, "*");
}

TEST(RtpPacket, WriteThenParseRoundTripsAndSkipsCsrcAndPadding) {
  std::array<std::uint8_t, kRtpHeaderSize + 4 + 3 + 2> buf{};
  RtpHeader h{true, 101, 0xBEEF, 0x01020304, 0xCAFEBABE};
  write_rtp_header(h, std::span<std::uint8_t, kRtpHeaderSize>(buf.data(), kRtpHeaderSize));
  auto plain = parse_rtp(std::span(buf).first(kRtpHeaderSize + 3));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->header.marker);
  EXPECT_EQ(plain->header.payload_type, 101);
  EXPECT_EQ(plain->header.sequence, 0xBEEF);
  EXPECT_EQ(plain->header.timestamp, 0x01020304U);
  EXPECT_EQ(plain->header.ssrc, 0xCAFEBABEU);
  EXPECT_EQ(plain->payload.size(), 3U);

  buf[0] = 0x80 | 0x20 | 1;  // padding, one CSRC
  buf.back() = 2;            // two bytes of padding
  auto padded = parse_rtp(buf);
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->payload.size(), 3U);

  buf[0] = 0x40;  // version 1
  EXPECT_FALSE(parse_rtp(buf));
}

}  // namespace
}  // namespace callbackd::media
