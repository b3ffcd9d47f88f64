#pragma once
// Voice prompts: 8 kHz mono 16-bit WAV files loaded once and shared read-only between media threads.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace callbackd::media {

struct Prompt {
  std::string name;
  std::vector<std::int16_t> samples;  // 8 kHz linear PCM
};
using PromptPtr = std::shared_ptr<const Prompt>;

// Loads a WAV file; throws std::runtime_error naming the file and the problem (not 8 kHz mono PCM,
// truncated...).
PromptPtr load_wav(const std::string& path, const std::string& name);
// The same over a WAV file's bytes already in memory (load_wav reads the file and calls this, so both share
// one decoder, the one the fuzz target drives); `source` names the bytes in the error messages.
PromptPtr parse_wav(std::span<const std::uint8_t> bytes, const std::string& source, const std::string& name);

// All prompts of one directory tree, keyed "en/welcome". Missing prompts are reported at start-up, not
// mid-call.
class PromptCatalog {
 public:
  explicit PromptCatalog(const std::string& dir);
  PromptPtr find(const std::string& key) const;  // nullptr when absent
  std::size_t size() const { return prompts_.size(); }

 private:
  std::map<std::string, PromptPtr> prompts_;
};

}  // namespace callbackd::media
