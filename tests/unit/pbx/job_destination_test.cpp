#include "pbx/job_destination.hpp"

#include <gtest/gtest.h>

namespace callbackd::pbx {
namespace {

using Kind = callback::DialTarget::Kind;

TEST(JobDestination, EveryKindSurvivesTheRoundTrip) {
  for (const callback::DialTarget& t :
       {callback::DialTarget{Kind::SipUri, "sip:bob@127.0.0.1:5080"},
        callback::DialTarget{Kind::Pstn, "+15550123"}, callback::DialTarget{Kind::Extension, "201"}}) {
    const auto back = from_job_destination(to_job_destination(t));
    EXPECT_EQ(back.kind, t.kind) << t.value;
    EXPECT_EQ(back.value, t.value);
  }
}

TEST(JobDestination, ExtensionsAreMarkedSoTheyAreNotDialledAsNumbers) {
  EXPECT_EQ(to_job_destination({Kind::Extension, "201"}), "ext:201");
  EXPECT_EQ(from_job_destination("201").kind, Kind::Pstn);
}

}  // namespace
}  // namespace callbackd::pbx
