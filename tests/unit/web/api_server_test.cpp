// The real server on 127.0.0.1 (any free port) over a real SQLite file, driven by an HTTP client.
#include "web/api_server.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>

#include "store/password.hpp"
#include "unit/store/temp_dir.hpp"
#include "web/http.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;
constexpr const char* kToken = "test-token-0123456789";

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.listen("127.0.0.1", 0));
    ASSERT_GT(server_.port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_bearer_token_auth(kToken);
  }

  httplib::Result post(const std::string& path, const json& body) {
    return client_->Post(path.c_str(), body.dump(), "application/json");
  }
  httplib::Result put(const std::string& path, const json& body) {
    return client_->Put(path.c_str(), body.dump(), "application/json");
  }
  static json body_of(const httplib::Result& r) { return json::parse(r->body); }

  store::CallbackJob pending_job() {
    store::CallbackJob j;
    j.caller = "+15550123";
    j.destination = "+15550123";
    j.created_at = 1000;
    j.due_at = 1003;
    return store_->create_job(j);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.file("api.db"));
  ApiServer server_{*store_, ApiSettings{kToken, 3}};
  std::unique_ptr<httplib::Client> client_;
};

const json kPhone{{"caller_type", "pstn"},         {"caller_address", "+15550100"},
                  {"description", "Alice mobile"}, {"callback_enabled", true},
                  {"callback_type", "pstn"},       {"callback_destination", "+15550123"},
                  {"callback_delay_s", 5}};

TEST_F(ApiServerTest, HealthzNeedsNoToken) {
  httplib::Client anonymous("127.0.0.1", server_.port());
  const auto r = anonymous.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
}

TEST_F(ApiServerTest, MissingOrWrongTokenIs401) {
  httplib::Client anonymous("127.0.0.1", server_.port());
  auto r = anonymous.Get("/api/v1/authorized-phones");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(body_of(r)["error"], "missing or invalid bearer token");
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
  anonymous.set_bearer_token_auth("test-token-012345678");
  r = anonymous.Post("/api/v1/authorized-phones", kPhone.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(store_->list_phones().empty());
}

TEST_F(ApiServerTest, PhoneLifecycle) {
  auto r = post("/api/v1/authorized-phones", kPhone);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const json created = body_of(r);
  const auto id = created["id"].get<std::int64_t>();
  EXPECT_EQ(created["caller_address"], "+15550100");
  EXPECT_EQ(created["callback_delay_s"], 5);
  EXPECT_TRUE(created["login_extension"].is_null());
  EXPECT_FALSE(created.contains("warning"));

  r = client_->Get("/api/v1/authorized-phones");
  ASSERT_EQ(r->status, 200);
  ASSERT_EQ(body_of(r).size(), 1u);
  EXPECT_EQ(body_of(r)[0]["id"], id);

  const std::string item = "/api/v1/authorized-phones/" + std::to_string(id);
  r = client_->Get(item.c_str());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["description"], "Alice mobile");

  json changed = kPhone;
  changed["description"] = "Alice work";
  changed["callback_delay_s"] = nullptr;
  r = put(item, changed);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["effective_callback_delay_s"], 3);
  EXPECT_EQ(store_->get_phone(id)->description, "Alice work");
  EXPECT_FALSE(store_->get_phone(id)->callback_delay_s);

  r = client_->Delete(item.c_str());
  EXPECT_EQ(r->status, 204);
  r = client_->Get(item.c_str());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["field"], "id");
  r = put(item, kPhone);
  EXPECT_EQ(r->status, 404);
}

TEST_F(ApiServerTest, DuplicateCallerAddressIs409) {
  ASSERT_EQ(post("/api/v1/authorized-phones", kPhone)->status, 201);
  const auto r = post("/api/v1/authorized-phones", kPhone);
  ASSERT_EQ(r->status, 409);
  EXPECT_EQ(body_of(r)["error"], "The record already exists");
  EXPECT_EQ(body_of(r)["field"], "caller_address");
}

