#include "media/rfc4733.hpp"

#include <algorithm>

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

int digit_to_event(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  switch (digit) {
    case '*':
      return 10;
    case '#':
      return 11;
    case 'A':
      return 12;
    case 'B':
      return 13;
    case 'C':
      return 14;
    case 'D':
      return 15;
    default:
      return -1;
  }
}

namespace {
constexpr int kToneTicks = 5;  // 100 ms of tone: what gateways and phones detect reliably
constexpr int kEndPackets = 3;
constexpr std::uint8_t kVolume = 10;  // -10 dBm0
}  // namespace

void Rfc4733Encoder::queue(char digit) {
  if (const int event = digit_to_event(digit); event >= 0) pending_.push_back(event);
}

std::span<const std::uint8_t> Rfc4733Encoder::next(std::uint32_t timestamp, std::uint32_t& start_ts,
                                                   bool& marker) {
  if (!active_) {
    if (pending_.empty()) return {};
    event_ = pending_.front();
    pending_.pop_front();
    active_ = true;
    ticks_ = 0;
    start_ts_ = timestamp;
  }
  marker = ticks_ == 0;
  ++ticks_;
  const bool end = ticks_ > kToneTicks;
  const auto duration = static_cast<std::uint16_t>(160 * std::min(ticks_, kToneTicks));
  payload_ = {static_cast<std::uint8_t>(event_), static_cast<std::uint8_t>((end ? 0x80U : 0U) | kVolume),
              static_cast<std::uint8_t>(duration >> 8U), static_cast<std::uint8_t>(duration & 0xFFU)};
  if (ticks_ >= kToneTicks + kEndPackets) active_ = false;
  start_ts = start_ts_;
  return payload_;
}

}  // namespace callbackd::media
