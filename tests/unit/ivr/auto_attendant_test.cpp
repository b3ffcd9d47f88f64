#include "ivr/auto_attendant.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

namespace callbackd::ivr {
namespace {

using Kind = AaAction::Kind;
using Prompts = std::vector<std::string>;

AaEvent start() {
  return {AaEvent::Kind::Start, 0};
}
AaEvent digit(char d) {
  return {AaEvent::Kind::Digit, d};
}
AaEvent done() {
  return {AaEvent::Kind::PlaybackDone, 0};
}
AaEvent timeout() {
  return {AaEvent::Kind::Timeout, 0};
}

// What the pbx layer would see, in a form that is easy to compare.
std::vector<Kind> kinds(const std::vector<AaAction>& actions) {
  std::vector<Kind> out;
  for (const auto& a : actions) out.push_back(a.kind);
  return out;
}
const AaAction* find(const std::vector<AaAction>& actions, Kind k) {
  for (const auto& a : actions) {
    if (a.kind == k) return &a;
  }
  return nullptr;
}
Prompts played(const std::vector<AaAction>& actions) {
  const auto* a = find(actions, Kind::Play);
  return a == nullptr ? Prompts{} : a->prompts;
}
int armed(const std::vector<AaAction>& actions) {
  const auto* a = find(actions, Kind::ArmTimer);
  return a == nullptr ? -1 : a->timer_ms;
}

AaSettings settings() {
  AaSettings s;
  s.digit_timeout_ms = 4000;
  s.idle_timeout_ms = 15000;
  s.max_greetings = 3;
  s.max_digits = 5;
  return s;
}

class AutoAttendantTest : public ::testing::Test {
 protected:
  AutoAttendant aa{settings()};
  void enter(const std::string& keys) {
    for (char k : keys) aa.handle(digit(k));
  }
};

TEST_F(AutoAttendantTest, StartPlaysWelcomeAndArmsIdleTimer) {
  EXPECT_EQ(aa.state(), AaState::Idle);
  const auto a = aa.handle(start());
  EXPECT_EQ(kinds(a), (std::vector<Kind>{Kind::Play, Kind::ArmTimer}));
  EXPECT_EQ(played(a), Prompts{"welcome"});
  EXPECT_EQ(armed(a), 15000);
  EXPECT_EQ(aa.state(), AaState::Greeting);
}

TEST_F(AutoAttendantTest, EventsBeforeStartAreIgnored) {
  EXPECT_TRUE(aa.handle(digit('1')).empty());
  EXPECT_TRUE(aa.handle(timeout()).empty());
  EXPECT_TRUE(aa.handle(done()).empty());
  EXPECT_EQ(aa.state(), AaState::Idle);
}

TEST_F(AutoAttendantTest, FullSessionReadsBackDigits) {
  aa.handle(start());
  auto a = aa.handle(digit('1'));
  EXPECT_EQ(kinds(a), (std::vector<Kind>{Kind::StopPlayback, Kind::ArmTimer}));
  EXPECT_EQ(armed(a), 4000);
  EXPECT_EQ(aa.state(), AaState::Collecting);
  EXPECT_EQ(aa.collected(), "1");

  a = aa.handle(digit('2'));
  EXPECT_EQ(kinds(a), std::vector<Kind>{Kind::ArmTimer});
  aa.handle(digit('3'));
  EXPECT_EQ(aa.collected(), "123");

  a = aa.handle(digit('#'));
  EXPECT_EQ(aa.state(), AaState::ReadingBack);
  EXPECT_EQ(played(a), (Prompts{"you-entered", "digit-1", "digit-2", "digit-3"}));
  EXPECT_NE(find(a, Kind::CancelTimer), nullptr);  // the digit timer must not fire during read-back
  EXPECT_EQ(aa.entries(), std::vector<std::string>{"123"});
  EXPECT_EQ(aa.collected(), "");

  a = aa.handle(done());
  EXPECT_EQ(aa.state(), AaState::Greeting);
  EXPECT_EQ(played(a), Prompts{"welcome"});
  EXPECT_EQ(armed(a), 15000);

  // Welcome finished: stay, the idle timer keeps running.
  EXPECT_TRUE(aa.handle(done()).empty());
  EXPECT_EQ(aa.state(), AaState::Greeting);
}

TEST_F(AutoAttendantTest, DigitTimeoutEndsEntryLikePound) {
  aa.handle(start());
  enter("42");
  const auto a = aa.handle(timeout());
  EXPECT_EQ(aa.state(), AaState::ReadingBack);
  EXPECT_EQ(played(a), (Prompts{"you-entered", "digit-4", "digit-2"}));
  EXPECT_EQ(aa.entries(), std::vector<std::string>{"42"});
}

TEST_F(AutoAttendantTest, StarPoundAndLettersHaveTheirPrompts) {
  aa.handle(start());
  enter("*0a");
  const auto a = aa.handle(timeout());
  EXPECT_EQ(played(a), (Prompts{"you-entered", "digit-star", "digit-0", "digit-A"}));
  EXPECT_EQ(aa.entries().back(), "*0A");
}

TEST_F(AutoAttendantTest, NonKeysAreIgnored) {
  aa.handle(start());
  EXPECT_TRUE(aa.handle(digit('x')).empty());
  EXPECT_TRUE(aa.handle(digit(0)).empty());
  EXPECT_EQ(aa.state(), AaState::Greeting);
}

TEST_F(AutoAttendantTest, DigitsPastMaxAreIgnored) {
  aa.handle(start());
  enter("1234567");
  EXPECT_EQ(aa.collected(), "12345");
  const auto a = aa.handle(digit('#'));
  EXPECT_EQ(played(a).size(), 6u);
}

TEST_F(AutoAttendantTest, EmptyEntryPlaysInvalidThenWelcome) {
  aa.handle(start());
  auto a = aa.handle(digit('#'));
  EXPECT_EQ(aa.state(), AaState::Greeting);
  EXPECT_EQ(played(a), (Prompts{"invalid", "welcome"}));
  EXPECT_NE(find(a, Kind::StopPlayback), nullptr);
  EXPECT_EQ(armed(a), 15000);
  EXPECT_TRUE(aa.entries().empty());
}

TEST_F(AutoAttendantTest, GoodbyeAfterThreeIdleTimeouts) {
  aa.handle(start());
  auto a = aa.handle(timeout());
  EXPECT_EQ(played(a), Prompts{"welcome"});
  EXPECT_EQ(aa.state(), AaState::Greeting);
  a = aa.handle(timeout());
  EXPECT_EQ(played(a), Prompts{"welcome"});
  a = aa.handle(timeout());
  EXPECT_EQ(played(a), (Prompts{"no-input", "goodbye"}));
  EXPECT_EQ(aa.state(), AaState::Goodbye);

  EXPECT_TRUE(aa.handle(digit('5')).empty());  // too late
  a = aa.handle(done());
  EXPECT_NE(find(a, Kind::Hangup), nullptr);
  EXPECT_EQ(aa.state(), AaState::Done);
  EXPECT_TRUE(aa.handle(digit('1')).empty());
  EXPECT_TRUE(aa.handle(timeout()).empty());
}

TEST_F(AutoAttendantTest, GoodbyeHangsUpEvenIfPlaybackEndIsNeverReported) {
  aa.handle(start());
  for (int i = 0; i < 3; ++i) aa.handle(timeout());
  ASSERT_EQ(aa.state(), AaState::Goodbye);
  const auto a = aa.handle(timeout());
  EXPECT_EQ(kinds(a), std::vector<Kind>{Kind::Hangup});
  EXPECT_EQ(aa.state(), AaState::Done);
}

TEST_F(AutoAttendantTest, InputResetsIdleCount) {
  aa.handle(start());
  aa.handle(timeout());
  aa.handle(timeout());
  enter("7#");
  aa.handle(done());
  aa.handle(timeout());
  aa.handle(timeout());
  EXPECT_EQ(aa.state(), AaState::Greeting);
  aa.handle(timeout());
  EXPECT_EQ(aa.state(), AaState::Goodbye);
}

TEST_F(AutoAttendantTest, DigitDuringReadbackStartsNewEntry) {
  aa.handle(start());
  enter("12#");
  ASSERT_EQ(aa.state(), AaState::ReadingBack);
  auto a = aa.handle(digit('9'));
  EXPECT_EQ(kinds(a), (std::vector<Kind>{Kind::StopPlayback, Kind::ArmTimer}));
  EXPECT_EQ(aa.state(), AaState::Collecting);
  EXPECT_EQ(aa.collected(), "9");
  // The stopped read-back reporting its end late changes nothing.
  EXPECT_TRUE(aa.handle(done()).empty());
  a = aa.handle(digit('#'));
  EXPECT_EQ(played(a), (Prompts{"you-entered", "digit-9"}));
  EXPECT_EQ(aa.entries(), (std::vector<std::string>{"12", "9"}));
}

TEST_F(AutoAttendantTest, StaleTimeoutDuringReadbackIgnored) {
  aa.handle(start());
  enter("5#");
  EXPECT_TRUE(aa.handle(timeout()).empty());
  EXPECT_EQ(aa.state(), AaState::ReadingBack);
}

TEST_F(AutoAttendantTest, SecondStartIgnored) {
  aa.handle(start());
  EXPECT_TRUE(aa.handle(start()).empty());
  EXPECT_EQ(aa.state(), AaState::Greeting);
}

TEST(AaLogging, TransitionsAreLoggedAtDebug) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::logger>("aa-test", sink);
  logger->set_level(spdlog::level::debug);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  AutoAttendant aa;
  aa.handle(start());
  aa.handle(digit('1'));
  spdlog::set_default_logger(previous);

  EXPECT_EQ(sink->last_formatted(),
            (std::vector<std::string>{"aa: Idle -> Greeting\n", "aa: Greeting -> Collecting\n"}));
}

TEST(AaStateNames, Readable) {
  EXPECT_EQ(to_string(AaState::Idle), "Idle");
  EXPECT_EQ(to_string(AaState::Greeting), "Greeting");
  EXPECT_EQ(to_string(AaState::Collecting), "Collecting");
  EXPECT_EQ(to_string(AaState::ReadingBack), "ReadingBack");
  EXPECT_EQ(to_string(AaState::Goodbye), "Goodbye");
  EXPECT_EQ(to_string(AaState::Done), "Done");
}

}  // namespace
}  // namespace callbackd::ivr
