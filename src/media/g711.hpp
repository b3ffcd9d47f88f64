#pragma once
// G.711 mu-law / A-law conversion of whole frames (spandsp's per-sample routines underneath).
#include <cstdint>
#include <span>

#include "media/sdp.hpp"

namespace callbackd::media::g711 {

// out.size() must be >= in.size().
void encode(Codec codec, std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void decode(Codec codec, std::span<const std::uint8_t> in, std::span<std::int16_t> out);

}  // namespace callbackd::media::g711
