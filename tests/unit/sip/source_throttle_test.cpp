// The per-source token bucket for INVITEs and REGISTERs from strangers: a burst, then the rate; trusted
// hosts are never limited; sources are independent; the table of sources stays bounded.
#include "sip/source_throttle.hpp"

#include <gtest/gtest.h>

namespace callbackd::sip {
namespace {

using namespace std::chrono_literals;
using Clock = SourceThrottle::Clock;

int admitted(SourceThrottle& t, const std::string& ip, int n, Clock::time_point now) {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += t.admit(ip, now) ? 1 : 0;
  return ok;
}

TEST(SourceThrottle, BurstThenRate) {
  SourceThrottle t({10, 5, 100}, nullptr);
  const auto t0 = Clock::time_point(1000s);
  EXPECT_EQ(admitted(t, "192.0.2.9", 20, t0), 5) << "a new source gets its burst";
  EXPECT_EQ(t.dropped(), 15u);
  EXPECT_EQ(admitted(t, "192.0.2.9", 20, t0 + 300ms), 3) << "then 10 per second";
  EXPECT_EQ(admitted(t, "192.0.2.9", 20, t0 + 100s), 5) << "an idle source refills up to the burst only";
}

TEST(SourceThrottle, SourcesAreIndependent) {
  SourceThrottle t({1, 2, 100}, nullptr);
  const auto t0 = Clock::time_point(1000s);
  EXPECT_EQ(admitted(t, "192.0.2.9", 10, t0), 2);
  EXPECT_EQ(admitted(t, "192.0.2.10", 10, t0), 2) << "one flooding source must not block another";
}

TEST(SourceThrottle, TrustedHostsAreNeverLimited) {
  SourceThrottle t({1, 2, 100}, [](const std::string& ip) { return ip == "127.0.0.1"; });
  const auto t0 = Clock::time_point(1000s);
  EXPECT_EQ(admitted(t, "127.0.0.1", 1000, t0), 1000);
  EXPECT_EQ(admitted(t, "127.0.0.2", 1000, t0), 2);
}

TEST(SourceThrottle, ZeroRateIsOff) {
  SourceThrottle t({0, 1, 100}, nullptr);
  EXPECT_EQ(admitted(t, "192.0.2.9", 1000, Clock::time_point(1000s)), 1000);
  EXPECT_EQ(t.dropped(), 0u);
}

TEST(SourceThrottle, TableOfSourcesStaysBounded) {
  SourceThrottle t({1, 1, 10}, nullptr);
  const auto t0 = Clock::time_point(1000s);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.admit("10.0.0." + std::to_string(i), t0));
  EXPECT_FALSE(t.admit("10.0.1.1", t0)) << "while every kept source is busy, a new stranger waits";
  EXPECT_LE(t.sources(), 10u);
  EXPECT_TRUE(t.admit("10.0.1.1", t0 + 2min)) << "idle sources are forgotten to make room";
  EXPECT_LE(t.sources(), 10u);
}

}  // namespace
}  // namespace callbackd::sip
