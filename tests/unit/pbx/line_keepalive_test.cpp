// Lines as a resource: the OPTIONS keepalive marks a line down after enough failures in a row (a timeout,
// 408 or 503), the line pool then skips it, and the first answer of any other status brings it back.
#include "pbx/line_keepalive.hpp"

#include <gtest/gtest.h>

#include "unit/pbx/fakes.hpp"

namespace callbackd::pbx {
namespace {

using namespace std::chrono_literals;

class FakePinger final : public Pinger {
 public:
  PingId ping(const std::string& uri, std::function<void(int)> done) override {
    const PingId id = next_++;
    open_[id] = {uri, std::move(done)};
    sent.push_back(uri);
    return id;
  }
  void drop_ping(PingId id) override { open_.erase(id); }
  // Answers every OPTIONS in flight to `uri` with `status`.
  void answer(const std::string& uri, int status) {
    for (auto it = open_.begin(); it != open_.end();) {
      if (it->second.first != uri) {
        ++it;
        continue;
      }
      auto done = std::move(it->second.second);
      it = open_.erase(it);
      done(status);
    }
  }
  std::size_t open() const { return open_.size(); }
  std::vector<std::string> sent;

 private:
  PingId next_ = 1;
  std::map<PingId, std::pair<std::string, std::function<void(int)>>> open_;
};

Line line(const std::string& name, std::uint16_t port) {
  Line l;
  l.name = name;
  l.gateway = {"127.0.0.1", port};
  l.channels = 1;
  return l;
}

class Keepalive : public ::testing::Test {
 protected:
  testing::FakeClock clock;
  testing::FakeLoop loop{clock};
  FakePinger pinger;
  LinePool pool{{line("fxo1", 5070), line("fxo2", 5072)}};
  LineKeepalive keepalive{loop, pinger, pool, {1, 2}};  // every second; down after 2 failures
};

TEST(KeepaliveStatus, OnlyTimeoutsAnd503MeanTheGatewayIsGone) {
  for (int status : {200, 404, 405, 481, 501, 500, 603}) EXPECT_TRUE(gateway_answered(status)) << status;
  for (int status : {408, 503}) EXPECT_FALSE(gateway_answered(status)) << status;
}

TEST(KeepaliveStatus, UriNamesTheGatewayAndItsTransport) {
  Line l = line("trunk", 5080);
  EXPECT_EQ(keepalive_uri(l), "sip:127.0.0.1:5080");
  l.transport = LineTransport::Tcp;
  EXPECT_EQ(keepalive_uri(l), "sip:127.0.0.1:5080;transport=tcp");
}

TEST_F(Keepalive, SilentGatewayGoesDownAfterTheFailuresAndPickSkipsIt) {
  keepalive.start();
  ASSERT_EQ(pinger.sent.size(), 2u) << "one OPTIONS per line at start";
  pinger.answer("sip:127.0.0.1:5072", 200);
  loop.advance(1s);  // fxo1's first OPTIONS went unanswered
  EXPECT_TRUE(pool.up("fxo1")) << "one failure is not enough";
  pinger.answer("sip:127.0.0.1:5072", 200);
  loop.advance(1s);
  EXPECT_FALSE(pool.up("fxo1"));
  EXPECT_TRUE(pool.up("fxo2"));
  ASSERT_NE(pool.pick("fxo1"), nullptr);
  EXPECT_EQ(pool.pick("fxo1")->name, "fxo2") << "a callback must not be sent to a line that is down";
  EXPECT_EQ(pinger.open(), 2u) << "an unanswered OPTIONS is dropped when the next one leaves";
}

TEST_F(Keepalive, AnyAnswerButTimeoutAnd503BringsTheLineBack) {
  keepalive.start();
  pinger.answer("sip:127.0.0.1:5070", 503);
  loop.advance(1s);
  pinger.answer("sip:127.0.0.1:5070", 408);
  EXPECT_FALSE(pool.up("fxo1"));
  loop.advance(1s);
  pinger.answer("sip:127.0.0.1:5070",
                405);  // a gateway that does not implement OPTIONS is there all the same
  EXPECT_TRUE(pool.up("fxo1"));
  pinger.answer("sip:127.0.0.1:5070", 503);
  EXPECT_TRUE(pool.up("fxo1")) << "the count starts again after a good answer";
}

TEST_F(Keepalive, NoLineUpMeansNoPick) {
  keepalive.start();
  loop.advance(2s);
  EXPECT_FALSE(pool.up("fxo1"));
  EXPECT_FALSE(pool.up("fxo2"));
  EXPECT_EQ(pool.pick(""), nullptr) << "a callback waits (or fails with no line) when no line is up";
}

TEST_F(Keepalive, ReplacedLinesAreProbedAndGoneOnesForgotten) {
  keepalive.start();
  loop.advance(2s);
  ASSERT_FALSE(pool.up("fxo1"));
  pool.replace({line("fxo1", 5070), line("fxo3", 5074)});
  keepalive.lines_changed();
  EXPECT_FALSE(pool.up("fxo1")) << "an unchanged line keeps its state";
  EXPECT_TRUE(pool.up("fxo3"));
  EXPECT_EQ(pinger.sent.back(), "sip:127.0.0.1:5074");
  pool.replace({line("fxo1", 5090)});
  keepalive.lines_changed();
  EXPECT_TRUE(pool.up("fxo1")) << "a gateway that moved starts up again";
}

TEST_F(Keepalive, StopDropsWhatIsInFlight) {
  keepalive.start();
  keepalive.stop();
  EXPECT_EQ(pinger.open(), 0u);
  loop.advance(5s);
  EXPECT_EQ(pinger.sent.size(), 2u) << "no OPTIONS after stop";
}

TEST(KeepaliveOff, ZeroIntervalSendsNothing) {
  testing::FakeClock clock;
  testing::FakeLoop loop{clock};
  FakePinger pinger;
  LinePool pool{{line("fxo1", 5070)}};
  LineKeepalive keepalive{loop, pinger, pool, {0, 3}};
  keepalive.start();
  loop.advance(60s);
  EXPECT_TRUE(pinger.sent.empty());
  EXPECT_TRUE(pool.up("fxo1"));
}

}  // namespace
}  // namespace callbackd::pbx
