#pragma once
// In-band DTMF detection on decoded audio: one spandsp dtmf_rx detector per session.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct dtmf_rx_state_s;  // spandsp's detector state, kept opaque so that only the .cpp includes spandsp.h

namespace callbackd::media {

class InbandDtmfDetector {
 public:
  InbandDtmfDetector();
  // spandsp holds a pointer to this object for its callback: neither copyable nor movable.
  InbandDtmfDetector(const InbandDtmfDetector&) = delete;
  InbandDtmfDetector& operator=(const InbandDtmfDetector&) = delete;

  // Runs the detector over a block of 8 kHz samples; returns the digits that ended detection in this block.
  std::string feed(std::span<const std::int16_t> samples);

 private:
  static void on_digits(void* self, const char* digits, int len);
  struct Free {
    void operator()(dtmf_rx_state_s* s) const;
  };
  std::string detected_;
  std::unique_ptr<dtmf_rx_state_s, Free> state_;
};

}  // namespace callbackd::media
