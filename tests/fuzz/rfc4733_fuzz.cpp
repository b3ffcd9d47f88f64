// The RFC 4733 path of an RTP session: a stream of datagrams, each parsed by media::parse_rtp, those with the
// telephone-event payload type fed to one media::Rfc4733Decoder, as RtpSession::on_packet does. The input is
// a sequence of [length byte][datagram] records. Checked: a reported digit is a DTMF key, and a packet of an
// event already reported (same RTP timestamp as the previous event packet) never reports it again.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "fuzz_check.hpp"
#include "media/rfc4733.hpp"
#include "media/rtp_packet.hpp"

namespace {
constexpr std::uint8_t kTelephoneEventPt = 101;  // what our offer uses
constexpr std::string_view kDtmfKeys = "0123456789*#ABCD";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::media;
  std::span<const std::uint8_t> input(data, size);
  Rfc4733Decoder decoder;
  std::optional<std::uint32_t> previous_timestamp;
  while (!input.empty()) {
    const std::size_t length = std::min<std::size_t>(input[0], input.size() - 1);
    const auto datagram = input.subspan(1, length);
    input = input.subspan(1 + length);
    const auto packet = parse_rtp(datagram);
    if (!packet || packet->header.payload_type != kTelephoneEventPt) continue;
    const auto digit = decoder.feed(packet->header.timestamp, packet->payload);
    if (digit) {
      FUZZ_CHECK(kDtmfKeys.find(*digit) != std::string_view::npos);
      FUZZ_CHECK(previous_timestamp != packet->header.timestamp);
    }
    if (packet->payload.size() >= 4) previous_timestamp = packet->header.timestamp;
  }
  return 0;
}
