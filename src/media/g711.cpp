#include "media/g711.hpp"

#include <spandsp.h>

namespace callbackd::media::g711 {

void encode(Codec codec, std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  if (codec == Codec::Pcmu) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = linear_to_ulaw(in[i]);
  } else {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = linear_to_alaw(in[i]);
  }
}

void decode(Codec codec, std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  if (codec == Codec::Pcmu) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = ulaw_to_linear(in[i]);
  } else {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = alaw_to_linear(in[i]);
  }
}

}  // namespace callbackd::media::g711
