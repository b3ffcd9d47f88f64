#pragma once
// RFC 4733 telephone-event decoding: a digit is reported once per event, however many end packets arrive.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace callbackd::media {

class Rfc4733Decoder {
 public:
  // Feeds the payload of one telephone-event packet with its RTP timestamp; returns the digit when this
  // packet is the first one seen for a new event (so a digit is reported at its start, and once).
  std::optional<char> feed(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload);

 private:
  std::optional<std::uint32_t> last_timestamp_;
};

char event_to_digit(int event);  // 0 when the event is not a DTMF digit

}  // namespace callbackd::media
