// What the REST API sends for a call record: times as ISO 8601 UTC, null when unset.
#include "web/json_codec.hpp"

#include <gtest/gtest.h>

namespace callbackd::web {
namespace {

// A record with its answer and end times set once made the optional overload of iso8601 call itself until
// the HTTP worker's stack ran out (GET /api/v1/call-records crashed the server).
TEST(JsonCodec, CallRecordTimesAreIso8601OrNull) {
  store::CallRecord r;
  r.started_at = 1'800'000'000;
  r.answered_at = 1'800'000'005;
  r.ended_at = 1'800'000'065;
  const auto j = to_json(r);
  EXPECT_EQ(j["started_at"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(j["answered_at"], "2027-01-15T08:00:05Z");
  EXPECT_EQ(j["ended_at"], "2027-01-15T08:01:05Z");
  r.answered_at.reset();
  EXPECT_TRUE(to_json(r)["answered_at"].is_null());
}

}  // namespace
}  // namespace callbackd::web
