// The audit trail over real HTTP: who changed what, before and after, and what is not recorded.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/admin_store.hpp"
#include "store/audit.hpp"
#include "unit/store/temp_dir.hpp"
#include "web/api_server.hpp"
#include "web/http.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;
constexpr const char* kToken = "audit-test-token-0123456789";
constexpr const char* kPassword = "correct horse battery";

ApiSettings settings(store::AdminStore* admins, store::AuditLog* audit) {
  ApiSettings s{kToken, 3, admins};
  s.settings_view = json{{"lines", json::array()}};
  s.audit = audit;
  return s;
}

class AuditApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admins_->create_admin({"alice", store::hash_admin_password(kPassword), 1});
    ASSERT_TRUE(server_.listen("127.0.0.1", 0));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
  }
  httplib::Headers bearer() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }
  httplib::Result send(const std::string& method, const std::string& path, const json& body = nullptr) {
    const std::string text = body.is_null() ? "" : body.dump();
    if (method == "POST") return client_->Post(path, bearer(), text, "application/json");
    if (method == "PUT") return client_->Put(path, bearer(), text, "application/json");
    return client_->Delete(path, bearer());
  }
  json audit(const std::string& query = "") {
    const auto r = client_->Get("/api/v1/audit" + query, bearer());
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    return json::parse(r->body);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.file("web.db"));
  std::unique_ptr<store::AdminStore> admins_ = store::open_sqlite_admin_store(dir_.file("web.db"));
  std::unique_ptr<store::AuditLog> log_ = store::open_sqlite_audit_log(dir_.file("web.db"));
  ApiServer server_{*store_, settings(admins_.get(), log_.get())};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AuditApiTest, APhoneCreatedChangedAndDeletedLeavesThreeRows) {
  ASSERT_EQ(send("POST", "/api/v1/authorized-phones", {{"caller_address", "+15550001"}})->status, 201);
  ASSERT_EQ(send("PUT", "/api/v1/authorized-phones/1", {{"caller_address", "+15550002"}})->status, 200);
  ASSERT_EQ(send("DELETE", "/api/v1/authorized-phones/1")->status, 204);
  const json rows = audit();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[2]["action"], "create");
  EXPECT_EQ(rows[2]["actor"], "api-token");
  EXPECT_EQ(rows[2]["entity"], "authorized-phone");
  EXPECT_EQ(rows[2]["entity_id"], "1");
  EXPECT_TRUE(rows[2]["old"].is_null());
  EXPECT_EQ(rows[2]["new"]["caller_address"], "+15550001");
  EXPECT_EQ(rows[1]["old"]["caller_address"], "+15550001");
  EXPECT_EQ(rows[1]["new"]["caller_address"], "+15550002");
  EXPECT_EQ(rows[0]["action"], "delete");
  EXPECT_EQ(rows[0]["old"]["caller_address"], "+15550002");
  EXPECT_TRUE(rows[0]["new"].is_null());
  EXPECT_EQ(rows[0]["source"], "127.0.0.1");
  EXPECT_EQ(rows[0]["at"].get<std::string>().size(), 24U);  // 2026-12-02T01:02:03.456Z
}

TEST_F(AuditApiTest, ARefusedChangeIsNotRecorded) {
  EXPECT_EQ(send("POST", "/api/v1/authorized-phones", {{"caller_address", ""}})->status, 400);
  EXPECT_EQ(send("DELETE", "/api/v1/authorized-phones/99")->status, 404);
  EXPECT_EQ(audit().size(), 0U);
}

TEST_F(AuditApiTest, AnExtensionPasswordAndPinAreNotedNeverStored) {
  ASSERT_EQ(send("POST", "/api/v1/extensions",
                 {{"number", "201"}, {"password", "s3cret-pw of the desk"}, {"pin", "480215"}})
                ->status,
            201);
  ASSERT_EQ(send("PUT", "/api/v1/extensions/201", {{"name", "Desk"}})->status, 200);
  const auto r = client_->Get("/api/v1/audit", bearer());
  EXPECT_EQ(r->body.find("s3cret-pw"), std::string::npos);
  EXPECT_EQ(r->body.find("480215"), std::string::npos);
  const json rows = json::parse(r->body);
  EXPECT_EQ(rows[1]["new"]["password"], "(set)");
  EXPECT_EQ(rows[1]["new"]["pin"], "(set)");
  EXPECT_FALSE(rows[0]["new"].contains("password"));
  EXPECT_EQ(rows[0]["old"]["name"], "");
  EXPECT_EQ(rows[0]["new"]["name"], "Desk");
}

TEST_F(AuditApiTest, ASessionsChangeNamesTheAdmin) {
  const auto login = client_->Post("/api/v1/session", json{{"name", "alice"}, {"password", kPassword}}.dump(),
                                   "application/json");
  ASSERT_EQ(login->status, 200);
  const std::string set = login->get_header_value("Set-Cookie");
  httplib::Headers h{{"Cookie", set.substr(0, set.find(';'))},
                     {"X-CSRF-Token", json::parse(login->body)["csrf_token"].get<std::string>()}};
  ASSERT_EQ(
      client_->Post("/api/v1/authorized-phones", h, R"({"caller_address":"+15550009"})", "application/json")
          ->status,
      201);
  EXPECT_EQ(audit()[0]["actor"], "alice");
  EXPECT_EQ(audit("?actor=alice").size(), 1U);
}

TEST_F(AuditApiTest, ListIsPagedWithATotal) {
  for (int i = 0; i < 3; ++i) {
    send("POST", "/api/v1/authorized-phones", {{"caller_address", "+1555000" + std::to_string(i)}});
  }
  const auto r = client_->Get("/api/v1/audit?limit=2&offset=1", bearer());
  EXPECT_EQ(r->get_header_value("X-Total-Count"), "3");
  const json rows = json::parse(r->body);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0]["new"]["caller_address"], "+15550001");
  EXPECT_EQ(client_->Get("/api/v1/audit?limit=0", bearer())->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/audit")->status, 401);
}

}  // namespace
}  // namespace callbackd::web
