// The per-caller caps on relayed calls ([policy] max_relay_calls_per_hour / _per_day).
#include "pbx/relay_caps.hpp"

#include <gtest/gtest.h>

namespace callbackd::pbx {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

TEST(RelayCaps, TheHourCapCountsTheLastHourOnly) {
  RelayCaps caps;
  caps.set_limits(2, 0);
  EXPECT_FALSE(caps.reached("+12015551001", kT0));
  caps.placed("+12015551001", kT0);
  caps.placed("+12015551001", kT0 + 10);
  EXPECT_EQ(caps.reached("+12015551001", kT0 + 20), RelayCaps::Window::Hour);
  EXPECT_FALSE(caps.reached("+12015551002", kT0 + 20)) << "per caller";
  EXPECT_EQ(caps.reached("+12015551001", kT0 + 3599), RelayCaps::Window::Hour) << "both in the last hour";
  EXPECT_FALSE(caps.reached("+12015551001", kT0 + 3600)) << "the first one left the window";
}

TEST(RelayCaps, TheDayCapOutlastsTheHour) {
  RelayCaps caps;
  caps.set_limits(10, 3);
  for (int i = 0; i < 3; ++i) caps.placed("+12015551001", kT0 + i * 1800);
  EXPECT_EQ(caps.reached("+12015551001", kT0 + 7200), RelayCaps::Window::Day);
  EXPECT_EQ(caps.reached("+12015551001", kT0 + 86399), RelayCaps::Window::Day);
  EXPECT_FALSE(caps.reached("+12015551001", kT0 + 86400)) << "a day after the first";
}

TEST(RelayCaps, ZeroIsNoCap) {
  RelayCaps caps;
  caps.set_limits(0, 0);
  for (int i = 0; i < 1000; ++i) caps.placed("+12015551001", kT0);
  EXPECT_FALSE(caps.reached("+12015551001", kT0));
}

}  // namespace
}  // namespace callbackd::pbx
