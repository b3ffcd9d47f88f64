#pragma once
// SDP offer/answer for one audio stream: PCMU, PCMA and RFC 4733 telephone-event.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callbackd::media {

enum class Codec { Pcmu, Pcma };

struct PayloadFormat {
  int pt = 0;
  std::string encoding;  // as in a=rtpmap, upper case ("PCMU", "TELEPHONE-EVENT"); static PTs filled in
  int clock_rate = 8000;
};

struct AudioDescription {
  std::string address;  // connection address (media-level c= wins over session-level)
  std::uint16_t port = 0;
  std::vector<PayloadFormat> formats;  // in the order of the m= line
  enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive } direction = Direction::SendRecv;
};

std::optional<AudioDescription> parse_sdp(std::string_view sdp);

// The outcome of negotiation: what we send and receive.
struct Negotiated {
  Codec codec = Codec::Pcmu;
  int codec_pt = 0;
  int telephone_event_pt = -1;  // -1: the peer did not offer RFC 4733
  std::string remote_address;
  std::uint16_t remote_port = 0;
};

// Picks the first of the offer's formats that we support (PCMU or PCMA) and its telephone-event PT, if any.
std::optional<Negotiated> negotiate(const AudioDescription& remote);

struct LocalMedia {
  std::string address;
  std::uint16_t port = 0;
  std::uint64_t session_id = 0;
};

// Our offer: PCMU, PCMA and telephone-event/8000 (PT 101), ptime 20.
std::string make_offer(const LocalMedia& local);
// Our answer to a negotiated offer: just the chosen codec and telephone-event when offered.
std::string make_answer(const LocalMedia& local, const Negotiated& n);

}  // namespace callbackd::media
