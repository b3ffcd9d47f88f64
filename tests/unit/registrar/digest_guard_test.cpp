#include "registrar/digest_guard.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_clock.hpp"

namespace callbackd::registrar {
namespace {

using std::chrono::seconds;
using Gate = DigestGuard::Gate;

DigestGuardSettings settings() {
  DigestGuardSettings s;
  s.lockout_failures = 4;
  s.lockout_window = seconds(600);
  s.lockout = seconds(900);
  s.source_failures = 3;
  s.source_window = seconds(60);
  return s;
}

TEST(DigestGuard, OneSourceIsThrottledAfterItsGuessesUntilTheWindowHasRoom) {
  TestClock clock;
  DigestGuard guard(settings(), clock);
  EXPECT_FALSE(guard.guessed_wrong("201", "192.0.2.7").source_throttled);
  EXPECT_FALSE(guard.guessed_wrong("202", "192.0.2.7").source_throttled);
  EXPECT_EQ(guard.gate("203", "192.0.2.7", false), Gate::Check);
  EXPECT_TRUE(guard.guessed_wrong("203", "192.0.2.7").source_throttled);
  // Every extension from that address, also one registered there: a guesser next to a phone is throttled too.
  EXPECT_EQ(guard.gate("204", "192.0.2.7", true), Gate::SourceThrottled);
  EXPECT_EQ(guard.gate("204", "192.0.2.8", false), Gate::Check);
  clock.advance(seconds(59));
  EXPECT_EQ(guard.gate("204", "192.0.2.7", false), Gate::SourceThrottled);
  clock.advance(seconds(1));
  EXPECT_EQ(guard.gate("204", "192.0.2.7", false), Gate::Check);
}

TEST(DigestGuard, GuessesFromManyAddressesLockTheExtension) {
  TestClock clock;
  DigestGuard guard(settings(), clock);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_FALSE(guard.guessed_wrong("201", "198.51.100." + std::to_string(i)).extension_locked);
  }
  EXPECT_EQ(guard.gate("201", "198.51.100.9", false), Gate::Check);
  EXPECT_TRUE(guard.guessed_wrong("201", "198.51.100.4").extension_locked);
  EXPECT_EQ(guard.gate("201", "198.51.100.9", false), Gate::ExtensionLocked);
  EXPECT_EQ(guard.gate("202", "198.51.100.9", false), Gate::Check);
  // The extension's own phone, where it is registered, goes on refreshing.
  EXPECT_EQ(guard.gate("201", "203.0.113.5", true), Gate::Check);
  clock.advance(seconds(899));
  EXPECT_EQ(guard.gate("201", "198.51.100.9", false), Gate::ExtensionLocked);
  clock.advance(seconds(1));
  EXPECT_EQ(guard.gate("201", "198.51.100.9", false), Gate::Check);
  // The lock cleared the count: a new lock needs a whole new set of guesses.
  EXPECT_FALSE(guard.guessed_wrong("201", "198.51.100.10").extension_locked);
}

TEST(DigestGuard, OldGuessesLeaveTheWindow) {
  TestClock clock;
  DigestGuard guard(settings(), clock);
  for (int i = 1; i <= 3; ++i) guard.guessed_wrong("201", "198.51.100." + std::to_string(i));
  clock.advance(seconds(600));
  EXPECT_FALSE(guard.guessed_wrong("201", "198.51.100.4").extension_locked);
  EXPECT_EQ(guard.gate("201", "198.51.100.9", false), Gate::Check);
}

TEST(DigestGuard, ZeroTurnsEachLimitOff) {
  TestClock clock;
  auto s = settings();
  s.lockout_failures = 0;
  s.source_failures = 0;
  DigestGuard guard(s, clock);
  for (int i = 0; i < 50; ++i) {
    const auto changed = guard.guessed_wrong("201", "192.0.2.7");
    EXPECT_FALSE(changed.extension_locked || changed.source_throttled);
  }
  EXPECT_EQ(guard.gate("201", "192.0.2.7", false), Gate::Check);
}

TEST(DigestGuard, MemoryIsBoundedAndTrackedNamesStayTracked) {
  TestClock clock;
  auto s = settings();
  s.max_tracked = 8;
  s.source_failures = 0;
  DigestGuard guard(s, clock);
  for (int i = 0; i < 3; ++i) guard.guessed_wrong("201", "192.0.2.7");
  for (int i = 0; i < 100; ++i) guard.guessed_wrong("name" + std::to_string(i), "192.0.2.7");
  EXPECT_LE(guard.tracked(), 8U);
  EXPECT_TRUE(guard.guessed_wrong("201", "192.0.2.7").extension_locked);
}

}  // namespace
}  // namespace callbackd::registrar
