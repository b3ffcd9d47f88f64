// Replacing and restoring a voice prompt: the files, the running catalog and the replies the UI shows.
#include "web/prompts_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "media/prompt.hpp"
#include "unit/media/wav_bytes.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::web {
namespace {

namespace fs = std::filesystem;
using callbackd::testing::wav_bytes;

class PromptsApiTest : public ::testing::Test {
 protected:
  PromptsApiTest() {
    fs::create_directories(defaults_ + "/en");
    fs::copy_file(std::string(CALLBACKD_PROMPTS_DIR) + "/en/welcome.wav", defaults_ + "/en/welcome.wav");
    fs::copy_file(std::string(CALLBACKD_PROMPTS_DIR) + "/en/digit-A.wav", defaults_ + "/en/digit-A.wav");
    catalog_ = std::make_unique<media::PromptCatalog>(defaults_, custom_);
    api_ = std::make_unique<PromptsApi>(PromptDirs{defaults_, custom_}, catalog_.get());
  }
  std::size_t playing() const { return catalog_->find("en/welcome")->samples.size(); }

  callbackd::testing::TempDir dir_;
  std::string defaults_ = dir_.file("defaults");
  std::string custom_ = dir_.file("custom");
  std::unique_ptr<media::PromptCatalog> catalog_;
  std::unique_ptr<PromptsApi> api_;
};

TEST_F(PromptsApiTest, ListsEveryPromptAsDefault) {
  const auto r = api_->list();
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body.size(), 2U);
  EXPECT_EQ(r.body[0], (nlohmann::json{{"language", "en"}, {"name", "digit-A"}, {"custom", false}}));
  EXPECT_EQ(r.body[1]["name"], "welcome");
}

TEST_F(PromptsApiTest, AnUploadReplacesThePromptTheRunningServerPlays) {
  const std::size_t before = playing();
  const auto r = api_->replace("en", "welcome", wav_bytes(44100, 2, 700));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["custom"], true);
  EXPECT_EQ(r.body["format"], "WAV");
  EXPECT_NEAR(static_cast<double>(playing()), 5600, 50);  // 0.7 s at 8 kHz, in the catalog now
  EXPECT_NE(playing(), before);
  EXPECT_TRUE(fs::exists(custom_ + "/en/welcome.wav"));
  EXPECT_EQ(api_->audio("en", "welcome").text.size(), fs::file_size(custom_ + "/en/welcome.wav"));
  // A restart keeps it: a new catalog reads the custom directory over the defaults.
  EXPECT_EQ(media::PromptCatalog(defaults_, custom_).find("en/welcome")->samples.size(), playing());
}

TEST_F(PromptsApiTest, RestoreBringsTheDefaultBack) {
  const std::size_t original = playing();
  ASSERT_EQ(api_->replace("en", "welcome", wav_bytes(8000, 1, 300)).status, 200);
  const auto r = api_->restore("en", "welcome");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["custom"], false);
  EXPECT_EQ(playing(), original);
  EXPECT_FALSE(fs::exists(custom_ + "/en/welcome.wav"));
  EXPECT_EQ(api_->audio("en", "welcome").text.size(), fs::file_size(defaults_ + "/en/welcome.wav"));
}

TEST_F(PromptsApiTest, ABadFileIsRefusedAndChangesNothing) {
  const std::size_t original = playing();
  const auto r = api_->replace("en", "welcome", "<html>not audio</html>");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["field"], "file");
  EXPECT_NE(r.body["error"].get<std::string>().find("not a supported audio file"), std::string::npos);
  EXPECT_EQ(playing(), original);
  EXPECT_FALSE(fs::exists(custom_ + "/en/welcome.wav"));
}

TEST_F(PromptsApiTest, UnknownPromptsAre404) {
  EXPECT_EQ(api_->replace("en", "nosuch", wav_bytes(8000, 1, 300)).status, 404);
  EXPECT_EQ(api_->restore("fr", "welcome").status, 404);
  EXPECT_EQ(api_->audio("en", "nosuch").status, 404);
  EXPECT_FALSE(fs::exists(custom_ + "/en/nosuch.wav"));
}

TEST_F(PromptsApiTest, ADamagedCustomFileFallsBackToTheDefaultAtStart) {
  fs::create_directories(custom_ + "/en");
  std::ofstream(custom_ + "/en/welcome.wav") << "garbage";
  EXPECT_EQ(media::PromptCatalog(defaults_, custom_).find("en/welcome")->samples.size(), playing());
}

}  // namespace
}  // namespace callbackd::web
