#pragma once
// RFC 4733 telephone-event decoding: a digit is reported once per event, however many end packets arrive.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
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
int digit_to_event(char digit);  // -1 when the digit is not a DTMF key

// RFC 4733 sending, one 20 ms packet per media tick: the event's packets while the tone lasts, then three end
// packets (the end is sent redundantly because it is what the receiver acts on and UDP may drop one).
class Rfc4733Encoder {
 public:
  void queue(char digit);  // digits queue up and go one after the other
  bool idle() const { return !active_ && pending_.empty(); }
  // The payload of this tick's event packet, or empty when no event is being sent. `timestamp` is the
  // stream's current RTP timestamp; `start_ts` receives the event's start timestamp (the packet's RTP
  // timestamp) and `marker` whether this is the event's first packet.
  std::span<const std::uint8_t> next(std::uint32_t timestamp, std::uint32_t& start_ts, bool& marker);

 private:
  std::deque<int> pending_;
  bool active_ = false;
  int event_ = 0;
  int ticks_ = 0;
  std::uint32_t start_ts_ = 0;
  std::array<std::uint8_t, 4> payload_{};
};

}  // namespace callbackd::media
