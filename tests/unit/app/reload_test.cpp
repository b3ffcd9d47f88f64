// reload_config(): what a SIGHUP applies, what it only reports, and that a broken file changes nothing.
#include "app/reload.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace callbackd::app {
namespace {

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("cbd-reload-" + std::to_string(::getpid()) + ".toml");
    write("info", 4, 60);
    running_ = std::get<Config>(load_config(path_.string()));
  }
  void TearDown() override {
    std::filesystem::remove(path_);
    spdlog::set_level(spdlog::level::info);
  }
  void write(const std::string& level, int channels, int retry, const std::string& extra = "") {
    std::ofstream(path_) << "log_level = \"" << level << "\"\n"
                         << extra << "[media]\nprompts_dir = \"" << CALLBACKD_PROMPTS_DIR
                         << "\"\n[callback]\nretry_delay_s = " << retry
                         << "\n[[line]]\nname = \"fxo1\"\ngateway = \"127.0.0.1:5070\"\nchannels = "
                         << channels << "\n";
  }
  ReloadResult reload() {
    return reload_config(path_.string(), running_,
                         [this](const auto& lines, const auto& callback, const auto& policy) {
                           ++applied_;
                           applied_lines_ = lines;
                           applied_callback_ = callback;
                           applied_policy_ = policy;
                         });
  }

  std::filesystem::path path_;
  Config running_;
  int applied_ = 0;
  std::vector<LineConfig> applied_lines_;
  CallbackConfig applied_callback_;
  PolicyConfig applied_policy_;
};

TEST_F(ReloadTest, UnchangedFileAppliesNothing) {
  const auto r = reload();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.applied, "");
  EXPECT_EQ(r.ignored, "");
  EXPECT_EQ(applied_, 0);
}

TEST_F(ReloadTest, LogLevelLinesAndCallbackApplyTheRestIsReported) {
  write("debug", 2, 30, "[sip]\nuser_agent = \"other\"\n");
  const auto r = reload();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.applied, "log_level debug (was info), [[line]], [callback]");
  EXPECT_EQ(r.ignored, "[sip]");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  ASSERT_EQ(applied_, 1);
  ASSERT_EQ(applied_lines_.size(), 1U);
  EXPECT_EQ(applied_lines_[0].channels, 2);
  EXPECT_EQ(applied_callback_.retry_delay_s, 30);
  EXPECT_EQ(running_.lines[0].channels, 2);  // the next reload compares with what is in effect
  EXPECT_EQ(running_.sip.user_agent, "callbackd");
  EXPECT_EQ(reload().applied, "");
}

TEST_F(ReloadTest, PolicyAndLineCountryApply) {
  write("info", 4, 60, "[policy]\ncountry = \"GB\"\ndeny = [\"+4490*\"]\n");
  const auto r = reload();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.applied, "[policy]");
  ASSERT_EQ(applied_, 1);
  EXPECT_EQ(applied_policy_.country, "GB");
  EXPECT_EQ(applied_policy_.deny, std::vector<std::string>{"+4490*"});
  EXPECT_EQ(running_.policy.country, "GB");
  EXPECT_EQ(reload().applied, "");
}

TEST_F(ReloadTest, BrokenFileChangesNothing) {
  std::ofstream(path_) << "log_level = \"loud\"\n";
  const auto r = reload();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(applied_, 0);
  EXPECT_EQ(running_.log_level, "info");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);
}

}  // namespace
}  // namespace callbackd::app
