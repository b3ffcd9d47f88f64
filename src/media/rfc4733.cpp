#include "media/rfc4733.hpp"

namespace callbackd::media {

std::optional<char> Rfc4733Decoder::feed(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload) {
  // RFC 4733 2.3: event(8) E|R|volume(8) duration(16). All packets of one event (its continuations and the
  // three redundant end packets) carry the event's start timestamp, so a new timestamp is a new event.
  if (payload.size() < 4) return std::nullopt;
  if (last_timestamp_ == rtp_timestamp) return std::nullopt;
  last_timestamp_ = rtp_timestamp;
  const char digit = event_to_digit(payload[0]);
  if (digit == 0) return std::nullopt;
  return digit;
}

char event_to_digit(int event) {
  if (event >= 0 && event <= 9) return static_cast<char>('0' + event);
  switch (event) {
    case 10:
      return '*';
    case 11:
      return '#';
    case 12:
      return 'A';
    case 13:
      return 'B';
    case 14:
      return 'C';
    case 15:
      return 'D';
    default:
      return 0;
  }
}

}  // namespace callbackd::media
