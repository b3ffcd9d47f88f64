#include "media/prompt.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace callbackd::media {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("cbd-media-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void put16(std::ofstream& out, std::uint16_t v) {
  const char b[2] = {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
  out.write(b, 2);
}
void put32(std::ofstream& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

// A minimal WAV with an extra LIST chunk before "fmt " (as some editors write) to exercise the chunk walk.
void write_wav(const fs::path& path, std::uint32_t rate, std::uint16_t channels, std::uint16_t samples,
               std::uint32_t claimed_data_bytes = 0) {
  std::ofstream out(path, std::ios::binary);
  const std::uint32_t data_bytes = samples * 2U * channels;
  out.write("RIFF", 4);
  put32(out, 4 + (8 + 4) + (8 + 16) + 8 + data_bytes);
  out.write("WAVE", 4);
  out.write("LIST", 4);
  put32(out, 3);
  out.write("abc\0", 4);  // odd size, padded
  out.write("fmt ", 4);
  put32(out, 16);
  put16(out, 1);
  put16(out, channels);
  put32(out, rate);
  put32(out, rate * 2U * channels);
  put16(out, static_cast<std::uint16_t>(2 * channels));
  put16(out, 16);
  out.write("data", 4);
  put32(out, claimed_data_bytes ? claimed_data_bytes : data_bytes);
  for (std::uint32_t i = 0; i < samples * channels; ++i) put16(out, static_cast<std::uint16_t>(i * 100));
}

std::string load_error(const fs::path& path) {
  try {
    load_wav(path.string(), "x");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Prompt, GeneratedPromptsLoadIntoCatalog) {
  PromptCatalog catalog(CALLBACKD_PROMPTS_DIR);
  EXPECT_GT(catalog.size(), 0U);
  auto digit = catalog.find("en/digit-1");
  ASSERT_NE(digit, nullptr);
  EXPECT_EQ(digit->name, "en/digit-1");
  EXPECT_GT(digit->samples.size(), 800U);  // spoken words last more than 0.1 s
  EXPECT_EQ(catalog.find("en/no-such-prompt"), nullptr);
}

TEST(Prompt, LoadsHandWrittenWavWithExtraChunk) {
  TempDir dir;
  write_wav(dir.path() / "ok.wav", 8000, 1, 5);
  auto p = load_wav((dir.path() / "ok.wav").string(), "ok");
  ASSERT_EQ(p->samples.size(), 5U);
  EXPECT_EQ(p->samples[3], 300);
}

TEST(Prompt, RejectsWrongRateStereoTruncatedAndNonWav) {
  TempDir dir;
  write_wav(dir.path() / "16k.wav", 16000, 1, 10);
  EXPECT_NE(load_error(dir.path() / "16k.wav").find("16000 Hz, need 8000 Hz"), std::string::npos);
  write_wav(dir.path() / "stereo.wav", 8000, 2, 10);
  EXPECT_NE(load_error(dir.path() / "stereo.wav").find("need mono"), std::string::npos);
  write_wav(dir.path() / "trunc.wav", 8000, 1, 10, 1000);
  EXPECT_NE(load_error(dir.path() / "trunc.wav").find("truncated"), std::string::npos);
  std::ofstream(dir.path() / "text.wav") << "hello, not a wav file";
  const auto err = load_error(dir.path() / "text.wav");
  EXPECT_NE(err.find("text.wav"), std::string::npos);
  EXPECT_NE(err.find("not a RIFF/WAVE"), std::string::npos);
  EXPECT_NE(load_error(dir.path() / "missing.wav").find("cannot open"), std::string::npos);
}

TEST(Prompt, CatalogKeysBySubdirAndFailsOnBadFile) {
  TempDir dir;
  fs::create_directories(dir.path() / "fr");
  write_wav(dir.path() / "fr" / "bonjour.wav", 8000, 1, 3);
  std::ofstream(dir.path() / "fr" / "notes.txt") << "ignored";
  PromptCatalog catalog(dir.path().string());
  EXPECT_EQ(catalog.size(), 1U);
  EXPECT_NE(catalog.find("fr/bonjour"), nullptr);

  write_wav(dir.path() / "fr" / "bad.wav", 44100, 1, 3);
  EXPECT_THROW(PromptCatalog{dir.path().string()}, std::runtime_error);
  EXPECT_THROW(PromptCatalog{(dir.path() / "nope").string()}, std::runtime_error);
}

}  // namespace
}  // namespace callbackd::media
