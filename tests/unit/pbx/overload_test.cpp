#include "pbx/overload.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "unit/pbx/fakes.hpp"

namespace callbackd::pbx {
namespace {

using testing::FakeClock;
using testing::FakeLoop;

class OverloadTest : public ::testing::Test {
 protected:
  // max_calls 20 and `reserve` channels per line past the guard.
  Overload& overload(int reserve) {
    OverloadSettings s;
    s.max_calls = 20;
    s.line_reserve = reserve;
    overload_.emplace(loop_, clock_, s);
    return *overload_;
  }

  FakeClock clock_;
  FakeLoop loop_{clock_};
  std::optional<Overload> overload_;
};

// Past the guard each line keeps line_reserve channels: a flood that holds every leg on one line leaves a
// quiet line its callers, never the flooded line more calls.
TEST_F(OverloadTest, EachLineKeepsItsReservePastTheGuard) {
  Overload& o = overload(2);
  EXPECT_FALSE(o.refuse(19, 0, 5));
  EXPECT_TRUE(o.refuse(20, 0, 20));            // the flooded line
  EXPECT_TRUE(o.refuse(20, 0, std::nullopt));  // a phone's call has no line to reserve for
  EXPECT_FALSE(o.refuse(20, 0, 0));            // a quiet line
  EXPECT_FALSE(o.refuse(21, 0, 1));
  EXPECT_TRUE(o.refuse(22, 0, 2));
  EXPECT_TRUE(o.refuse(20, 5000, 3));  // the store behind
  EXPECT_FALSE(o.refuse(20, 5000, 1));
  o.drain();
  EXPECT_TRUE(o.refuse(0, 0, 0));  // draining refuses every new call
}

TEST_F(OverloadTest, ZeroReserveIsTheOldGuard) {
  EXPECT_TRUE(overload(0).refuse(20, 0, 0));
}

}  // namespace
}  // namespace callbackd::pbx
