#include "registrar/location.hpp"

#include <gtest/gtest.h>

#include "test_clock.hpp"

namespace callbackd::registrar {
namespace {

using std::chrono::seconds;

BindingUpdate at(const std::string& uri, int expires_s, std::uint16_t port = 5062) {
  return {uri, "192.0.2.7", port, false, expires_s};
}

TEST(Location, SeveralContactsEachWithItsOwnExpiry) {
  TestClock clock;
  LocationService loc(clock);
  EXPECT_FALSE(loc.registered("201"));
  ASSERT_TRUE(loc.update("201", at("sip:201@10.0.0.5:5060", 60)));
  ASSERT_TRUE(loc.update("201", at("sip:201@10.0.0.6:5060", 120, 5064)));
  auto c = loc.contacts("201");
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].uri, "sip:201@10.0.0.5:5060");
  EXPECT_EQ(c[0].target, "sip:201@192.0.2.7:5062");  // where the REGISTER came from, not the private address
  EXPECT_EQ(c[0].expires_s, 60);
  EXPECT_EQ(c[1].target, "sip:201@192.0.2.7:5064");
  clock.advance(seconds(60));
  c = loc.contacts("201");
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].uri, "sip:201@10.0.0.6:5060");
  EXPECT_EQ(c[0].expires_s, 60);
  clock.advance(seconds(60));
  EXPECT_FALSE(loc.registered("201"));
  EXPECT_TRUE(loc.all().empty());
}

TEST(Location, RefreshKeepsOneBindingAndZeroRemovesIt) {
  TestClock clock;
  LocationService loc(clock);
  loc.update("201", at("sip:201@10.0.0.5", 60));
  clock.advance(seconds(50));
  loc.update("201", at("sip:201@10.0.0.5", 60));
  ASSERT_EQ(loc.contacts("201").size(), 1U);
  EXPECT_EQ(loc.contacts("201")[0].expires_s, 60);
  loc.update("201", at("sip:201@10.0.0.6", 60));
  loc.update("201", at("sip:201@10.0.0.5", 0));
  ASSERT_EQ(loc.contacts("201").size(), 1U);
  EXPECT_EQ(loc.contacts("201")[0].uri, "sip:201@10.0.0.6");
  loc.remove_all("201");
  EXPECT_FALSE(loc.registered("201"));
}

TEST(Location, ExtensionsAreSeparateAndContactsBounded) {
  TestClock clock;
  LocationService loc(clock);
  for (std::size_t i = 0; i < LocationService::kMaxContacts; ++i) {
    EXPECT_TRUE(loc.update("201", at("sip:201@10.0.0." + std::to_string(i), 60)));
  }
  EXPECT_FALSE(loc.update("201", at("sip:201@10.0.1.1", 60)));
  EXPECT_TRUE(loc.update("201", at("sip:201@10.0.0.0", 90)));  // a refresh is not a new contact
  EXPECT_TRUE(loc.update("202", at("sip:202@10.0.1.1", 60)));
  EXPECT_EQ(loc.contacts("202").size(), 1U);
  EXPECT_EQ(loc.all().size(), 2U);
}

TEST(Location, TargetKeepsTheUserAndTheTransport) {
  EXPECT_EQ(contact_target("sip:alice@10.0.0.5:5060;transport=tcp", "192.0.2.7", 40000, true),
            "sip:alice@192.0.2.7:40000;transport=tcp");
  EXPECT_EQ(contact_target("sip:10.0.0.5", "2001:db8::1", 5060, false), "sip:[2001:db8::1]:5060");
}

}  // namespace
}  // namespace callbackd::registrar
