// *6 and *5 through the attendant: the login they always ask for, the numbers read back and confirmed, the
// one ApplyRemote request and the outcome the caller hears before the goodbye.
#include "ivr/remote_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "ivr/attendant.hpp"
#include "unit/ivr/aa_session.hpp"

namespace callbackd::ivr {
namespace {

using Prompts = std::vector<std::string>;

// A trusted caller whose entry logs it in as 201 and may be offered *5 and *6.
AaCaller trusted() {
  AaCaller c;
  c.login_extension = "201";
  c.remote_offered = true;
  return c;
}

AaEvent login(LoginOutcome outcome, bool remote_allowed = true) {
  AaEvent ev{AaEvent::Kind::LoginResult};
  ev.login = outcome;
  ev.remote_allowed = remote_allowed;
  return ev;
}

AaEvent result(RemoteOutcome outcome) {
  AaEvent ev{AaEvent::Kind::RemoteResult};
  ev.remote = outcome;
  return ev;
}

// Chooses the feature in the main menu and logs in as 300.
void log_in(Session& r, const std::string& feature) {
  r.keys(feature);
  ASSERT_EQ(r.aa.phase(), AaPhase::LoginExtension) << "the login is asked even of a caller logged in already";
  const auto typed = r.keys("300#9999#");
  const AaAction* v = find(typed, Kind::VerifyLogin);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->target, "300");
  r.last = r.aa.handle(login(LoginOutcome::Accepted));
}

void expect_request(const Session& r, RemoteKind kind, const std::string& entry, const std::string& dest) {
  const AaAction* a = find(r.last, Kind::ApplyRemote);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->remote.kind, kind);
  EXPECT_EQ(a->remote.extension, "300") << "the extension logged in for the feature, not the entry's";
  EXPECT_EQ(a->remote.entry_number, entry);
  EXPECT_EQ(a->remote.destination, dest);
  EXPECT_EQ(r.aa.phase(), AaPhase::Applying);
}

TEST(RemoteConfig, StarSixAddReadsBackEveryNumberAndAppliesTheExactRequest) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  EXPECT_EQ(played(r.last), Prompts{"remote-choose"});
  EXPECT_EQ(r.aa.phase(), AaPhase::Remote);
  EXPECT_EQ(r.aa.state(), "*6 choose");
  r.keys("1");
  EXPECT_EQ(played(r.last), Prompts{"remote-new-caller"});
  const auto typed = r.keys("5551#");
  EXPECT_NE(find(typed, Kind::StopPlayback), nullptr) << "the first key barges in";
  EXPECT_EQ(played(r.last),
            (Prompts{"you-entered", "digit-5", "digit-5", "digit-5", "digit-1", "remote-confirm"}));
  EXPECT_EQ(find(r.last, Kind::ApplyRemote), nullptr);
  r.keys("1");
  EXPECT_EQ(played(r.last), Prompts{"remote-destination"});
  r.keys("0049301234#");
  const auto read_back = played(r.last);
  ASSERT_EQ(read_back.size(), 12u) << "you-entered, ten digits, remote-confirm";
  EXPECT_EQ(read_back.front(), "you-entered");
  EXPECT_EQ(read_back[1], "digit-0");
  r.keys("1");
  expect_request(r, RemoteKind::AddEntry, "5551", "0049301234");
  const AaAction* t = find(r.last, Kind::ArmTimer);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->timer_ms, RemoteDialogue::kApplyTimeoutMs) << "a safety net, not the response timeout";
  EXPECT_TRUE(played(r.last).empty());
  r.last = r.aa.handle(result(RemoteOutcome::Scheduled));
  EXPECT_EQ(played(r.last), (Prompts{"remote-scheduled", "goodbye"}));
  r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_NE(find(r.last, Kind::Hangup), nullptr);
}

TEST(RemoteConfig, TwoEntersANumberAgainAndOnlyTheLastOneCounts) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("1");
  r.keys("111#");
  r.keys("2");
  EXPECT_EQ(played(r.last), Prompts{"remote-new-caller"});
  r.keys("222#1");
  r.keys("333#");
  r.keys("2");
  EXPECT_EQ(played(r.last), Prompts{"remote-destination"});
  r.keys("444#1");
  expect_request(r, RemoteKind::AddEntry, "222", "444");
}