TEST_F(ApiServerTest, InvalidBodiesAre400NamingTheField) {
  auto expect_field = [&](const json& body, const char* field) {
    const auto r = post("/api/v1/authorized-phones", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.dump();
    EXPECT_EQ(body_of(r)["field"], field) << r->body;
  };
  json negative = kPhone;
  negative["callback_delay_s"] = -5;
  expect_field(negative, "callback_delay_s");
  json unknown_ext = kPhone;
  unknown_ext["login_extension"] = "999";
  expect_field(unknown_ext, "login_extension");
  json malformed = kPhone;
  malformed["caller_address"] = "+1555abc";
  expect_field(malformed, "caller_address");
  json extra = kPhone;
  extra["admin"] = true;
  expect_field(extra, "admin");

  const auto r = client_->Post("/api/v1/authorized-phones", "{not json", "application/json");
  ASSERT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["field"], "body");
  EXPECT_TRUE(store_->list_phones().empty());
}

TEST_F(ApiServerTest, UnknownLoginExtensionMessageNamesIt) {
  json body = kPhone;
  body["login_extension"] = "999";
  const auto r = post("/api/v1/authorized-phones", body);
  ASSERT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"], "unknown extension 999");
}

TEST_F(ApiServerTest, OverbroadPatternGetsAWarning) {
  json body = kPhone;
  body["caller_address"] = "+*";
  const auto r = post("/api/v1/authorized-phones", body);
  ASSERT_EQ(r->status, 201);
  EXPECT_TRUE(body_of(r).contains("warning"));
}

constexpr const char* kSipPassword = "desk phone 201 secret";
constexpr const char* kPin = "480215";

