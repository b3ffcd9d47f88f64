// Web management over real HTTP: login, the session cookie and its CSRF token, search, import, records.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/admin_store.hpp"
#include "unit/store/temp_dir.hpp"
#include "web/api_server.hpp"
#include "web/http.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;
constexpr const char* kPassword = "correct horse battery";

class WebApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admins_->create_admin({"alice", store::hash_admin_password(kPassword), 1});
    ASSERT_TRUE(server_.listen("127.0.0.1", 0));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
  }

  // Logs in; returns the Cookie header value and sets csrf_.
  std::string login() {
    const auto r = client_->Post("/api/v1/session", json{{"name", "alice"}, {"password", kPassword}}.dump(),
                                 "application/json");
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    csrf_ = json::parse(r->body)["csrf_token"];
    const std::string set = r->get_header_value("Set-Cookie");
    return set.substr(0, set.find(';'));
  }

  httplib::Result post_phone(const std::string& cookie, const std::string& csrf, const std::string& address) {
    httplib::Headers h{{"Cookie", cookie}};
    if (!csrf.empty()) h.emplace("X-CSRF-Token", csrf);
    return client_->Post("/api/v1/authorized-phones", h, json{{"caller_address", address}}.dump(),
                         "application/json");
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.file("web.db"));
  std::unique_ptr<store::AdminStore> admins_ = store::open_sqlite_admin_store(dir_.file("web.db"));
  ApiServer server_{*store_, ApiSettings{"test-token-0123456789", 3, admins_.get(), std::chrono::seconds(600),
                                         json{{"lines", json::array()}}}};
  std::unique_ptr<httplib::Client> client_;
  std::string csrf_;
};

