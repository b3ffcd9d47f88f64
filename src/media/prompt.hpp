#pragma once
// Voice prompts: 8 kHz mono 16-bit WAV files, each loaded into an immutable Prompt shared read-only between
// media threads. The catalog may swap one prompt for another while calls run (an admin replaced a recording):
// a call that is playing the old one keeps its shared_ptr and finishes it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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

// All prompts of one directory tree, keyed "en/welcome", with the admins' recordings of `custom_dir` (same
// layout, may be empty or absent) in place of the defaults they replace. A bad default stops the start (it
// ships with the build); a bad custom file is logged and its default used, so a damaged upload cannot keep
// the server down. Missing prompts are reported at start-up, not mid-call. Thread safe.
class PromptCatalog {
 public:
  explicit PromptCatalog(const std::string& dir, const std::string& custom_dir = {});
  PromptPtr find(const std::string& key) const;  // nullptr when absent
  std::size_t size() const;
  // Puts `prompt` in place of `key`'s current one, for the calls that start playing it from now on.
  void replace(const std::string& key, PromptPtr prompt);

 private:
  mutable std::mutex mu_;
  std::map<std::string, PromptPtr> prompts_;
};

}  // namespace callbackd::media