TEST_F(ApiServerTest, ExtensionPasswordAndPinAreNeverReturned) {
  auto r = post("/api/v1/extensions",
                json{{"number", "201"}, {"name", "Desk"}, {"password", kSipPassword}, {"pin", kPin}});
  ASSERT_EQ(r->status, 201) << r->body;
  const auto stored = store_->get_extension("201");
  EXPECT_EQ(stored->digest_ha1, store::digest_ha1("201", "", kSipPassword));  // the test's empty realm
  EXPECT_TRUE(store::verify_extension_pin(*stored, kPin, ""));
  EXPECT_FALSE(store::verify_extension_pin(*stored, kSipPassword, ""));  // the keypad needs the PIN
  // Only the flags say anything about the secrets; neither they nor their hashes are in any answer.
  auto no_secret = [&stored](const std::string& body) {
    for (const std::string& secret :
         {std::string(kSipPassword), std::string(kPin), stored->digest_ha1, stored->pin_hash}) {
      EXPECT_EQ(body.find(secret), std::string::npos) << body;
    }
    const std::string without_flag = std::regex_replace(body, std::regex("\"needs_new_password\":false"), "");
    EXPECT_EQ(without_flag.find("password"), std::string::npos) << body;
    EXPECT_NE(body.find("\"has_pin\":true"), std::string::npos) << body;
  };
  no_secret(r->body);

  for (const char* path : {"/api/v1/extensions", "/api/v1/extensions/201"}) {
    r = client_->Get(path);
    ASSERT_EQ(r->status, 200);
    no_secret(r->body);
    EXPECT_NE(r->body.find("\"registered\":false"), std::string::npos) << r->body;
  }
  EXPECT_EQ(post("/api/v1/extensions", json{{"number", "201"}, {"pin", "583914"}})->status, 409);
  r = post("/api/v1/extensions", json{{"number", "202"}, {"password", "1234"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["field"], "password");
  r = post("/api/v1/extensions", json{{"number", "202"}, {"pin", "123456"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["field"], "pin");
}

TEST_F(ApiServerTest, ExtensionPutWithoutSecretsKeepsThem) {
  ASSERT_EQ(post("/api/v1/extensions", json{{"number", "201"}, {"password", kSipPassword}})->status, 201);
  auto r = put("/api/v1/extensions/201",
               json{{"name", "Front desk"}, {"allow_call_relay", true}, {"remote_callback", true}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body).at("remote_callback"), true) << r->body;
  EXPECT_EQ(json::parse(r->body).at("has_pin"), false) << r->body;
  auto e = store_->get_extension("201");
  EXPECT_EQ(e->name, "Front desk");
  EXPECT_TRUE(e->allow_call_relay);
  EXPECT_TRUE(e->remote_callback);
  EXPECT_EQ(e->digest_ha1, store::digest_ha1("201", "", kSipPassword));
  r = put("/api/v1/extensions/201", json{{"pin", kPin}});
  ASSERT_EQ(r->status, 200);
  e = store_->get_extension("201");
  EXPECT_EQ(e->name, "");
  EXPECT_TRUE(store::verify_extension_pin(*e, kPin, ""));
  EXPECT_EQ(e->digest_ha1, store::digest_ha1("201", "", kSipPassword));  // the PIN left the password alone
  r = put("/api/v1/extensions/201", json{{"password", "another long secret"}});
  ASSERT_EQ(r->status, 200);
  e = store_->get_extension("201");
  EXPECT_EQ(e->digest_ha1, store::digest_ha1("201", "", "another long secret"));
  EXPECT_TRUE(store::verify_extension_pin(*e, kPin, ""));
  EXPECT_EQ(put("/api/v1/extensions/201", json{{"number", "202"}})->status, 400);
  EXPECT_EQ(put("/api/v1/extensions/299", json{{"name", "x"}})->status, 404);
}

// A row from before PINs logs in at the keypad with its SIP password, flagged, until it gets either secret.
TEST_F(ApiServerTest, APrePinRowIsFlaggedUntilItGetsAPin) {
  store_->create_extension(
      store::Extension{"201", "Old", "", false, store::digest_ha1("201", "", "9137"), false, true});
  auto r = client_->Get("/api/v1/extensions/201");
  EXPECT_EQ(body_of(r)["needs_pin"], true) << r->body;
  ASSERT_EQ(put("/api/v1/extensions/201", json{{"pin", kPin}})->status, 200);
  const auto e = store_->get_extension("201");
  EXPECT_FALSE(e->keypad_sip_password);
  EXPECT_FALSE(store::verify_extension_pin(*e, "9137", ""));
  EXPECT_EQ(body_of(client_->Get("/api/v1/extensions/201"))["needs_pin"], false);
}

TEST_F(ApiServerTest, ExtensionInUseCannotBeDeleted) {
  ASSERT_EQ(post("/api/v1/extensions", json{{"number", "201"}, {"pin", kPin}})->status, 201);
  json body = kPhone;
  body["login_extension"] = "201";
  const auto created = post("/api/v1/authorized-phones", body);
  ASSERT_EQ(created->status, 201) << created->body;
  auto r = client_->Delete("/api/v1/extensions/201");
  ASSERT_EQ(r->status, 409);
  EXPECT_EQ(body_of(r)["field"], "login_extension");
  const auto id = body_of(created)["id"].get<std::int64_t>();
  ASSERT_EQ(client_->Delete(("/api/v1/authorized-phones/" + std::to_string(id)).c_str())->status, 204);
  EXPECT_EQ(client_->Delete("/api/v1/extensions/201")->status, 204);
  EXPECT_EQ(client_->Delete("/api/v1/extensions/201")->status, 404);
}

TEST_F(ApiServerTest, CancelPendingJobThenCancelAgainIs409) {
  std::atomic<std::int64_t> hooked{0};
  server_.on_job_cancelled([&](std::int64_t id) { hooked = id; });
  const auto job = pending_job();
  const std::string item = "/api/v1/callbacks/" + std::to_string(job.id);
  auto r = client_->Delete(item.c_str());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["state"], "cancelled");
  EXPECT_EQ(store_->get_job(job.id)->state, store::JobState::Cancelled);
  EXPECT_EQ(hooked.load(), job.id);

  r = client_->Delete(item.c_str());
  ASSERT_EQ(r->status, 409);
  EXPECT_NE(body_of(r)["error"].get<std::string>().find("cancelled"), std::string::npos);
  EXPECT_EQ(client_->Delete("/api/v1/callbacks/9999")->status, 404);
}

TEST_F(ApiServerTest, CallbacksListNewestFirstWithLimit) {
  const auto a = pending_job();
  store::CallbackJob later = a;
  later.created_at = 2000;
  later.one_time = true;
  const auto b = store_->create_job(later);
  auto r = client_->Get("/api/v1/callbacks");
  ASSERT_EQ(r->status, 200);
  const json all = body_of(r);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["id"], b.id);
  EXPECT_EQ(all[0]["one_time"], true);
  EXPECT_EQ(all[1]["one_time"], false);
  EXPECT_EQ(all[1]["state"], "pending");
  r = client_->Get("/api/v1/callbacks?limit=1");
  ASSERT_EQ(body_of(r).size(), 1u);
  EXPECT_EQ(client_->Get("/api/v1/callbacks?limit=zero")->status, 400);
  r = client_->Get(("/api/v1/callbacks/" + std::to_string(a.id)).c_str());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["destination"], "+15550123");
}

TEST_F(ApiServerTest, CallRecordsAreListed) {
  store::CallRecord rec;
  rec.direction = "inbound";
  rec.caller = "+15550123";
  rec.started_at = 1795678054;
  rec.result = "triggered";
  store_->add_call_record(rec);
  const auto r = client_->Get("/api/v1/call-records");
  ASSERT_EQ(r->status, 200);
  ASSERT_EQ(body_of(r).size(), 1u);
  EXPECT_EQ(body_of(r)[0]["result"], "triggered");
  EXPECT_TRUE(body_of(r)[0]["answered_at"].is_null());
  EXPECT_EQ(body_of(r)[0]["started_at"], "2026-11-26T07:27:34Z");
}

TEST_F(ApiServerTest, UnknownRouteIsJson404) {
  const auto r = client_->Get("/api/v1/nothing-here");
  ASSERT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["error"], "not found");
}

