#pragma once
// RTP fixed header (RFC 3550 5.1): parse what a peer sends, write what we send.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace callbackd::media {

inline constexpr std::size_t kRtpHeaderSize = 12;

struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

struct RtpPacket {
  RtpHeader header;
  std::span<const std::uint8_t> payload;  // CSRCs, extension and padding removed
};

// nullopt for anything that is not a well-formed RTP version 2 packet.
std::optional<RtpPacket> parse_rtp(std::span<const std::uint8_t> packet);
// Writes the 12-byte header (no CSRC, no extension) into out[0..12).
void write_rtp_header(const RtpHeader& header, std::span<std::uint8_t, kRtpHeaderSize> out);

}  // namespace callbackd::media
