// media::parse_sdp reads the SDP body of every INVITE, 200 and ACK a peer sends. Besides surviving any input,
// an offer we accept must round-trip: our answer to it parses and negotiates to the same codec and
// telephone-event payload types, or the peer and we would disagree on what the RTP stream carries.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "media/sdp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::media;
  const auto offer = parse_sdp(callbackd::fuzz::text(data, size));
  if (!offer) return 0;
  const auto chosen = negotiate(*offer);
  if (!chosen) return 0;
  FUZZ_CHECK(chosen->remote_port != 0 && !chosen->remote_address.empty());
  FUZZ_CHECK(chosen->codec_pt >= 0 && chosen->codec_pt <= 127 && chosen->telephone_event_pt <= 127);
  const LocalMedia local{"192.0.2.1", 40000, 1};
  const auto answer = parse_sdp(make_answer(local, *chosen));
  FUZZ_CHECK(answer.has_value());
  const auto again = negotiate(*answer);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->codec == chosen->codec && again->codec_pt == chosen->codec_pt);
  FUZZ_CHECK(again->telephone_event_pt == chosen->telephone_event_pt);
  return 0;
}
