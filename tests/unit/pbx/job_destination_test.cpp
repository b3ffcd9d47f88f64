#include "pbx/job_destination.hpp"

#include <gtest/gtest.h>

namespace callbackd::pbx {
namespace {

using callback::Destination;
using Kind = Destination::Kind;

TEST(JobDestination, EveryKindSurvivesTheRoundTrip) {
  for (const auto& parsed : {Destination::parse_sip("sip:bob@127.0.0.1:5080;transport=tcp"),
                             Destination::parse_pstn("+12015550123"), Destination::parse_extension("201")}) {
    ASSERT_TRUE(parsed) << parsed.error;
    const auto back = from_job_destination(to_job_destination(*parsed));
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(*back, *parsed) << parsed->text();
  }
}

TEST(JobDestination, ExtensionsAreMarkedSoTheyAreNotDialledAsNumbers) {
  EXPECT_EQ(to_job_destination(*Destination::parse_extension("201")), "ext:201");
  EXPECT_EQ(from_job_destination("201")->kind(), Kind::Pstn);
}

// Rows written before the one grammar existed still load; the dialer gets the reason to fail the job with.
TEST(JobDestination, OldRowsTheGrammarRefusesComeBackWithAReason) {
  EXPECT_EQ(from_job_destination("sip:bob;x=1@example.com").error,
            "the user part may only hold letters, digits, escapes and -_.!~*+&=$,");
  EXPECT_EQ(from_job_destination("ext:1").error, "an extension is 2 to 8 digits");
  EXPECT_FALSE(from_job_destination("sip:bob@example.com;maddr=10.0.0.1"));
}

}  // namespace
}  // namespace callbackd::pbx
