#include "pbx/overload.hpp"

#include <gtest/gtest.h>

#include "unit/pbx/fakes.hpp"

namespace callbackd::pbx {
namespace {

using testing::FakeClock;
using testing::FakeLoop;

// Past the guard each line keeps line_reserve channels: a flood that holds every leg on one line leaves a
// quiet line its callers, never the flooded line more calls.
TEST(Overload, EachLineKeepsItsReservePastTheGuard) {
  FakeClock clock;
  FakeLoop loop(clock);
  OverloadSettings s;
  s.max_calls = 20;
  s.line_reserve = 2;
  Overload overload(loop, clock, s);
  EXPECT_FALSE(overload.refuse(19, 0, 5));
  EXPECT_TRUE(overload.refuse(20, 0, 20));            // the flooded line
  EXPECT_TRUE(overload.refuse(20, 0, std::nullopt));  // a phone's call has no line to reserve for
  EXPECT_FALSE(overload.refuse(20, 0, 0));            // a quiet line
  EXPECT_FALSE(overload.refuse(21, 0, 1));
  EXPECT_TRUE(overload.refuse(22, 0, 2));
  EXPECT_TRUE(overload.refuse(20, 5000, 3));  // the store behind
  EXPECT_FALSE(overload.refuse(20, 5000, 1));
  overload.drain();
  EXPECT_TRUE(overload.refuse(0, 0, 0));  // draining refuses every new call
}

TEST(Overload, ZeroReserveIsTheOldGuard) {
  FakeClock clock;
  FakeLoop loop(clock);
  OverloadSettings s;
  s.max_calls = 20;
  s.line_reserve = 0;
  Overload overload(loop, clock, s);
  EXPECT_TRUE(overload.refuse(20, 0, 0));
}

}  // namespace
}  // namespace callbackd::pbx
