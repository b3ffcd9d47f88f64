#pragma once
// A PCM WAV file in memory, of any rate and channel count: what a recording an admin uploads looks like.
#include <cmath>
#include <cstdint>
#include <string>

namespace callbackd::testing {

inline void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A sine tone of `ms` milliseconds.
inline std::string wav_bytes(std::uint32_t rate, std::uint16_t channels, std::uint32_t ms, double hz = 440) {
  const std::uint32_t frames = rate * ms / 1000;
  const std::uint32_t data = frames * channels * 2;
  std::string out = "RIFF";
  put_le(out, 36 + data, 4);
  out += "WAVEfmt ";
  put_le(out, 16, 4);
  put_le(out, 1, 2);
  put_le(out, channels, 2);
  put_le(out, rate, 4);
  put_le(out, rate * channels * 2, 4);
  put_le(out, channels * 2U, 2);
  put_le(out, 16, 2);
  out += "data";
  put_le(out, data, 4);
  for (std::uint32_t i = 0; i < frames; ++i) {
    const auto s = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * hz * i / rate));
    for (std::uint16_t c = 0; c < channels; ++c) put_le(out, static_cast<std::uint16_t>(s), 2);
  }
  return out;
}

}  // namespace callbackd::testing
