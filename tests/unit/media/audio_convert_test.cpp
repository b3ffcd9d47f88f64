// Uploaded recordings through the real sox: what is converted, and what is refused with which reason.
#include "media/audio_convert.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>

#include "media/prompt.hpp"
#include "unit/media/wav_bytes.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::media {
namespace {

using callbackd::testing::wav_bytes;

class AudioConvert : public ::testing::Test {
 protected:
  std::string work() const { return std::filesystem::path(dir_.file("x")).parent_path().string(); }
  callbackd::testing::TempDir dir_;
};

PromptPtr parsed(const std::string& wav) {
  return parse_wav({reinterpret_cast<const std::uint8_t*>(wav.data()), wav.size()}, "out", "t");
}

TEST(SniffAudio, KnowsTheAllowListByTheFirstBytes) {
  EXPECT_EQ(sniff_audio_format(wav_bytes(8000, 1, 10)), AudioFormat::Wav);
  EXPECT_EQ(sniff_audio_format("fLaC\0\0\0\x22"), AudioFormat::Flac);
  EXPECT_EQ(sniff_audio_format("ID3\x04"), AudioFormat::Mp3);
  EXPECT_EQ(sniff_audio_format("\xFF\xFB\x90\x64"), AudioFormat::Mp3);
  EXPECT_EQ(sniff_audio_format("\x1A\x45\xDF\xA3 webm"), std::nullopt);
  EXPECT_EQ(sniff_audio_format("hello"), std::nullopt);
}

TEST_F(AudioConvert, StereoCdQualityBecomes8kHzMono) {
  const auto r = convert_to_prompt_wav(wav_bytes(44100, 2, 1500), work());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(static_cast<double>(r.duration_ms), 1500, 20);
  EXPECT_NEAR(static_cast<double>(parsed(r.wav)->samples.size()), 12000, 100);  // 8 kHz mono
}

TEST_F(AudioConvert, SomethingElseIsRefusedWithTheFormatsThatAreTaken) {
  const auto r = convert_to_prompt_wav("this is a text file, not audio", work());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("not a supported audio file; upload WAV, FLAC"), std::string::npos) << r.error;
  EXPECT_EQ(convert_to_prompt_wav("", work()).error, "the file is empty");
}

TEST_F(AudioConvert, ADamagedFileNamesWhatSoxFound) {
  const auto r = convert_to_prompt_wav(std::string("fLaC") + std::string(200, 'x'), work());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("the file could not be decoded as FLAC: ", 0), 0U) << r.error;
  EXPECT_EQ(r.error.find(work()), std::string::npos) << "no server path in the message: " << r.error;
}

TEST_F(AudioConvert, TooLongIsRefusedNotCut) {
  ConvertLimits limits;
  limits.max_duration = std::chrono::seconds(2);
  const auto r = convert_to_prompt_wav(wav_bytes(8000, 1, 3000), work(), limits);
  EXPECT_EQ(r.error, "the recording is longer than 2 s");
  EXPECT_TRUE(convert_to_prompt_wav(wav_bytes(8000, 1, 1900), work(), limits).ok());
}

TEST_F(AudioConvert, AHangingConverterIsKilledAtTheTimeout) {
  const std::string script = dir_.file("slow-sox");
  std::ofstream(script) << "#!/bin/sh\nsleep 30\n";
  ::chmod(script.c_str(), 0700);
  ConvertLimits limits;
  limits.sox = script;
  limits.timeout = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  const auto r = convert_to_prompt_wav(wav_bytes(8000, 1, 200), work(), limits);
  EXPECT_EQ(r.error, "converting the file took longer than 1 s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(AudioConvert, NoConverterIsSaidSo) {
  ConvertLimits limits;
  limits.sox = "/nonexistent/sox";
  EXPECT_EQ(convert_to_prompt_wav(wav_bytes(8000, 1, 200), work(), limits).error,
            "the audio converter (sox) is not installed on the server");
}

TEST_F(AudioConvert, LeavesNoTemporaryFilesBehind) {
  convert_to_prompt_wav(wav_bytes(16000, 1, 300), work());
  convert_to_prompt_wav("fLaCjunk", work());
  std::size_t left = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(work())) ++left;
  EXPECT_EQ(left, 0U);
}

}  // namespace
}  // namespace callbackd::media