TEST_F(ApiServerTest, StorageFailureIs503NotSilence) {
  // Break the database under the server with a second, real connection.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("api.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DROP TABLE callback_jobs; DROP TABLE authorized_phones", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto r = post("/api/v1/authorized-phones", kPhone);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_of(r)["error"].get<std::string>().rfind("storage unavailable: ", 0), 0u) << r->body;
  EXPECT_EQ(client_->Get("/api/v1/callbacks")->status, 503);
}

TEST(ApiServerLifecycle, BusyPortFailsAndStopIsIdempotent) {
  testing::TempDir dir;
  auto store = store::open_sqlite_store(dir.file("api.db"));
  ApiServer first(*store, ApiSettings{kToken, 3});
  ASSERT_TRUE(first.listen("127.0.0.1", 0));
  ApiServer second(*store, ApiSettings{kToken, 3});
  EXPECT_FALSE(second.listen("127.0.0.1", first.port()));
  first.stop();
  first.stop();
}

TEST(ApiServerLifecycle, EmptyAdminTokenRefusesEveryone) {
  testing::TempDir dir;
  auto store = store::open_sqlite_store(dir.file("api.db"));
  ApiServer server(*store, ApiSettings{"", 3});
  ASSERT_TRUE(server.listen("127.0.0.1", 0));
  httplib::Client c("127.0.0.1", server.port());
  c.set_bearer_token_auth("");
  const auto r = c.Get("/api/v1/extensions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

}  // namespace
}  // namespace callbackd::web
