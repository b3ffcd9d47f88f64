#pragma once
// The RTP engine: UDP sockets on an epoll thread with one 20 ms media clock for all its sessions (not a timer
// per call). It plays prompts, decodes RFC 4733 events and detects in-band DTMF, and reports digits and
// finished prompts through the event sink. All public methods are thread-safe; the sink is called on the
// media thread and must only post (never block).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/prompt.hpp"
#include "media/sdp.hpp"

namespace callbackd::media {

using SessionId = std::uint64_t;

enum class DtmfSource { Rfc4733, Inband };

struct MediaEvent {
  enum class Kind { Dtmf, PlaybackDone };
  Kind kind = Kind::Dtmf;
  SessionId session = 0;
  char digit = 0;  // '0'-'9', '*', '#', 'A'-'D'
  DtmfSource source = DtmfSource::Rfc4733;
};

struct EngineStats {
  std::size_t sessions = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
};

class RtpEngine {
 public:
  using EventSink = std::function<void(const MediaEvent&)>;

  // Binds nothing yet; ports are taken per session from [port_min, port_max] (even RTP ports).
  RtpEngine(std::string address, std::uint16_t port_min, std::uint16_t port_max, EventSink sink);
  ~RtpEngine();  // stops and joins the media thread, closes every socket
  RtpEngine(const RtpEngine&) = delete;
  RtpEngine& operator=(const RtpEngine&) = delete;

  struct Allocation {
    SessionId id;
    std::uint16_t port;
  };
  // Opens a socket on a free even port; nullopt when the range is exhausted.
  std::optional<Allocation> allocate();
  // Starts sending/receiving towards the negotiated remote.
  void start(SessionId id, const Negotiated& remote);
  // Queues prompts to play one after the other; PlaybackDone is reported when the queue runs dry.
  void play(SessionId id, std::vector<PromptPtr> prompts);
  void stop_playback(SessionId id);
  // Call Relay: each session sends what the other receives (decoded and re-encoded, so PCMU and PCMA legs
  // talk). A session is bridged to at most one other; bridging again replaces the old pairs, release() and
  // unbridge() undo it on both sides. Prompts played on a bridged session take precedence over the peer's
  // audio.
  void bridge(SessionId a, SessionId b);
  void unbridge(SessionId id);
  // Sends a digit as RFC 4733 events with the session's negotiated payload type (none negotiated: dropped).
  void send_dtmf(SessionId id, char digit);
  void release(SessionId id);
  EngineStats stats() const;
  const std::string& address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callbackd::media
