#include "media/rtp_session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>

#include "media/g711.hpp"

namespace callbackd::media {
namespace {

// Gateways that send both RFC 4733 and the tone in the audio would otherwise report each digit twice: an
// in-band digit equal to the last telephone-event digit is ignored for this long after the last
// telephone-event packet.
constexpr std::uint64_t kInbandSuppressTicks = 50;  // 1 s
constexpr std::size_t kMaxDatagram = 1500;
constexpr std::size_t kMaxPacketsPerWakeup = 64;  // fairness between sessions of one thread
// The relay's jitter allowance: play starts once two frames are buffered, and more than 200 ms of backlog
// (a peer's clock running fast) is dropped from the old end so that the delay stays bounded.
constexpr std::size_t kPeerPrimeSamples = 2 * kSamplesPerFrame;
constexpr std::size_t kPeerMaxSamples = 10 * kSamplesPerFrame;

}  // namespace

RtpSession::RtpSession(SessionId id, Fd socket, StreamStart stream) : id_(id), socket_(std::move(socket)) {
  out_.ssrc = stream.ssrc;
  out_.sequence = stream.sequence;
  out_.timestamp = stream.timestamp;
}

bool RtpSession::start(const Negotiated& remote) {
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (::getsockname(socket_.get(), reinterpret_cast<sockaddr*>(&local), &len) != 0) return false;
  auto addr = make_address(remote.remote_address, remote.remote_port, local.ss_family);
  if (!addr) return false;
  negotiated_ = remote;
  remote_ = *addr;
  remote_latched_ = false;
  return true;
}

void RtpSession::play(std::vector<PromptPtr> prompts) {
  for (auto& p : prompts) {
    if (p && !p->samples.empty()) queue_.push_back(std::move(p));
  }
  // An empty request still completes, so that the caller's state machine always gets its PlaybackDone.
  if (queue_.empty()) done_pending_ = true;
}

void RtpSession::stop_playback() {
  queue_.clear();
  position_ = 0;
  done_pending_ = false;
}

void RtpSession::next_frame(std::span<std::int16_t, kSamplesPerFrame> frame,
                            std::vector<MediaEvent>& events) {
  std::size_t filled = 0;
  const bool was_playing = !queue_.empty();
  while (filled < frame.size() && !queue_.empty()) {
    const auto& samples = queue_.front()->samples;
    const std::size_t n = std::min(frame.size() - filled, samples.size() - position_);
    std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(position_), n, frame.begin() + filled);
    filled += n;
    position_ += n;
    if (position_ == samples.size()) {  // prompts follow each other without a gap
      queue_.pop_front();
      position_ = 0;
    }
  }
  if (filled == 0 && !was_playing) {
    fill_from_peer(frame);
  } else {
    std::fill(frame.begin() + filled, frame.end(), std::int16_t{0});
  }
  if ((was_playing && queue_.empty()) || done_pending_) {
    done_pending_ = false;
    events.push_back({MediaEvent::Kind::PlaybackDone, id_, 0, DtmfSource::Rfc4733});
  }
}

// While idle we keep sending encoded silence: it holds NAT bindings open and keeps gateways that hang up on
// RTP timeout happy, at the cost of one sendto per session per tick.
bool RtpSession::tick(std::vector<MediaEvent>& events) {
  ++ticks_;
  if (!remote_) return false;
  std::array<std::int16_t, kSamplesPerFrame> frame{};
  next_frame(frame, events);
  std::array<std::uint8_t, kRtpHeaderSize + kSamplesPerFrame> packet{};
  out_.marker = first_packet_;
  out_.payload_type = static_cast<std::uint8_t>(negotiated_.codec_pt);
  write_rtp_header(out_, std::span<std::uint8_t, kRtpHeaderSize>(packet.data(), kRtpHeaderSize));
  g711::encode(negotiated_.codec, frame, std::span(packet).subspan(kRtpHeaderSize));
  const bool sent = send_packet(packet);
  first_packet_ = false;
  const bool event_sent = send_event_packet();
  out_.timestamp += static_cast<std::uint32_t>(kSamplesPerFrame);
  return sent || event_sent;
}

// The stream's clock advances whether or not the datagram left (e.g. ICMP unreachable): the peer must see
// the gap in time, and the sequence number stays continuous.
bool RtpSession::send_packet(std::span<std::uint8_t> packet) {
  const auto sent = ::sendto(socket_.get(), packet.data(), packet.size(), 0, remote_->get(), remote_->length);
  ++out_.sequence;
  return sent > 0;
}

