#include "pbx/line_pool.hpp"

#include <gtest/gtest.h>

namespace callbackd::pbx {
namespace {

Line line(const char* name, HostPort gateway, LineTransport transport, int channels) {
  Line l;
  l.name = name;
  l.gateway = std::move(gateway);
  l.transport = transport;
  l.channels = channels;
  l.country = "US";
  return l;
}

std::vector<Line> two_lines() {
  return {line("fxo1", {"127.0.0.1", 5070}, LineTransport::Udp, 1),
          line("trunk", {"::1", 5080}, LineTransport::Tcp, 2)};
}

TEST(LinePool, UdpSourceMustMatchAddressAndPort) {
  LinePool pool(two_lines());
  ASSERT_NE(pool.from_source("127.0.0.1", 5070, false), nullptr);
  EXPECT_EQ(pool.from_source("127.0.0.1", 5070, false)->name, "fxo1");
  EXPECT_EQ(pool.from_source("127.0.0.1", 5071, false), nullptr);
  EXPECT_EQ(pool.from_source("127.0.0.2", 5070, false), nullptr);
}

TEST(LinePool, TcpSourceMatchesAddressWhenUnambiguous) {
  LinePool pool(two_lines());
  ASSERT_NE(pool.from_source("127.0.0.1", 40123, true), nullptr);
  EXPECT_EQ(pool.from_source("127.0.0.1", 40123, true)->name, "fxo1");
  auto lines = two_lines();
  lines[1].gateway = {"127.0.0.1", 5090};
  LinePool ambiguous(lines);
  EXPECT_EQ(ambiguous.from_source("127.0.0.1", 40123, true), nullptr);
}

TEST(LinePool, Ipv6AddressesCompareByValue) {
  LinePool pool(two_lines());
  ASSERT_NE(pool.from_source("0:0:0:0:0:0:0:1", 5080, false), nullptr);
  EXPECT_EQ(pool.from_source("0:0:0:0:0:0:0:1", 5080, false)->name, "trunk");
}

TEST(LinePool, ChannelsAreCountedPerLine) {
  LinePool pool(two_lines());
  EXPECT_TRUE(pool.acquire("fxo1"));
  EXPECT_FALSE(pool.acquire("fxo1")) << "an FXO port carries one call";
  EXPECT_TRUE(pool.acquire("trunk"));
  EXPECT_TRUE(pool.acquire("trunk"));
  EXPECT_FALSE(pool.acquire("trunk"));
  EXPECT_FALSE(pool.acquire("nosuchline"));
  pool.release("fxo1");
  EXPECT_EQ(pool.in_use("fxo1"), 0);
  pool.release("fxo1");
  EXPECT_EQ(pool.in_use("fxo1"), 0) << "a release without an acquire must not go negative";
}

TEST(LinePool, PickPrefersTheTriggerLineThenAnyFreeOne) {
  LinePool pool(two_lines());
  ASSERT_NE(pool.pick("trunk"), nullptr);
  EXPECT_EQ(pool.pick("trunk")->name, "trunk");
  ASSERT_TRUE(pool.acquire("fxo1"));
  EXPECT_EQ(pool.pick("fxo1")->name, "trunk");
  ASSERT_TRUE(pool.acquire("trunk"));
  ASSERT_TRUE(pool.acquire("trunk"));
  EXPECT_EQ(pool.pick("fxo1"), nullptr);
}

TEST(LinePool, ReplaceKeepsChannelsInUseByName) {
  LinePool pool(two_lines());
  ASSERT_TRUE(pool.acquire("fxo1"));
  ASSERT_TRUE(pool.acquire("trunk"));
  auto lines = two_lines();
  lines[0].channels = 2;     // fxo1 grows: its call still counts, one more fits
  lines[1].name = "trunk2";  // trunk renamed: its call keeps a channel of the old name
  lines[1].gateway = {"127.0.0.1", 5090};
  pool.replace(lines);
  EXPECT_EQ(pool.in_use("fxo1"), 1);
  EXPECT_TRUE(pool.acquire("fxo1"));
  EXPECT_FALSE(pool.acquire("fxo1"));
  EXPECT_EQ(pool.in_use("trunk"), 1);
  EXPECT_FALSE(pool.acquire("trunk"));  // gone: no new calls
  EXPECT_EQ(pool.find("trunk"), nullptr);
  pool.release("trunk");  // the old call ends
  EXPECT_EQ(pool.in_use("trunk"), 0);
  ASSERT_NE(pool.from_source("127.0.0.1", 5090, false), nullptr);
  EXPECT_EQ(pool.from_source("127.0.0.1", 5090, false)->name, "trunk2");
  EXPECT_EQ(pool.all().size(), 2U);
}

}  // namespace
}  // namespace callbackd::pbx