TEST_F(WebApiTest, LoginSetsAStrictHttpOnlyCookie) {
  const auto r = client_->Post("/api/v1/session", json{{"name", "alice"}, {"password", kPassword}}.dump(),
                               "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(json::parse(r->body)["name"], "alice");
}

TEST_F(WebApiTest, TheCookieIsSecureWhenTheBrowserCameOverHttps) {
  const std::string body = json{{"name", "alice"}, {"password", kPassword}}.dump();
  const auto plain = client_->Post("/api/v1/session", body, "application/json");
  EXPECT_EQ(plain->get_header_value("Set-Cookie").find("Secure"), std::string::npos);
  const auto proxied =
      client_->Post("/api/v1/session", {{"X-Forwarded-Proto", "https"}}, body, "application/json");
  EXPECT_NE(proxied->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
  const auto forwarded =
      client_->Post("/api/v1/session", {{"Forwarded", "for=10.0.0.1;proto=https"}}, body, "application/json");
  EXPECT_NE(forwarded->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST(WebApiSecureCookie, ConfiguredSecureCookieAlwaysGetsTheFlag) {
  testing::TempDir dir;
  auto store = store::open_sqlite_store(dir.file("web.db"));
  auto admins = store::open_sqlite_admin_store(dir.file("web.db"));
  admins->create_admin({"alice", store::hash_admin_password(kPassword), 1});
  ApiSettings s{"test-token-0123456789", 3, admins.get()};
  s.secure_cookie = true;
  ApiServer server(*store, s);
  ASSERT_TRUE(server.listen("127.0.0.1", 0));
  httplib::Client client("127.0.0.1", server.port());
  const auto r = client.Post("/api/v1/session", json{{"name", "alice"}, {"password", kPassword}}.dump(),
                             "application/json");
  ASSERT_TRUE(r);
  EXPECT_NE(r->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(WebApiTest, WrongPasswordIs401AndThenThrottled) {
  for (int i = 0; i < 5; ++i) {
    const auto r = client_->Post("/api/v1/session", json{{"name", "alice"}, {"password", "wrong"}}.dump(),
                                 "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json::parse(r->body)["field"], "password");
  }
  // Even the right password waits now: the account is locked for the window.
  const auto r = client_->Post("/api/v1/session", json{{"name", "alice"}, {"password", kPassword}}.dump(),
                               "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_FALSE(r->get_header_value("Retry-After").empty());
}

TEST_F(WebApiTest, ChangesNeedTheSessionsCsrfToken) {
  const std::string cookie = login();
  auto r = post_phone(cookie, "", "+15551001");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = post_phone(cookie, std::string(64, '0'), "+15551001");
  EXPECT_EQ(r->status, 403);
  EXPECT_TRUE(store_->list_phones().empty());
  r = post_phone(cookie, csrf_, "+15551001");
  EXPECT_EQ(r->status, 201);
  r = client_->Get("/api/v1/authorized-phones", httplib::Headers{{"Cookie", cookie}});
  EXPECT_EQ(r->status, 200);
}

TEST_F(WebApiTest, LogoutEndsTheSession) {
  const std::string cookie = login();
  auto r = client_->Delete("/api/v1/session", httplib::Headers{{"Cookie", cookie}, {"X-CSRF-Token", csrf_}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  r = client_->Get("/api/v1/authorized-phones", httplib::Headers{{"Cookie", cookie}});
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(post_phone(cookie, csrf_, "+15551001")->status, 401);
}

TEST_F(WebApiTest, ListPagesAndCountsOnTheServer) {
  client_->set_bearer_token_auth("test-token-0123456789");
  for (int i = 0; i < 12; ++i) {
    store::AuthorizedPhone p;
    p.caller_address = "+1555100" + std::to_string(10 + i);
    store_->create_phone(p);
  }
  auto r = client_->Get("/api/v1/authorized-phones?limit=5&offset=10&sort=-caller_address");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Total-Count"), "12");
  EXPECT_EQ(json::parse(r->body).size(), 2u);
  EXPECT_EQ(client_->Get("/api/v1/authorized-phones?sort=password")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/authorized-phones?limit=0")->status, 400);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/authorized-phones")->body).size(), 12u);  // unpaged as before
}

TEST_F(WebApiTest, ImportWithABadRowWritesNothing) {
  client_->set_bearer_token_auth("test-token-0123456789");
  const std::string bad =
      "caller_type,caller_address,callback_delay_s\npstn,+15552001,5\npstn,+15552002,soon\n";
  auto r = client_->Post("/api/v1/authorized-phones/import", bad, "text/csv");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const auto body = json::parse(r->body);
  ASSERT_EQ(body["rows"].size(), 1u);
  EXPECT_EQ(body["rows"][0]["row"], 3);
  EXPECT_EQ(body["rows"][0]["field"], "callback_delay_s");
  EXPECT_TRUE(store_->list_phones().empty());
  r = client_->Post("/api/v1/authorized-phones/import", "caller_address\n+15552001\n+15552001\n", "text/csv");
  EXPECT_EQ(json::parse(r->body)["rows"][0]["field"], "caller_address");  // duplicate inside the file
  r = client_->Post("/api/v1/authorized-phones/import", "caller_address,description\n+15552001,\"a, b\"\n",
                    "text/csv");
  EXPECT_EQ(r->status, 201);
  ASSERT_EQ(store_->list_phones().size(), 1u);
  EXPECT_EQ(store_->list_phones()[0].description, "a, b");
  r = client_->Get("/api/v1/authorized-phones/export");
  EXPECT_NE(r->body.find("\"a, b\""), std::string::npos);
}

TEST_F(WebApiTest, CallRecordFiltersAreApplied) {
  client_->set_bearer_token_auth("test-token-0123456789");
  store::CallRecord rec;
  rec.direction = "inbound";
  rec.caller = "+15551001";
  rec.started_at = 1764547200;  // 2025-12-01T00:00:00Z
  rec.result = "triggered";
  store_->add_call_record(rec);
  rec.started_at += 86400;
  rec.result = "failed: 503";
  store_->add_call_record(rec);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/call-records?to=2025-12-01")->body).size(), 1u);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/call-records?result=failed")->body).size(), 1u);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/call-records?number=9999")->body).size(), 0u);
  const auto r = client_->Get("/api/v1/call-records?from=yesterday");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["field"], "from");
}

TEST_F(WebApiTest, ServesTheUiWithoutCredentials) {
  const auto r = client_->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(client_->Get("/app.js")->status, 200);
}

}  // namespace
}  // namespace callbackd::web