bool RtpSession::send_event_packet() {
  if (dtmf_out_.idle() || negotiated_.telephone_event_pt < 0) return false;
  RtpHeader header = out_;
  const auto payload = dtmf_out_.next(out_.timestamp, header.timestamp, header.marker);
  if (payload.empty()) return false;
  header.payload_type = static_cast<std::uint8_t>(negotiated_.telephone_event_pt);
  std::array<std::uint8_t, kRtpHeaderSize + 4> packet{};
  write_rtp_header(header, std::span<std::uint8_t, kRtpHeaderSize>(packet.data(), kRtpHeaderSize));
  std::copy(payload.begin(), payload.end(), packet.begin() + kRtpHeaderSize);
  return send_packet(packet);
}

bool RtpSession::send_dtmf(char digit) {
  if (negotiated_.telephone_event_pt < 0) return false;
  dtmf_out_.queue(digit);
  return true;
}

void RtpSession::set_peer(RtpSession* peer) {
  peer_ = peer;
  from_peer_.clear();
  peer_primed_ = false;
}

void RtpSession::take_peer_audio(std::span<const std::int16_t> samples) {
  from_peer_.insert(from_peer_.end(), samples.begin(), samples.end());
  if (from_peer_.size() > kPeerMaxSamples) {
    from_peer_.erase(from_peer_.begin(),
                     from_peer_.begin() + static_cast<std::ptrdiff_t>(from_peer_.size() - kPeerMaxSamples));
  }
  if (from_peer_.size() >= kPeerPrimeSamples) peer_primed_ = true;
}

void RtpSession::fill_from_peer(std::span<std::int16_t> frame) {
  std::size_t n = 0;
  if (peer_primed_) {
    n = std::min(frame.size(), from_peer_.size());
    std::copy_n(from_peer_.begin(), n, frame.begin());
    from_peer_.erase(from_peer_.begin(), from_peer_.begin() + static_cast<std::ptrdiff_t>(n));
    if (from_peer_.empty()) peer_primed_ = false;  // an underrun: buffer again before playing on
  }
  std::fill(frame.begin() + static_cast<std::ptrdiff_t>(n), frame.end(), std::int16_t{0});
}

std::size_t RtpSession::receive(std::vector<MediaEvent>& events) {
  std::array<std::uint8_t, kMaxDatagram> buf{};
  std::size_t count = 0;
  for (std::size_t i = 0; i < kMaxPacketsPerWakeup; ++i) {
    SocketAddress from;
    from.length = sizeof(from.storage);
    const auto n = ::recvfrom(socket_.get(), buf.data(), buf.size(), 0,
                              reinterpret_cast<sockaddr*>(&from.storage), &from.length);
    if (n < 0) break;        // EAGAIN (drained) or a pending ICMP error: both end this round
    if (!remote_) continue;  // not started: nothing negotiated to decode with
    auto packet = parse_rtp(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    if (!packet) continue;
    // Symmetric RTP (RFC 4961): behind a NAT the peer's real address is where its packets come from. Once
    // latched, packets from anywhere else are dropped: they could inject DTMF into the attendant.
    if (!remote_latched_) {
      remote_latched_ = true;
      if (!(from == *remote_)) remote_ = from;
    } else if (!(from == *remote_)) {
      continue;
    }
    ++count;
    on_packet(*packet, events);
  }
  return count;
}

void RtpSession::on_packet(const RtpPacket& packet, std::vector<MediaEvent>& events) {
  const int pt = packet.header.payload_type;
  if (negotiated_.telephone_event_pt >= 0 && pt == negotiated_.telephone_event_pt) {
    last_rfc4733_tick_ = ticks_;
    if (auto digit = rfc4733_.feed(packet.header.timestamp, packet.payload)) {
      last_rfc4733_digit_ = *digit;
      emit_dtmf(*digit, DtmfSource::Rfc4733, events);
    }
  } else if (pt == negotiated_.codec_pt) {
    on_audio(negotiated_.codec, packet.payload, events);
  } else if (pt == 0 || pt == 8) {  // the peer may switch between the static G.711 types it offered
    on_audio(pt == 0 ? Codec::Pcmu : Codec::Pcma, packet.payload, events);
  }
}

void RtpSession::on_audio(Codec codec, std::span<const std::uint8_t> payload,
                          std::vector<MediaEvent>& events) {
  std::array<std::int16_t, kMaxDatagram> pcm{};
  const auto samples = std::span(pcm).first(std::min(payload.size(), pcm.size()));
  g711::decode(codec, payload.first(samples.size()), samples);
  if (peer_ != nullptr) peer_->take_peer_audio(samples);
  for (char digit : inband_.feed(samples)) {
    const bool rfc4733_active = last_rfc4733_tick_ && ticks_ - *last_rfc4733_tick_ <= kInbandSuppressTicks;
    if (rfc4733_active && digit == last_rfc4733_digit_) continue;
    emit_dtmf(digit, DtmfSource::Inband, events);
  }
}

void RtpSession::emit_dtmf(char digit, DtmfSource source, std::vector<MediaEvent>& events) {
  events.push_back({MediaEvent::Kind::Dtmf, id_, digit, source});
}

}  // namespace callbackd::media