TEST(RemoteConfig, PoundAloneForTheDestinationIsTheCallersOwnNumber) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("1");
  r.keys("#");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "remote-new-caller"})) << "a new caller needs its number";
  r.keys("57#1");
  r.keys("#");
  EXPECT_EQ(played(r.last), (Prompts{"remote-own-number", "digit-5", "digit-7", "remote-confirm"}));
  r.keys("1");
  expect_request(r, RemoteKind::AddEntry, "57", "");
}

TEST(RemoteConfig, StarSixChangeOfThisPhonesOwnEntry) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("2");
  EXPECT_EQ(played(r.last), Prompts{"remote-change-caller"});
  r.keys("#");
  EXPECT_EQ(played(r.last), Prompts{"remote-destination"}) << "nothing to read back for the own entry";
  r.keys("789#");
  EXPECT_EQ(played(r.last), (Prompts{"you-entered", "digit-7", "digit-8", "digit-9", "remote-confirm"}));
  r.keys("1");
  expect_request(r, RemoteKind::ChangeDestination, "", "789");
}

TEST(RemoteConfig, StarSixChangeOfAnotherEntryToItsOwnNumber) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("2");
  r.keys("42#");
  EXPECT_EQ(played(r.last), (Prompts{"you-entered", "digit-4", "digit-2", "remote-confirm"}));
  r.keys("1#");
  EXPECT_EQ(played(r.last), (Prompts{"remote-own-number", "digit-4", "digit-2", "remote-confirm"}));
  r.keys("1");
  expect_request(r, RemoteKind::ChangeDestination, "42", "");
}

TEST(RemoteConfig, StarFiveAsksOnlyForTheDestination) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*5"));
  EXPECT_EQ(played(r.last), Prompts{"remote-onetime-destination"});
  EXPECT_EQ(r.aa.state(), "*5 destination");
  r.keys("#");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "remote-onetime-destination"}));
  r.keys("86#");
  EXPECT_EQ(played(r.last), (Prompts{"you-entered", "digit-8", "digit-6", "remote-confirm"}));
  r.keys("1");
  expect_request(r, RemoteKind::OneTime, "", "86");
}

TEST(RemoteConfig, NotOfferedIsUnavailableWithoutALogin) {
  for (const std::string feature : {"*6", "*5"}) {
    AaCaller c = trusted();
    c.remote_offered = false;
    Session r(c);
    r.keys(feature);
    EXPECT_EQ(played(r.last), (Prompts{"remote-unavailable", "welcome"})) << feature;
    EXPECT_EQ(r.aa.phase(), AaPhase::Menu);
    EXPECT_EQ(r.aa.state(), "main");
  }
}

TEST(RemoteConfig, AnExtensionNotAllowedHearsSoAndIsBackInTheMenu) {
  Session r(trusted());
  r.keys("*6300#9999#");
  r.last = r.aa.handle(login(LoginOutcome::Accepted, false));
  EXPECT_EQ(played(r.last), (Prompts{"remote-not-allowed", "welcome"}));
  EXPECT_EQ(r.aa.phase(), AaPhase::Menu);
  EXPECT_EQ(r.aa.state(), "main");
  const auto typed = r.keys("201#");
  const AaAction* c = find(typed, Kind::Connect);
  ASSERT_NE(c, nullptr) << "the menu works as before";
  EXPECT_EQ(c->target, "201");
}

TEST(RemoteConfig, AWrongPasswordAsksAgainAndALockoutSaysGoodbye) {
  Session r(trusted());
  r.keys("*6300#1#");
  r.last = r.aa.handle(login(LoginOutcome::Rejected));
  EXPECT_EQ(played(r.last), (Prompts{"login-failed", "login-extension"}));
  r.keys("300#9999#");
  r.last = r.aa.handle(login(LoginOutcome::Accepted));
  EXPECT_EQ(played(r.last), Prompts{"remote-choose"}) << "the feature waits for the login that works";

  Session l(trusted());
  l.keys("*5300#1#");
  l.last = l.aa.handle(login(LoginOutcome::LockedOut));
  EXPECT_EQ(played(l.last), (Prompts{"locked-out", "goodbye"}));
  l.last = l.aa.handle({AaEvent::Kind::PlaybackDone});
  EXPECT_NE(find(l.last, Kind::Hangup), nullptr);
}

