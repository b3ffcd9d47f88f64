// The admin's menu file: what it reads, and what it refuses with the key that is wrong.
#include "app/menu_file.hpp"

#include <gtest/gtest.h>

namespace callbackd::app {
namespace {

constexpr const char* kMenu = R"(
start = "main"
relay_start = "relay"
hangup_keys = "*#"  # not a valid key: '#' ends entries

[[state]]
name = "main"
prompts = ["welcome"]
entry = { action = "extension" }
[[state.option]]
keys = "1"
action = "goto"
target = "relay"
needs_login = true
needs_relay = true

[[state]]
name = "relay"
prompts = ["relay-enter-number"]
entry = { action = "dial", needs_login = true, needs_relay = true }
)";

TEST(MenuFile, ReadsStatesOptionsAndEntries) {
  std::string text = kMenu;
  text.replace(text.find("\"*#\""), 4, "\"**\"");
  auto parsed = parse_menu(text);
  ASSERT_TRUE(std::holds_alternative<ivr::Menu>(parsed))
      << std::get<std::vector<std::string>>(parsed).front();
  const auto& menu = std::get<ivr::Menu>(parsed);
  ASSERT_EQ(menu.states.size(), 2u);
  EXPECT_EQ(menu.states[0].options[0].keys, "1");
  EXPECT_EQ(menu.states[0].options[0].choice.target, "relay");
  EXPECT_TRUE(menu.states[1].entry->needs_relay);
  EXPECT_EQ(menu.states[1].entry->action, ivr::MenuAction::Dial);
}

TEST(MenuFile, RefusesWhatCannotRunSayingWhere) {
  auto parsed = parse_menu(kMenu);
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(parsed));
  EXPECT_EQ(std::get<std::vector<std::string>>(parsed),
            std::vector<std::string>{"hangup_keys may be 0-9, *, A-D"});
  auto typo = parse_menu("[[state]]\nname = \"main\"\nprompt = [\"welcome\"]\n");
  const auto& errors = std::get<std::vector<std::string>>(typo);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front(), "state[0].prompt: unknown key");
  auto syntax = parse_menu("[[state]\n");
  EXPECT_EQ(std::get<std::vector<std::string>>(syntax).front().rfind("line 1", 0), 0u);
}

TEST(MenuFile, AttendantMenuAppliesTheTimingAndNamesItsPrompts) {
  AttendantConfig c;
  c.digit_timeout_s = 3;
  auto menu = attendant_menu(c);
  const auto& m = *std::get<std::shared_ptr<const ivr::Menu>>(menu);
  EXPECT_EQ(m.digit_timeout_ms, 3000);
  const auto prompts = menu_prompts(m);
  EXPECT_NE(std::find(prompts.begin(), prompts.end(), "relay-enter-number"), prompts.end());
  EXPECT_NE(std::find(prompts.begin(), prompts.end(), "ringback"), prompts.end());
  EXPECT_NE(std::find(prompts.begin(), prompts.end(), "remote-choose"), prompts.end()) << "*6 is in the menu";
  c.menu_file = "/nonexistent/menu.toml";
  EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(attendant_menu(c)));
}

}  // namespace
}  // namespace callbackd::app
