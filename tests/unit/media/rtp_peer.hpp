#pragma once
// A plain UDP socket that speaks RTP by hand, for the RTP engine's tests (and what they share).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spandsp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media/rtp_engine.hpp"
#include "media/rtp_packet.hpp"

namespace callbackd::media::rtp_test {

using namespace std::chrono_literals;

constexpr int kTelephoneEventPt = 101;

// Collects the engine's events (delivered on the media thread) for the test thread.
class EventLog {
 public:
  RtpEngine::EventSink sink() {
    return [this](const MediaEvent& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // Waits until at least n events arrived; returns a copy of all of them.
  std::vector<MediaEvent> wait_for(std::size_t n, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
    return events_;
  }
  std::vector<MediaEvent> snapshot() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<MediaEvent> events_;
};

class Peer {
 public:
  explicit Peer(int family = AF_INET) : family_(family), fd_(::socket(family, SOCK_DGRAM, 0)) {
    sockaddr_storage addr{};
    socklen_t len = loopback(addr, 0);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  ~Peer() { ::close(fd_); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  std::uint16_t port() const { return port_; }

  void send_to(std::uint16_t port, const std::vector<std::uint8_t>& datagram) const {
    sockaddr_storage addr{};
    const socklen_t len = loopback(addr, port);
    ASSERT_GT(::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr), len), 0);
  }

  std::optional<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout = 1s) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    std::vector<std::uint8_t> buf(2048);
    const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

 private:
  socklen_t loopback(sockaddr_storage& addr, std::uint16_t port) const {
    if (family_ == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&addr);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return sizeof(sockaddr_in);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = in6addr_loopback;
    return sizeof(sockaddr_in6);
  }

  int family_;
  int fd_;
  std::uint16_t port_ = 0;
};

inline std::vector<std::uint8_t> rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, bool marker,
                                     const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(kRtpHeaderSize);
  write_rtp_header({marker, pt, seq, ts, 0x1234},
                   std::span<std::uint8_t, kRtpHeaderSize>(out.data(), kRtpHeaderSize));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// The RFC 4733 packets of one digit: 7 progress packets and 3 end packets sharing the start timestamp.
inline void send_rfc4733_digit(const Peer& peer, std::uint16_t port, int event, std::uint16_t& seq,
                               std::uint32_t ts) {
  for (int i = 0; i < 10; ++i) {
    const bool end = i >= 7;
    const auto duration = static_cast<std::uint16_t>(160 * (std::min(i, 7) + 1));
    peer.send_to(port, rtp(kTelephoneEventPt, seq++, ts, i == 0,
                           {static_cast<std::uint8_t>(event), static_cast<std::uint8_t>(end ? 0x8A : 0x0A),
                            static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration)}));
  }
}

// Tones from spandsp's generator, u-law encoded in 20 ms RTP packets.
inline void send_inband_digits(const Peer& peer, std::uint16_t port, const char* digits, std::uint16_t& seq,
                               std::uint32_t& ts) {
  dtmf_tx_state_t* tx = dtmf_tx_init(nullptr);
  dtmf_tx_put(tx, digits, -1);
  std::vector<std::int16_t> frame(160);
  for (int i = 0; i < 100; ++i) {  // 2 s: the tones then trailing silence
    std::fill(frame.begin(), frame.end(), std::int16_t{0});
    dtmf_tx(tx, frame.data(), static_cast<int>(frame.size()));
    std::vector<std::uint8_t> payload(frame.size());
    for (std::size_t s = 0; s < frame.size(); ++s) payload[s] = linear_to_ulaw(frame[s]);
    peer.send_to(port, rtp(0, seq++, ts, false, payload));
    ts += 160;
    std::this_thread::sleep_for(1ms);  // keep the engine's receive buffer shallow
  }
  dtmf_tx_free(tx);
}

inline Negotiated towards(const Peer& peer, const char* address = "127.0.0.1", Codec codec = Codec::Pcmu) {
  Negotiated n;
  n.codec = codec;
  n.codec_pt = codec == Codec::Pcmu ? 0 : 8;
  n.telephone_event_pt = kTelephoneEventPt;
  n.remote_address = address;
  n.remote_port = peer.port();
  return n;
}

}  // namespace callbackd::media::rtp_test