TEST(RemoteConfig, EveryOutcomeHasItsPromptThenGoodbyeThenHangup) {
  const std::vector<std::pair<RemoteOutcome, std::string>> outcomes{
      {RemoteOutcome::Scheduled, "remote-scheduled"},
      {RemoteOutcome::SavedNoCallback, "remote-saved"},
      {RemoteOutcome::Refused, "remote-refused"},
      {RemoteOutcome::NoEntry, "remote-no-entry"},
      {RemoteOutcome::EntryExists, "remote-entry-exists"},
      {RemoteOutcome::NoLine, "remote-no-line"},
      {RemoteOutcome::Failed, "remote-failed"}};
  for (const auto& [outcome, prompt] : outcomes) {
    Session r(trusted());
    ASSERT_NO_FATAL_FAILURE(log_in(r, "*5"));
    r.keys("12#1");
    ASSERT_EQ(r.aa.phase(), AaPhase::Applying);
    EXPECT_TRUE(r.keys("1#").empty()) << "keys wait for nothing while the request is applied";
    r.last = r.aa.handle(result(outcome));
    EXPECT_EQ(played(r.last), (Prompts{prompt, "goodbye"}));
    EXPECT_EQ(r.aa.phase(), AaPhase::Goodbye);
    r.last = r.aa.handle({AaEvent::Kind::PlaybackDone});
    EXPECT_NE(find(r.last, Kind::Hangup), nullptr) << prompt;
    EXPECT_EQ(r.aa.phase(), AaPhase::Done);
  }
}

TEST(RemoteConfig, SilenceRepeatsTheStepThenSaysGoodbye) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("1");
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), Prompts{"remote-new-caller"});
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), (Prompts{"no-input", "goodbye"}));
  EXPECT_EQ(r.aa.phase(), AaPhase::Goodbye);
}

TEST(RemoteConfig, TheDigitTimeoutEndsAnEntryLikePound) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*5"));
  r.keys("34");
  const AaAction* t = find(r.last, Kind::ArmTimer);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->timer_ms, default_menu().digit_timeout_ms);
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), (Prompts{"you-entered", "digit-3", "digit-4", "remote-confirm"}));
}

TEST(RemoteConfig, AnAnswerThatNeverComesFailsAfterTheSafetyTimeout) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*5"));
  r.keys("12#1");
  r.last = r.aa.handle({AaEvent::Kind::Timeout});
  EXPECT_EQ(played(r.last), (Prompts{"remote-failed", "goodbye"}));
  EXPECT_TRUE(r.aa.handle(result(RemoteOutcome::Scheduled)).empty()) << "a late answer changes nothing";
}

TEST(RemoteConfig, WrongKeysAreInvalidAndRepeatTheStep) {
  Session r(trusted());
  ASSERT_NO_FATAL_FAILURE(log_in(r, "*6"));
  r.keys("3");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "remote-choose"}));
  r.keys("1");
  r.keys("55*");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "remote-new-caller"})) << "numbers are digits only";
  r.keys("6#");
  r.keys("9");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "you-entered", "digit-6", "remote-confirm"}));
  r.keys("1");
  r.keys(std::string(default_menu().max_digits, '7'));
  EXPECT_EQ(played(r.last), Prompts{}) << "as long as the menu takes is still a number";
  r.keys("7");
  EXPECT_EQ(played(r.last), (Prompts{"invalid", "remote-destination"})) << "one digit more is not";
  r.keys("8#1");
  expect_request(r, RemoteKind::AddEntry, "6", "8");
}

TEST(RemoteConfig, EveryPromptTheDialogueCanPlayIsListedAndBuilt) {
  const auto names = remote_prompts();
  for (const std::string p :
       {"remote-unavailable", "remote-not-allowed", "remote-choose", "remote-own-number", "remote-confirm",
        "remote-scheduled", "remote-failed", "digit-9"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), p), names.end()) << p;
  }
  // The build speaks each one from prompts/en/<name>.txt; a name without its text would be a silent step.
  for (const auto& name : names) {
    const std::filesystem::path wav = std::filesystem::path(CALLBACKD_PROMPTS_DIR) / "en" / (name + ".wav");
    EXPECT_TRUE(std::filesystem::is_regular_file(wav)) << wav;
  }
}

}  // namespace
}  // namespace callbackd::ivr
