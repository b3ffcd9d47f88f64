// check_config(): configurations that parse but cannot start or can never make a callback, each error naming
// every key involved; and load_config() running it for --check-config and the server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "app/config.hpp"

namespace callbackd::app {
namespace {

// A configuration that passes: the build's prompts, one Auto Attendant line answering after 8 s.
Config good() {
  Config c;
  c.media.prompts_dir = CALLBACKD_PROMPTS_DIR;
  LineConfig line;
  line.name = "fxo1";
  line.gateway = {"127.0.0.1", 5070};
  c.lines.push_back(line);
  return c;
}

std::vector<std::string> keys(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.key);
  return out;
}

TEST(ConfigChecks, UnknownCountriesAreErrors) {
  Config c = good();
  c.policy.country = "XX";
  c.lines[0].country = "usa";
  EXPECT_EQ(keys(check_config(c)), (std::vector<std::string>{"policy.country", "line[0].country"}));
  c.policy.country = "GB";
  c.lines[0].country = "US";
  EXPECT_TRUE(check_config(c).empty());
}

TEST(ConfigChecks, GoodConfigurationHasNoErrors) {
  EXPECT_TRUE(check_config(good()).empty()) << keys(check_config(good())).front();
}

TEST(ConfigChecks, WebPortEqualToSipPortNamesBoth) {
  Config c = good();
  c.web.listen = {"127.0.0.1", 5060};
  EXPECT_EQ(keys(check_config(c)), std::vector<std::string>{"web.listen, sip.listen"});
  c.web.listen = {"0.0.0.0", 5060};  // a wildcard collides with any address
  EXPECT_EQ(keys(check_config(c)), std::vector<std::string>{"web.listen, sip.listen"});
  c.web.listen = {"127.0.0.2", 5060};  // two addresses, no collision
  EXPECT_TRUE(check_config(c).empty());
}

TEST(ConfigChecks, RtpRangeOverTheSipPortNamesBoth) {
  Config c = good();
  c.media.port_min = 5000;
  c.media.port_max = 6000;
  const auto errors = check_config(c);
  ASSERT_EQ(keys(errors), std::vector<std::string>{"media.rtp_ports, sip.listen"});
  EXPECT_NE(errors[0].message.find("5060"), std::string::npos);
  c.media.port_max = 5059;
  EXPECT_TRUE(check_config(c).empty());
}

TEST(ConfigChecks, NoLinesIsAnError) {
  Config c = good();
  c.lines.clear();
  EXPECT_EQ(keys(check_config(c)), std::vector<std::string>{"line"});
}

TEST(ConfigChecks, AttendantLineAnsweringAtOnceCanNeverTrigger) {
  Config c = good();
  c.lines[0].answer_delay_s = 0;
  EXPECT_EQ(keys(check_config(c)), std::vector<std::string>{"line[0].answer_delay_s, line[0].inbound"});
  c.lines[0].inbound = InboundRoute::Reject;  // never answered anyway: the delay does not matter
  EXPECT_TRUE(check_config(c).empty());
}

TEST(ConfigChecks, LanguageWithoutPromptsAndMissingPrompts) {
  Config c = good();
  c.media.language = "xx";
  EXPECT_EQ(keys(check_config(c)), std::vector<std::string>{"media.language, media.prompts_dir"});
  const auto dir = std::filesystem::temp_directory_path() / "cbd-config-checks-prompts";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "en");
  std::ofstream(dir / "en" / "welcome.wav") << "RIFF";
  c.media.language = "en";
  c.media.prompts_dir = dir.string();
  const auto errors = check_config(c);
  ASSERT_EQ(keys(errors), std::vector<std::string>{"media.prompts_dir, media.language"});  // one line for all
  EXPECT_NE(errors.front().message.find("goodbye.wav, invalid.wav"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors.front().message.find("relay-enter-number.wav"), std::string::npos) << errors[0].message;
  EXPECT_EQ(errors.front().message.find("welcome.wav"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ConfigChecks, LoadConfigRunsThemAndCreateAdminSkipsThem) {
  const auto path = std::filesystem::temp_directory_path() / "cbd-config-checks.toml";
  std::ofstream(path) << "[web]\nlisten = \"127.0.0.1:5060\"\n";  // no lines either
  const auto all = load_config(path.string());
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(all));
  const auto k = keys(std::get<std::vector<ConfigError>>(all));
  EXPECT_NE(std::find(k.begin(), k.end(), "web.listen, sip.listen"), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), "line"), k.end());
  EXPECT_TRUE(std::holds_alternative<Config>(load_config(path.string(), ConfigChecks::KeysOnly)));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace callbackd::app
