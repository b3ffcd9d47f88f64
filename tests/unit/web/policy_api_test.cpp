// The REST API refuses an authorized phone whose callback the toll-fraud policy would refuse: 400 naming
// callback_destination, with the reason, and nothing stored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "callback/toll_policy.hpp"
#include "unit/store/temp_dir.hpp"
#include "web/api_server.hpp"
#include "web/http.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;
constexpr const char* kToken = "test-token-0123456789";

ApiSettings with_policy() {
  ApiSettings s{kToken, 3};
  s.destination_policy = [policy = callback::TollPolicy()](const callback::Destination& d) {
    return policy.check_any_line(d);
  };
  return s;
}

class PolicyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.listen("127.0.0.1", 0));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_bearer_token_auth(kToken);
  }
  static json phone(const std::string& address, const std::string& destination) {
    return {{"caller_address", address}, {"callback_enabled", true}, {"callback_destination", destination}};
  }
  httplib::Result post(const json& body) {
    return client_->Post("/api/v1/authorized-phones", body.dump(), "application/json");
  }
  void expect_refused(const httplib::Result& r, const std::string& reason) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    const json body = json::parse(r->body);
    EXPECT_EQ(body["field"], "callback_destination");
    EXPECT_NE(body["error"].get<std::string>().find(reason), std::string::npos) << body["error"];
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.file("api.db"));
  ApiServer server_{*store_, with_policy()};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PolicyApiTest, PremiumAndInternationalDestinationsAre400AndNotStored) {
  expect_refused(post(phone("+12015550100", "+19005550199")), "premium-rate");
  expect_refused(post(phone("+12015550101", "011 44 20 7123 4567")), "international");
  expect_refused(post(phone("+12015550102", "sip:+882123456789@carrier.example;user=phone")), "satellite");
  EXPECT_TRUE(store_->list_phones().empty());
}

TEST_F(PolicyApiTest, TheCallersOwnNumberIsJudgedWhenTheDestinationIsEmpty) {
  expect_refused(post(phone("+18765550100", "")), "international");
  const auto pattern = post(phone("+1201555*", ""));
  ASSERT_TRUE(pattern);
  EXPECT_EQ(pattern->status, 201) << "a pattern's callbacks are judged per caller, when they are dialled";
}

TEST_F(PolicyApiTest, DomesticDestinationIsStoredAndAPutCannotMakeItPremium) {
  const auto created = post(phone("+12015550100", "+12015550123"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const auto id = json::parse(created->body)["id"].get<std::int64_t>();
  const std::string path = "/api/v1/authorized-phones/" + std::to_string(id);
  expect_refused(client_->Put(path, phone("+12015550100", "+19005550199").dump(), "application/json"),
                 "premium-rate");
  EXPECT_EQ(store_->get_phone(id)->callback_destination, "+12015550123");
}

// An entry stored before today's rules refused its destination is listed with a warning, never changed.
TEST_F(PolicyApiTest, AStoredDestinationThePolicyNowRefusesIsFlaggedInListsAndUnchanged) {
  const auto created = post(phone("+12015550100", "+12015550123"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const auto id = json::parse(created->body)["id"].get<std::int64_t>();
  auto stored = *store_->get_phone(id);
  EXPECT_FALSE(json::parse(created->body).contains("destination_warning"));
  stored.callback_destination = "5550123";  // what an older version accepted
  ASSERT_TRUE(store_->update_phone(stored));
  const auto listed = client_->Get("/api/v1/authorized-phones");
  ASSERT_TRUE(listed);
  const json list = json::parse(listed->body);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_NE(list[0].value("destination_warning", "").find("refused by the toll-fraud policy: too-short"),
            std::string::npos)
      << list[0];
  const auto one = client_->Get("/api/v1/authorized-phones/" + std::to_string(id));
  ASSERT_TRUE(one);
  EXPECT_TRUE(json::parse(one->body).contains("destination_warning"));
  EXPECT_EQ(store_->get_phone(id)->callback_destination, "5550123") << "flagged, not changed";
}

}  // namespace
}  // namespace callbackd::web
