#include "web/session.hpp"

#include <gtest/gtest.h>

#include "web/web_auth.hpp"

namespace callbackd::web {
namespace {

using std::chrono::seconds;

// A clock the test moves by hand.
struct FakeClock {
  SteadyTime now{};
  NowFn fn() {
    return [this] { return now; };
  }
};

TEST(RandomToken, Is64HexCharactersAndNeverRepeats) {
  const auto a = random_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, random_token());
}

TEST(SessionTable, ExpiresAfterIdleTimeAndTouchRestartsIt) {
  FakeClock clock;
  SessionTable table(seconds(60), clock.fn());
  const Session s = table.create("alice");
  EXPECT_NE(s.id, s.csrf);
  clock.now += seconds(59);
  ASSERT_TRUE(table.touch(s.id));
  clock.now += seconds(59);  // 118 s after login, but only 59 s idle
  ASSERT_TRUE(table.touch(s.id));
  EXPECT_EQ(table.touch(s.id)->admin, "alice");
  clock.now += seconds(60);
  EXPECT_FALSE(table.touch(s.id));
  EXPECT_EQ(table.size(), 0u);
}

TEST(SessionTable, UnknownAndRemovedSessionsAreRefused) {
  FakeClock clock;
  SessionTable table(seconds(60), clock.fn());
  EXPECT_FALSE(table.touch("nope"));
  const Session s = table.create("alice");
  table.remove(s.id);
  EXPECT_FALSE(table.touch(s.id));
}

TEST(Csrf, OnlyTheSessionsOwnTokenMatches) {
  SessionTable table(seconds(60));
  const Session a = table.create("alice");
  const Session b = table.create("bob");
  EXPECT_TRUE(csrf_matches(a, a.csrf));
  EXPECT_FALSE(csrf_matches(a, b.csrf));
  EXPECT_FALSE(csrf_matches(a, ""));
  EXPECT_FALSE(csrf_matches(a, a.csrf.substr(1)));
}

TEST(LoginThrottle, LocksAnAccountAfterFailuresFromManyAddresses) {
  FakeClock clock;
  LoginThrottle t(3, seconds(300), clock.fn());
  for (int i = 0; i < 3; ++i) t.failed("10.0.0." + std::to_string(i), "alice");
  EXPECT_GT(t.retry_after("10.0.0.99", "alice").count(), 0);
  EXPECT_EQ(t.retry_after("10.0.0.99", "bob").count(), 0);
  clock.now += seconds(301);
  EXPECT_EQ(t.retry_after("10.0.0.99", "alice").count(), 0);
}

TEST(LoginThrottle, LocksAnAddressGuessingManyAccounts) {
  FakeClock clock;
  LoginThrottle t(3, seconds(300), clock.fn());
  t.failed("10.0.0.1", "a");
  t.failed("10.0.0.1", "b");
  clock.now += seconds(100);
  t.failed("10.0.0.1", "c");
  EXPECT_EQ(t.retry_after("10.0.0.1", "d"), seconds(200));  // until the oldest failure leaves the window
  EXPECT_EQ(t.retry_after("10.0.0.2", "d").count(), 0);
  t.succeeded("d");  // a success elsewhere does not clear the guessing address
  EXPECT_GT(t.retry_after("10.0.0.1", "d").count(), 0);
}

TEST(LoginThrottle, ListsWhatIsLockedOutNow) {
  FakeClock clock;
  LoginThrottle t(2, seconds(300), clock.fn());
  t.failed("10.0.0.1", "alice");
  EXPECT_TRUE(t.lockouts().empty());
  clock.now += seconds(100);
  t.failed("10.0.0.2", "alice");
  const auto locked = t.lockouts();
  ASSERT_EQ(locked.size(), 1u);
  EXPECT_EQ(locked[0].kind, "account");
  EXPECT_EQ(locked[0].who, "alice");
  EXPECT_EQ(locked[0].retry_after, seconds(200));
  clock.now += seconds(201);
  EXPECT_TRUE(t.lockouts().empty());
}

TEST(LoginThrottle, SuccessClearsTheAccount) {
  FakeClock clock;
  LoginThrottle t(2, seconds(300), clock.fn());
  t.failed("10.0.0.1", "alice");
  t.failed("10.0.0.2", "alice");
  t.succeeded("alice");
  EXPECT_EQ(t.retry_after("10.0.0.3", "alice").count(), 0);
}

TEST(SessionCookie, FindsOurCookieAmongOthers) {
  EXPECT_EQ(session_cookie("callbackd_session=abc"), "abc");
  EXPECT_EQ(session_cookie("a=1; callbackd_session=abc; b=2"), "abc");
  EXPECT_FALSE(session_cookie("callbackd_session_x=abc"));
  EXPECT_FALSE(session_cookie(""));
}

}  // namespace
}  // namespace callbackd::web
