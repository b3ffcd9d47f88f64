// RtpEngine over real loopback UDP: the engine's peer is a plain socket that speaks RTP by hand.
#include "media/rtp_engine.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spandsp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "media/rtp_packet.hpp"
#include "rtp_peer.hpp"

namespace callbackd::media {
namespace {

using namespace std::chrono_literals;
using namespace rtp_test;

// Ports are a shared resource on the test machine: the range is wide and the engine skips ports in use.
constexpr std::uint16_t kPortMin = 41000;
constexpr std::uint16_t kPortMax = 41998;

std::string digits_of(const std::vector<MediaEvent>& events, DtmfSource source) {
  std::string out;
  for (const auto& e : events) {
    if (e.kind == MediaEvent::Kind::Dtmf && e.source == source) out += e.digit;
  }
  return out;
}

TEST(RtpEngine, PlaysPromptAsWellFormedRtpAndReportsPlaybackDone) {
  PromptCatalog catalog(CALLBACKD_PROMPTS_DIR);
  auto prompt = catalog.find("en/digit-1");
  ASSERT_NE(prompt, nullptr);
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer peer;
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  EXPECT_EQ(alloc->port % 2, 0);
  engine.start(alloc->id, towards(peer, "127.0.0.1", Codec::Pcma));
  engine.play(alloc->id, {prompt});

  const std::size_t frames = (prompt->samples.size() + 159) / 160;
  std::optional<RtpHeader> previous;
  std::size_t loud_packets = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    auto datagram = peer.receive();
    ASSERT_TRUE(datagram) << "packet " << i;
    auto packet = parse_rtp(*datagram);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->header.payload_type, 8);
    EXPECT_EQ(packet->payload.size(), 160U);
    EXPECT_EQ(packet->header.marker, !previous.has_value());
    if (previous) {
      EXPECT_EQ(packet->header.ssrc, previous->ssrc);
      EXPECT_EQ(packet->header.sequence, static_cast<std::uint16_t>(previous->sequence + 1));
      EXPECT_EQ(packet->header.timestamp, previous->timestamp + 160);
    }
    previous = packet->header;
    int peak = 0;
    for (auto byte : packet->payload) peak = std::max(peak, std::abs(static_cast<int>(alaw_to_linear(byte))));
    if (peak > 1000) ++loud_packets;
  }
  EXPECT_GT(loud_packets, frames / 4);
  auto events = log.wait_for(1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, MediaEvent::Kind::PlaybackDone);
  EXPECT_EQ(events[0].session, alloc->id);
  EXPECT_GE(engine.stats().packets_sent, frames);
}

TEST(RtpEngine, IdleSessionSendsSilenceAndStopPlaybackReportsNothing) {
  PromptCatalog catalog(CALLBACKD_PROMPTS_DIR);
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer peer;
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(peer));
  auto first = peer.receive();
  ASSERT_TRUE(first);
  auto packet = parse_rtp(*first);
  ASSERT_TRUE(packet);
  for (auto byte : packet->payload) EXPECT_EQ(ulaw_to_linear(byte), 0);
  engine.play(alloc->id, {catalog.find("en/digit-2"), catalog.find("en/digit-3")});
  engine.stop_playback(alloc->id);
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(log.snapshot().empty());
  engine.play(alloc->id, {});  // nothing to play still completes
  auto events = log.wait_for(1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, MediaEvent::Kind::PlaybackDone);
}

TEST(RtpEngine, Rfc4733DigitWithThreeEndPacketsIsReportedOnce) {
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer peer;
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(peer));
  std::uint16_t seq = 1;
  send_rfc4733_digit(peer, alloc->port, 5, seq, 8000);
  auto events = log.wait_for(1);
  std::this_thread::sleep_for(300ms);  // a duplicate would arrive within this
  events = log.snapshot();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, MediaEvent::Kind::Dtmf);
  EXPECT_EQ(events[0].digit, '5');
  EXPECT_EQ(events[0].source, DtmfSource::Rfc4733);
  EXPECT_EQ(events[0].session, alloc->id);
  send_rfc4733_digit(peer, alloc->port, 11, seq, 9600);
  events = log.wait_for(2);
  EXPECT_EQ(digits_of(events, DtmfSource::Rfc4733), "5#");
  EXPECT_EQ(engine.stats().packets_received, 20U);
}

