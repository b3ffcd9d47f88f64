// Call Relay's media: two engine sessions bridged, each peer a plain socket on loopback.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "media/rfc4733.hpp"
#include "media/rtp_engine.hpp"
#include "rtp_peer.hpp"

namespace callbackd::media {
namespace {

using namespace rtp_test;

// A range of its own, so that these tests and the engine's never reach for the same port at once.
constexpr std::uint16_t kPortMin = 43000;
constexpr std::uint16_t kPortMax = 43998;

std::vector<std::uint8_t> ulaw_tone_frame(std::uint32_t first_sample) {
  std::vector<std::uint8_t> payload(160);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const double t = static_cast<double>(first_sample + i) / 8000.0;
    payload[i] =
        linear_to_ulaw(static_cast<std::int16_t>(8000.0 * std::sin(2 * std::numbers::pi * 1000.0 * t)));
  }
  return payload;
}

struct Bridged {
  EventLog log;
  RtpEngine engine{"127.0.0.1", kPortMin, kPortMax, log.sink()};
  Peer caller;  // PCMU
  Peer far;     // PCMA
  RtpEngine::Allocation a{};
  RtpEngine::Allocation b{};

  Bridged() {
    a = *engine.allocate();
    b = *engine.allocate();
    engine.start(a.id, towards(caller, "127.0.0.1", Codec::Pcmu));
    engine.start(b.id, towards(far, "127.0.0.1", Codec::Pcma));
    engine.bridge(a.id, b.id);
  }
};

// Loud A-law packets that `far` receives while `caller` sends a u-law tone for `frames` x 20 ms.
int loud_pcma_packets(Bridged& t, int frames) {
  int loud = 0;
  std::uint16_t seq = 1;
  for (int i = 0; i < frames; ++i) {
    t.caller.send_to(t.a.port, rtp(0, seq++, static_cast<std::uint32_t>(160 * i), i == 0,
                                   ulaw_tone_frame(static_cast<std::uint32_t>(160 * i))));
    std::this_thread::sleep_for(20ms);
    while (auto datagram = t.far.receive(0ms)) {
      auto packet = parse_rtp(*datagram);
      if (!packet || packet->header.payload_type != 8) continue;
      int peak = 0;
      for (auto byte : packet->payload)
        peak = std::max(peak, std::abs(static_cast<int>(alaw_to_linear(byte))));
      if (peak > 4000) ++loud;
    }
  }
  return loud;
}

TEST(RtpBridge, CallerAudioReachesTheFarLegTranscodedFromUlawToAlaw) {
  Bridged t;
  const int loud = loud_pcma_packets(t, 50);
  // Priming holds back two frames and the first ticks race the sender: most, not all, of the second.
  EXPECT_GE(loud, 35) << "of 50 frames of tone sent as PCMU, the PCMA leg got " << loud << " loud packets";
}

TEST(RtpBridge, UnbridgedLegsHearOnlySilence) {
  Bridged t;
  t.engine.unbridge(t.a.id);
  EXPECT_EQ(loud_pcma_packets(t, 25), 0);
  t.engine.bridge(t.a.id, t.b.id);
  EXPECT_GT(loud_pcma_packets(t, 25), 10);
  t.engine.release(t.b.id);  // releasing one side leaves the other a plain session
  std::uint16_t seq = 1;
  t.caller.send_to(t.a.port, rtp(0, seq, 0, true, ulaw_tone_frame(0)));
  EXPECT_TRUE(t.caller.receive());
}

TEST(RtpBridge, SentDigitGoesOutAsRfc4733WithTheLegsPayloadTypeAndDecodesOnce) {
  Bridged t;
  t.engine.send_dtmf(t.b.id, '7');
  t.engine.send_dtmf(t.b.id, '#');
  Rfc4733Decoder decoder;
  std::string digits;
  int end_packets = 0;
  int markers = 0;
  const auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    auto datagram = t.far.receive(100ms);
    if (!datagram) continue;
    auto packet = parse_rtp(*datagram);
    ASSERT_TRUE(packet);
    if (packet->header.payload_type != kTelephoneEventPt) continue;
    ASSERT_EQ(packet->payload.size(), 4U);
    if ((packet->payload[1] & 0x80U) != 0) ++end_packets;
    if (packet->header.marker) ++markers;
    if (auto d = decoder.feed(packet->header.timestamp, packet->payload)) digits += *d;
  }
  EXPECT_EQ(digits, "7#");
  EXPECT_EQ(end_packets, 6);
  EXPECT_EQ(markers, 2);
}

}  // namespace
}  // namespace callbackd::media
