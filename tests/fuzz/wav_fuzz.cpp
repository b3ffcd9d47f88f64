// media::parse_wav is the decoder of the prompt files load_wav reads at start-up (a file an operator dropped
// into the prompts directory, possibly truncated or from another tool). Any bytes either give a prompt or a
// std::runtime_error naming the source; a prompt never holds more samples than the bytes could carry.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "fuzz_check.hpp"
#include "media/prompt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto prompt = callbackd::media::parse_wav(std::span(data, size), "fuzz.wav", "fuzz");
    FUZZ_CHECK(prompt != nullptr && prompt->name == "fuzz");
    FUZZ_CHECK(prompt->samples.size() * 2 <= size);
  } catch (const std::runtime_error& e) {
    FUZZ_CHECK(std::string_view(e.what()).starts_with("prompt fuzz.wav: "));
  }
  return 0;
}