TEST(RtpEngine, DetectsInbandDigitsInUlawAudio) {
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer peer;
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(peer));
  std::uint16_t seq = 1;
  std::uint32_t ts = 0;
  send_inband_digits(peer, alloc->port, "159#", seq, ts);
  auto events = log.wait_for(4);
  EXPECT_EQ(digits_of(events, DtmfSource::Inband), "159#");
  EXPECT_EQ(digits_of(events, DtmfSource::Rfc4733), "");
}

TEST(RtpEngine, InbandCopyOfAnRfc4733DigitIsIgnored) {
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer peer;
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(peer));
  std::uint16_t seq = 1;
  std::uint32_t ts = 16000;
  send_rfc4733_digit(peer, alloc->port, 7, seq, ts);
  send_inband_digits(peer, alloc->port, "7", seq, ts);
  std::this_thread::sleep_for(300ms);
  const auto events = log.snapshot();
  EXPECT_EQ(digits_of(events, DtmfSource::Rfc4733), "7");
  EXPECT_EQ(digits_of(events, DtmfSource::Inband), "");
}

TEST(RtpEngine, LearnsRemoteAddressFromFirstPacket) {
  EventLog log;
  RtpEngine engine("127.0.0.1", kPortMin, kPortMax, log.sink());
  Peer signalled;  // the address the SDP named
  Peer actual;     // where the peer's RTP really comes from (as behind a NAT)
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(signalled));
  std::uint16_t seq = 1;
  send_rfc4733_digit(actual, alloc->port, 1, seq, 100);
  log.wait_for(1);
  ASSERT_TRUE(actual.receive()) << "engine did not switch to the packets' source";
}

TEST(RtpEngine, WorksOverIpv6) {
  EventLog log;
  RtpEngine engine("::1", kPortMin, kPortMax, log.sink());
  Peer peer(AF_INET6);
  auto alloc = engine.allocate();
  ASSERT_TRUE(alloc);
  engine.start(alloc->id, towards(peer, "::1"));
  auto datagram = peer.receive();
  ASSERT_TRUE(datagram);
  EXPECT_TRUE(parse_rtp(*datagram));
  std::uint16_t seq = 1;
  send_rfc4733_digit(peer, alloc->port, 0, seq, 1);
  EXPECT_EQ(digits_of(log.wait_for(1), DtmfSource::Rfc4733), "0");
}

TEST(RtpEngine, AllocatesEvenPortsUntilTheRangeIsExhaustedAndReusesReleasedOnes) {
  EventLog log;
  // A small range: whichever of its ports another process holds is skipped, so count what we got.
  RtpEngine engine("127.0.0.1", 42001, 42010, log.sink());
  std::vector<RtpEngine::Allocation> got;
  while (auto a = engine.allocate()) {
    EXPECT_EQ(a->port % 2, 0);
    EXPECT_GE(a->port, 42002);
    EXPECT_LE(a->port, 42010);
    got.push_back(*a);
    ASSERT_LE(got.size(), 5U);
  }
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(engine.stats().sessions, got.size());
  engine.release(got[0].id);
  auto again = engine.allocate();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->port, got[0].port);
  EXPECT_NE(again->id, got[0].id);
  engine.release(again->id);
  engine.release(again->id);  // twice is harmless
  EXPECT_EQ(engine.stats().sessions, got.size() - 1);
}

TEST(RtpEngine, RejectsNonNumericAddress) {
  EXPECT_THROW(RtpEngine("localhost", 40000, 40100, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace callbackd::media
