// The remote configuration's allow list (TollPolicy::check_remote, [policy] remote_allow): what a caller may
// enter by phone as a callback destination, besides the toll-fraud policy of check().
#include <gtest/gtest.h>

#include "callback/toll_policy.hpp"

namespace callbackd::callback {
namespace {

Destination pstn(std::string_view text) {
  auto p = Destination::parse_pstn(text);
  EXPECT_TRUE(p) << text << ": " << p.error;
  return *p;
}

TEST(RemotePolicy, DefaultIsTheLinesOwnCountryPlanWithoutExpensiveNumbers) {
  const TollPolicy policy;
  EXPECT_EQ(policy.check_remote(pstn("+12125550199"), "US"), "");
  EXPECT_EQ(policy.check_remote(pstn("12125550199"), "US"), "");
  EXPECT_EQ(policy.check_remote(pstn("+18005550100"), "US"), "") << "toll free";
  EXPECT_EQ(policy.check_remote(pstn("+15550100"), "US"), "too-short") << "no such number: fail closed";
  EXPECT_EQ(policy.check_remote(pstn("+442071234567"), "US"), "international");
  EXPECT_EQ(policy.check_remote(pstn("+442071234567"), "GB"), "") << "the line's country decides";
  EXPECT_EQ(policy.check_remote(pstn("+19005550199"), "US"), "premium-rate");
  EXPECT_EQ(policy.check_remote(pstn("+449098790000"), "GB"), "premium-rate");
  EXPECT_EQ(policy.check_remote(pstn("+882123456789"), "US"), "satellite");
  EXPECT_EQ(policy.check_remote(pstn("911"), "US"), "emergency-number");
  EXPECT_EQ(policy.check_remote(pstn("+16135550199"), "US"), "international") << "Canada, inside +1";
}

TEST(RemotePolicy, DefaultIgnoresWhatTheTollPolicyOpens) {
  PolicySettings s;
  s.allow_international = true;
  s.allow_premium = true;
  s.allow_satellite = true;
  s.allow = {"+44*"};
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check(pstn("+442071234567"), "US"), "") << "callbacks may go abroad";
  EXPECT_EQ(policy.check_remote(pstn("+442071234567"), "US"), "international") << "but not by phone";
  EXPECT_EQ(policy.check_remote(pstn("+19005550199"), "US"), "premium-rate");
  EXPECT_EQ(policy.check_remote(pstn("+882123456789"), "US"), "satellite");
}

TEST(RemotePolicy, AnAllowListNamesTheOnlyNumbers) {
  PolicySettings s;
  s.remote_allow = {"+1212*", "+4420*"};
  const TollPolicy policy(s);
  EXPECT_EQ(policy.check_remote(pstn("+12125550199"), "US"), "");
  EXPECT_EQ(policy.check_remote(pstn("12125550199"), "US"), "") << "however it is dialled";
  EXPECT_EQ(policy.check_remote(pstn("+13125550199"), "US"), "remote-not-allowed") << "Chicago is not listed";
  EXPECT_EQ(policy.check_remote(pstn("+442071234567"), "US"), "");
  // The list is checked besides check(): a listed international number still needs the toll policy.
  EXPECT_EQ(policy.check(pstn("+442071234567"), "US"), "international");
}

TEST(RemotePolicy, OnlyNumbersCanBeKeyedIn) {
  const TollPolicy policy;
  EXPECT_EQ(policy.check_remote(*Destination::parse_extension("201")), "");
  EXPECT_EQ(policy.check_remote(*Destination::parse_sip("sip:bob@example.com")), "remote-not-a-number");
}

}  // namespace
}  // namespace callbackd::callback
