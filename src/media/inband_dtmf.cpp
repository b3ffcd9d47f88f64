#include "media/inband_dtmf.hpp"

#include <spandsp.h>

#include <stdexcept>

namespace callbackd::media {

InbandDtmfDetector::InbandDtmfDetector() : state_(dtmf_rx_init(nullptr, &on_digits, this)) {
  if (!state_) throw std::runtime_error("dtmf_rx_init failed");
}

std::string InbandDtmfDetector::feed(std::span<const std::int16_t> samples) {
  detected_.clear();
  dtmf_rx(state_.get(), samples.data(), static_cast<int>(samples.size()));
  return detected_;
}

void InbandDtmfDetector::on_digits(void* self, const char* digits, int len) {
  static_cast<InbandDtmfDetector*>(self)->detected_.append(digits, static_cast<std::size_t>(len));
}

void InbandDtmfDetector::Free::operator()(dtmf_rx_state_s* s) const {
  dtmf_rx_free(s);
}

}  // namespace callbackd::media
