// The attendant interpreter on its own: events in, actions out, on the contract's default menu and on
// small menus of the tests' own.
#include "ivr/attendant.hpp"

#include <gtest/gtest.h>

#include "unit/ivr/aa_session.hpp"

namespace callbackd::ivr {
namespace {

TEST(Menu, DefaultMenuIsValidAndBrokenMenusSayWhy) {
  EXPECT_TRUE(validate_menu(default_menu()).empty());
  Menu m = default_menu();
  m.states[0].options.push_back({"*", {MenuAction::Hangup, "", false, false}});
  m.states[0].options.push_back({"9", {MenuAction::Goto, "nowhere", false, false}});
  const auto problems = validate_menu(m);
  // "*" hides "*8", "*5" and "*6" (a line each), and "9" goes to a state that does not exist.
  ASSERT_EQ(problems.size(), 4u);
}

TEST(Attendant, GreetsWithTheMainMenuAndAnExtensionEntryAsksToConnectIt) {
  Session r;
  EXPECT_EQ(played(r.last), std::vector<std::string>{"welcome"});
  const auto actions = r.keys("201#");
  EXPECT_NE(find(actions, Kind::StopPlayback), nullptr) << "the first key barges in";
  const AaAction* c = find(r.last, Kind::Connect);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->connect, MenuAction::Extension);
  EXPECT_EQ(c->target, "201");
  EXPECT_EQ(r.aa.phase(), AaPhase::Connecting);
  r.last =
      r.aa.handle({AaEvent::Kind::CallResult, 0, LoginOutcome::Rejected, false, CallOutcome::Unavailable});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"not-available"}) << "why, on its own";
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"welcome"}) << "then the menu again";
}

// '#' ends the number: what follows in the same burst of keys belongs to the refused entry and is never
// dialled as a second number; once the caller heard the refusal, keys are an entry again.
TEST(Attendant, KeysAfterTheHashOfARefusedNumberAreDroppedUntilTheRefusalIsHeard) {
  Session r({"201", true, true, false});
  r.keys("123#");
  ASSERT_NE(find(r.last, Kind::Connect), nullptr);
  r.last = r.aa.handle({AaEvent::Kind::CallResult, 0, LoginOutcome::Rejected, false, CallOutcome::Refused});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"number-refused"});
  EXPECT_TRUE(r.keys("9005550199#").empty()) << "the rest of the refused entry";
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"relay-enter-number"});
  r.keys("2125550199#");
  const AaAction* c = find(r.last, Kind::Connect);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->target, "2125550199");
}

// A number begun while the refusal played is dropped to its '#', never dialled from where the keys were heard
// again: "00442079460000" keyed too soon must not become a call to "2079460000".
TEST(Attendant, AnEntryBegunDuringTheRefusalIsDroppedToItsHash) {
  Session r({"201", true, true, false});
  r.keys("123#");
  r.last = r.aa.handle({AaEvent::Kind::CallResult, 0, LoginOutcome::Rejected, false, CallOutcome::Refused});
  EXPECT_TRUE(r.keys("00442").empty());
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_TRUE(played(r.last).empty()) << "no prompt over the caller's keys";
  const auto rest = r.keys("079460000#");
  EXPECT_EQ(find(rest, Kind::Connect), nullptr);
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"invalid", "relay-enter-number"}));
  r.keys("2125550199#");
  ASSERT_NE(find(r.last, Kind::Connect), nullptr);
  // Keying stopped halfway instead: the digit timeout ends the dropped entry and the prompt comes again.
  r.last = r.aa.handle({AaEvent::Kind::CallResult, 0, LoginOutcome::Rejected, false, CallOutcome::Refused});
  r.keys("0044");
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"relay-enter-number"});
  r.keys("2125550199#");
  ASSERT_NE(find(r.last, Kind::Connect), nullptr);
}

TEST(Attendant, StarEightAsksForTheLoginAndNeverRepeatsThePassword) {
  Session r;
  r.keys("*8");
  EXPECT_EQ(r.aa.phase(), AaPhase::LoginExtension);
  EXPECT_EQ(played(r.last), std::vector<std::string>{"login-extension"});
  const auto actions = r.keys("201#4711#");
  const AaAction* v = find(actions, Kind::VerifyLogin);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->target, "201");
  EXPECT_EQ(v->secret, "4711");
  for (const auto& a : actions) {
    for (const auto& p : a.prompts) EXPECT_EQ(p.find("digit-"), std::string::npos) << "nothing is read back";
  }
  r.last = r.aa.handle({AaEvent::Kind::LoginResult, 0, LoginOutcome::Accepted, true});
  EXPECT_EQ(r.aa.state(), "relay");
  EXPECT_EQ(played(r.last), std::vector<std::string>{"relay-enter-number"});
  r.keys("5550123#");
  const AaAction* c = find(r.last, Kind::Connect);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->connect, MenuAction::Dial);
  EXPECT_EQ(c->target, "5550123");
}

TEST(Attendant, LoginWithoutRelayPermissionHearsNotAllowed) {
  Session r;
  r.keys("*8201#4711#");
  r.last = r.aa.handle({AaEvent::Kind::LoginResult, 0, LoginOutcome::Accepted, false});
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"relay-not-allowed", "welcome"}));
  EXPECT_EQ(r.aa.state(), "main");
}

TEST(Attendant, WrongLoginAsksAgainAndALockoutSaysGoodbye) {
  Session r;
  r.keys("*8201#1#");
  r.last = r.aa.handle({AaEvent::Kind::LoginResult, 0, LoginOutcome::Rejected});
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"login-failed", "login-extension"}));
  r.keys("201#1#");
  r.last = r.aa.handle({AaEvent::Kind::LoginResult, 0, LoginOutcome::LockedOut});
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"locked-out", "goodbye"}));
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_NE(find(r.last, Kind::Hangup), nullptr);
}

TEST(Attendant, EntryOfTheLoggedInCallerWithAutoRelayGoesStraightToTheNumber) {
  Session r({"201", true, true, false});
  EXPECT_EQ(r.aa.state(), "relay");
  r.keys("5550123#");
  ASSERT_NE(find(r.last, Kind::Connect), nullptr);
  r.last = r.aa.handle({AaEvent::Kind::CallResult, 0, LoginOutcome::Rejected, false, CallOutcome::Connected});
  EXPECT_EQ(r.aa.phase(), AaPhase::Connected);
  EXPECT_FALSE(has(r.keys("*5*"), Kind::HangupFar)) << "one '*' at a time is no hang-up";
  EXPECT_TRUE(has(r.keys("*"), Kind::HangupFar));
}

TEST(Attendant, LockedOutCallerIsLetGoAtOnce) {
  Session r({std::nullopt, false, false, true});
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"locked-out", "goodbye"}));
}

TEST(Attendant, SilenceRepeatsTheMenuThenSaysGoodbye) {
  Session r;
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), std::vector<std::string>{"welcome"});
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"no-input", "goodbye"}));
}

TEST(Attendant, AnEntryNoOptionOrEntryTakesIsInvalid) {
  Menu m;
  m.states = {MenuState{"main", {"welcome"}, {{"1", {MenuAction::Hangup, "", false, false}}}, std::nullopt}};
  m.relay_start = "main";
  ASSERT_TRUE(validate_menu(m).empty());
  Session r({}, m);
  r.keys("7");
  EXPECT_EQ(played(r.last), (std::vector<std::string>{"invalid", "welcome"}));
  r.keys("1");
  EXPECT_EQ(played(r.last), std::vector<std::string>{"goodbye"});
}

}  // namespace
}  // namespace callbackd::ivr
