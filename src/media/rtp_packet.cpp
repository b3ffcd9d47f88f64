#include "media/rtp_packet.hpp"

namespace callbackd::media {
namespace {

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
  return (static_cast<std::uint32_t>(b[at]) << 24) | (static_cast<std::uint32_t>(b[at + 1]) << 16) |
         (static_cast<std::uint32_t>(b[at + 2]) << 8) | static_cast<std::uint32_t>(b[at + 3]);
}

}  // namespace

std::optional<RtpPacket> parse_rtp(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpHeaderSize || (packet[0] >> 6) != 2) return std::nullopt;
  const bool padding = (packet[0] & 0x20) != 0;
  const bool extension = (packet[0] & 0x10) != 0;
  const std::size_t csrc_count = packet[0] & 0x0F;
  RtpPacket out;
  out.header.marker = (packet[1] & 0x80) != 0;
  out.header.payload_type = packet[1] & 0x7F;
  out.header.sequence = be16(packet, 2);
  out.header.timestamp = be32(packet, 4);
  out.header.ssrc = be32(packet, 8);
  std::size_t begin = kRtpHeaderSize + 4 * csrc_count;
  if (begin > packet.size()) return std::nullopt;
  if (extension) {
    if (begin + 4 > packet.size()) return std::nullopt;
    begin += 4 + 4 * static_cast<std::size_t>(be16(packet, begin + 2));
    if (begin > packet.size()) return std::nullopt;
  }
  std::size_t end = packet.size();
  if (padding) {
    const std::size_t pad = packet.back();
    if (pad == 0 || pad > end - begin) return std::nullopt;
    end -= pad;
  }
  out.payload = packet.subspan(begin, end - begin);
  return out;
}

void write_rtp_header(const RtpHeader& h, std::span<std::uint8_t, kRtpHeaderSize> out) {
  out[0] = 0x80;  // version 2, no padding, no extension, no CSRC
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0x00) | (h.payload_type & 0x7F));
  out[2] = static_cast<std::uint8_t>(h.sequence >> 8);
  out[3] = static_cast<std::uint8_t>(h.sequence);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<std::uint8_t>(h.timestamp >> (24 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(h.ssrc >> (24 - 8 * i));
  }
}

}  // namespace callbackd::media
