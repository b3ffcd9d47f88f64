#pragma once
// Turns an uploaded recording into the 8 kHz mono 16-bit WAV that PromptCatalog plays. The format is told by
// the file's first bytes (never by a name or a Content-Type the client chose) from a short allow-list, and
// the decoding is left to Debian's sox, run as a child process with CPU, memory, file-size and wall-clock
// limits: an audio decoder is a large attack surface, and a crash or a hang there must not touch the server.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace callbackd::media {

enum class AudioFormat { Wav, Flac, OggVorbis, Mp3, Aiff, Au };

// The format the bytes start with, or nullopt for anything outside the allow-list (WebM, MP4, text...).
std::optional<AudioFormat> sniff_audio_format(std::string_view bytes);
const char* audio_format_name(AudioFormat f);  // "WAV", "FLAC", ...

struct ConvertLimits {
  std::string sox = "sox";  // program name (searched in PATH) or path
  std::chrono::seconds timeout{15};
  std::chrono::seconds max_duration{120};  // a longer recording is refused, never cut silently
  std::chrono::milliseconds min_duration{100};
};

struct ConvertResult {
  std::string wav;    // the converted file; empty when refused
  std::string error;  // why it was refused, for the admin: "not an audio file ...", "longer than 120 s"
  std::int64_t duration_ms = 0;
  bool ok() const { return error.empty(); }
};

// Never throws for a bad input; `error` says what is wrong with it. `work_dir` must exist and be private.
ConvertResult convert_to_prompt_wav(std::string_view input, const std::string& work_dir,
                                    const ConvertLimits& limits = {});

}  // namespace callbackd::media
