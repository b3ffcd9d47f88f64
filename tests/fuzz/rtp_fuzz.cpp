// media::parse_rtp reads every datagram that reaches an RTP port, from anyone (before the source is
// latched). The payload it returns must lie inside the datagram, and the header fields must survive our own
// writer: write_rtp_header of a parsed header, parsed again, gives the same header.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "media/rtp_packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::media;
  const std::span<const std::uint8_t> datagram(data, size);
  const auto packet = parse_rtp(datagram);
  if (!packet) return 0;
  FUZZ_CHECK(size >= kRtpHeaderSize);
  FUZZ_CHECK(packet->payload.empty() || (packet->payload.data() >= data + kRtpHeaderSize &&
                                         packet->payload.data() + packet->payload.size() <= data + size));

  std::vector<std::uint8_t> rewritten(kRtpHeaderSize);
  write_rtp_header(packet->header, std::span<std::uint8_t, kRtpHeaderSize>(rewritten.data(), kRtpHeaderSize));
  rewritten.insert(rewritten.end(), packet->payload.begin(), packet->payload.end());
  const auto again = parse_rtp(rewritten);
  FUZZ_CHECK(again.has_value());
  const RtpHeader& a = packet->header;
  const RtpHeader& b = again->header;
  FUZZ_CHECK(a.marker == b.marker && a.payload_type == b.payload_type && a.sequence == b.sequence &&
             a.timestamp == b.timestamp && a.ssrc == b.ssrc);
  FUZZ_CHECK(again->payload.size() == packet->payload.size());
  return 0;
}
