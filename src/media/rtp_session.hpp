#pragma once
// One RTP session (one leg's audio): its socket, its outgoing stream and playback queue, and its DTMF
// decoders. Not thread-safe: the engine calls it under its session lock.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "media/inband_dtmf.hpp"
#include "media/prompt.hpp"
#include "media/rfc4733.hpp"
#include "media/rtp_engine.hpp"
#include "media/rtp_packet.hpp"
#include "media/sdp.hpp"
#include "media/udp.hpp"

namespace callbackd::media {

inline constexpr std::size_t kSamplesPerFrame = 160;  // 20 ms at 8 kHz

struct StreamStart {
  std::uint32_t ssrc = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
};

class RtpSession {
 public:
  RtpSession(SessionId id, Fd socket, StreamStart stream);

  int fd() const { return socket_.get(); }
  bool started() const { return remote_.has_value(); }

  // False when the remote address is not usable with this socket.
  bool start(const Negotiated& remote);
  void play(std::vector<PromptPtr> prompts);
  void stop_playback();

  // Call Relay. Audio received here is decoded and handed to the peer (another session of the same engine),
  // which sends it on its own clock in its own codec: legs with different G.711 laws transcode, and a peer
  // sending 30 ms packets still leaves in 20 ms ones. The engine sets both sides at once under its lock and
  // clears them before either session goes away.
  void set_peer(RtpSession* peer);
  RtpSession* peer() const { return peer_; }
  // Sends `digit` as RFC 4733 events with the payload type this leg negotiated; false when it negotiated
  // none.
  bool send_dtmf(char digit);

  // One 20 ms media clock tick: sends the next frame (prompt audio or silence); returns true when a packet
  // went.
  bool tick(std::vector<MediaEvent>& events);
  // Reads every datagram waiting on the socket; returns how many were RTP.
  std::size_t receive(std::vector<MediaEvent>& events);

 private:
  void next_frame(std::span<std::int16_t, kSamplesPerFrame> frame, std::vector<MediaEvent>& events);
  void on_packet(const RtpPacket& packet, std::vector<MediaEvent>& events);
  void on_audio(Codec codec, std::span<const std::uint8_t> payload, std::vector<MediaEvent>& events);
  void emit_dtmf(char digit, DtmfSource source, std::vector<MediaEvent>& events);
  void take_peer_audio(std::span<const std::int16_t> samples);
  void fill_from_peer(std::span<std::int16_t> frame);
  bool send_event_packet();
  bool send_packet(std::span<std::uint8_t> packet);

  SessionId id_;
  Fd socket_;
  RtpHeader out_;
  bool first_packet_ = true;
  std::uint64_t ticks_ = 0;

  Negotiated negotiated_;
  std::optional<SocketAddress> remote_;
  bool remote_latched_ = false;

  std::deque<PromptPtr> queue_;
  std::size_t position_ = 0;  // next sample of queue_.front()
  bool done_pending_ = false;

  Rfc4733Decoder rfc4733_;
  char last_rfc4733_digit_ = 0;
  std::optional<std::uint64_t> last_rfc4733_tick_;
  InbandDtmfDetector inband_;

  RtpSession* peer_ = nullptr;
  std::deque<std::int16_t> from_peer_;  // bounded: a late reader drops the oldest audio, never grows
  bool peer_primed_ = false;            // enough buffered to ride out one late packet
  Rfc4733Encoder dtmf_out_;
};

}  // namespace callbackd::media
