// CallSettingsService: an admin's change is checked with the file's rules, stored, applied, and wins over the
// file at the next start and at a SIGHUP; a refused change changes nothing.
#include "app/call_settings.hpp"

#include <gtest/gtest.h>

#include "unit/store/temp_dir.hpp"

namespace callbackd::app {
namespace {

using nlohmann::json;

Config file_config(int channels, int retry) {
  Config c;
  LineConfig line;
  line.name = "fxo1";
  line.gateway = {"127.0.0.1", 5070};
  line.channels = channels;
  c.lines.push_back(line);
  c.callback.retry_delay_s = retry;
  return c;
}

class CallSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = store::open_sqlite_settings_store(dir_.file("s.db")); }
  std::unique_ptr<CallSettingsService> service(const Config& file) {
    auto s = std::make_unique<CallSettingsService>(*store_, file);
    s->attach([this](const CallSettings& c) { applied_.push_back(c); }, [] { return std::nullopt; });
    return s;
  }
  static json line(const std::string& name, const std::string& gateway, json channels) {
    return {{"name", name}, {"gateway", gateway}, {"channels", std::move(channels)}};
  }

  testing::TempDir dir_;
  std::unique_ptr<store::SettingsStore> store_;
  std::vector<CallSettings> applied_;
};

TEST_F(CallSettingsTest, TheFilesSettingsUntilAnAdminChangesThem) {
  auto s = service(file_config(4, 60));
  EXPECT_EQ(s->lines()[0]["channels"], 4);
  EXPECT_TRUE(s->lines()[0]["channels_busy"].is_null());  // the call core did not answer
  EXPECT_EQ(s->callback()["retry_delay_s"], 60);
  EXPECT_FALSE(store_->get("lines").has_value());
}

TEST_F(CallSettingsTest, AChangeIsStoredAppliedAndKeptAtTheNextStart) {
  auto s = service(file_config(4, 60));
  ASSERT_FALSE(
      s->set_lines(json::array({line("fxo1", "127.0.0.1:5080", 2), line("b", "127.0.0.1:5090", 1)})));
  ASSERT_EQ(applied_.size(), 1U);
  EXPECT_EQ(applied_[0].lines.size(), 2U);
  EXPECT_EQ(applied_[0].lines[0].gateway.port, 5080);
  EXPECT_EQ(applied_[0].callback.retry_delay_s, 60);
  auto again = service(file_config(4, 60));
  EXPECT_EQ(again->effective().lines.size(), 2U);
  EXPECT_EQ(again->lines()[1]["name"], "b");
}

TEST_F(CallSettingsTest, ARefusedChangeNamesItsFieldAndChangesNothing) {
  auto s = service(file_config(4, 60));
  const auto p = s->set_lines(json::array({line("fxo1", "127.0.0.1:5070", 0)}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->field, "channels");
  EXPECT_EQ(p->message, "must be between 1 and 1000");
  EXPECT_EQ(s->set_lines(json::array({line("fxo1", "127.0.0.1:5070", "two")}))->message,
            "must be an integer");
  EXPECT_EQ(s->set_lines(json::array({line("fxo1", "nowhere", 1)}))->field, "gateway");
  EXPECT_EQ(s->set_lines(json::array({line("a", "127.0.0.1:1", 1), line("b", "127.0.0.1:1", 1)}))->field,
            "gateway");
  EXPECT_EQ(s->set_lines(json::array())->field, "name");  // no line at all
  // Any JSON type reaches the file's reader as its TOML counterpart, and is judged the same way.
  EXPECT_EQ(s->set_lines(json::array({line("fxo1", "127.0.0.1:5070", 2.5)}))->message, "must be an integer");
  EXPECT_EQ(s->set_lines(json::array({line("fxo1", "127.0.0.1:5070", json::array({1}))}))->field, "channels");
  EXPECT_EQ(s->set_lines(json::array({line("fxo1", "127.0.0.1:5070", json::object({{"a", 1}}))}))->field,
            "channels");
  auto cb = s->callback();
  cb["max_attempts"] = 11;
  EXPECT_EQ(s->set_callback(cb)->field, "max_attempts");
  cb["max_attempts"] = 3;
  cb["colour"] = "red";
  EXPECT_EQ(s->set_callback(cb)->field, "colour");
  EXPECT_TRUE(applied_.empty());
  EXPECT_FALSE(store_->get("lines").has_value());
  EXPECT_FALSE(store_->get("callback").has_value());
}

TEST_F(CallSettingsTest, AReloadFollowsTheFileOnlyWhereNoAdminChangedIt) {
  auto s = service(file_config(4, 60));
  auto cb = s->callback();
  cb["max_attempts"] = 3;
  ASSERT_FALSE(s->set_callback(cb));
  const Config next = file_config(8, 120);
  s->file_reloaded({next.lines, next.callback, next.policy.deny_prefixes});
  EXPECT_EQ(s->effective().lines[0].channels, 8);        // the file's: no admin changed the lines
  EXPECT_EQ(s->effective().callback.retry_delay_s, 60);  // the admin's settings stay whole
  EXPECT_EQ(s->effective().callback.max_attempts, 3);
  EXPECT_EQ(applied_.back().lines[0].channels, 8);
}

// A line's dialing keys (toll-fraud policy, issue 23) as web management shows and takes them.
json dialing_line() {
  return {{"name", "fxo1"},
          {"gateway", "127.0.0.1:5070"},
          {"country", "GB"},
          {"strip_prefixes", json::array({"9", "0"})},
          {"allow_carrier_codes", true},
          {"dial_format", "national"},
          {"max_relay_calls", 2}};
}

TEST_F(CallSettingsTest, ALinesDialingKeysHaveTheFilesDefaults) {
  auto s = service(file_config(4, 60));
  const json l = s->lines()[0];
  EXPECT_EQ(l["country"], "");
  EXPECT_EQ(l["strip_prefixes"], json::array());
  EXPECT_EQ(l["allow_carrier_codes"], false);
  EXPECT_EQ(l["dial_format"], "e164");
  EXPECT_EQ(l["max_relay_calls"], 0);
}

TEST_F(CallSettingsTest, ALinesDialingKeysRoundTripThroughTheStore) {
  auto s = service(file_config(4, 60));
  ASSERT_FALSE(s->set_lines(json::array({dialing_line()})));
  ASSERT_EQ(applied_.size(), 1U);
  const LineConfig& applied = applied_[0].lines[0];
  EXPECT_EQ(applied.country, "GB");
  EXPECT_EQ(applied.strip_prefixes, (std::vector<std::string>{"9", "0"}));
  EXPECT_TRUE(applied.allow_carrier_codes);
  EXPECT_EQ(applied.dial_format, callback::DialFormat::National);
  EXPECT_EQ(applied.max_relay_calls, 2);
  auto again = service(file_config(4, 60));
  json shown = again->lines()[0];
  shown.erase("channels_busy");
  shown.erase("up");
  json want = dialing_line();
  for (const auto& [k, v] : want.items()) EXPECT_EQ(shown[k], v) << k;
}

// The web UI sends back the whole line it showed: a key the file set must survive an edit of another one.
TEST_F(CallSettingsTest, AnEditedLineKeepsTheFilesDialingKeys) {
  Config file = file_config(4, 60);
  file.lines[0].country = "CA";
  file.lines[0].strip_prefixes = {"9"};
  file.lines[0].dial_format = callback::DialFormat::National;
  auto s = service(file);
  json l = s->lines()[0];
  l.erase("channels_busy");
  l.erase("up");
  l["channels"] = 2;
  ASSERT_FALSE(s->set_lines(json::array({l})));
  EXPECT_EQ(applied_.back().lines[0].country, "CA");
  EXPECT_EQ(applied_.back().lines[0].strip_prefixes, std::vector<std::string>{"9"});
  EXPECT_EQ(applied_.back().lines[0].dial_format, callback::DialFormat::National);
  EXPECT_EQ(applied_.back().lines[0].channels, 2);
}

TEST_F(CallSettingsTest, ABadDialingKeyNamesItsFieldWithTheFilesMessage) {
  auto s = service(file_config(4, 60));
  auto with = [](const char* key, json v) {
    json l = dialing_line();
    l[key] = std::move(v);
    return json::array({l});
  };
  auto p = s->set_lines(with("strip_prefixes", json::array({"9", "9x"})));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->field, "strip_prefixes");  // the list is one field, whichever entry is wrong
  EXPECT_EQ(p->message, "must be 1 to 4 digits (an outside-line prefix such as \"9\"), got \"9x\"");
  EXPECT_EQ(s->set_lines(with("strip_prefixes", json::array({"99999"})))->field, "strip_prefixes");
  EXPECT_EQ(s->set_lines(with("strip_prefixes", "9"))->message, "must be an array of strings");
  EXPECT_EQ(s->set_lines(with("strip_prefixes", json::array({9})))->message, "must be a string");
  p = s->set_lines(with("dial_format", "local"));
  EXPECT_EQ(p->field, "dial_format");
  EXPECT_EQ(p->message, "must be \"e164\" or \"national\"");
  p = s->set_lines(with("country", "XX"));
  EXPECT_EQ(p->field, "country");  // unknown to libphonenumber: every number would be international
  EXPECT_NE(p->message.find("got \"XX\""), std::string::npos) << p->message;
  EXPECT_EQ(s->set_lines(with("country", "gb"))->field, "country");
  EXPECT_EQ(s->set_lines(with("allow_carrier_codes", "yes"))->message, "must be true or false");
  p = s->set_lines(with("max_relay_calls", -1));
  EXPECT_EQ(p->field, "max_relay_calls");
  EXPECT_EQ(p->message, "must be between 0 and 1000");
  EXPECT_TRUE(applied_.empty());
  EXPECT_FALSE(store_->get("lines").has_value());
}

TEST_F(CallSettingsTest, DenyPrefixesAreTheFilesUntilAnAdminSavesThem) {
  EXPECT_EQ(service(file_config(4, 60))->callback()["deny_prefixes"],
            json(callback::default_deny_prefixes()));
  Config file = file_config(4, 60);
  file.policy.deny_prefixes = {"+1900"};
  auto s = service(file);
  EXPECT_EQ(s->callback()["deny_prefixes"], json::array({"+1900"}));
  EXPECT_EQ(s->effective().deny_prefixes, std::vector<std::string>{"+1900"});
}

TEST_F(CallSettingsTest, SavedDenyPrefixesAreAppliedStoredAndKeptAtTheNextStart) {
  auto s = service(file_config(4, 60));
  auto cb = s->callback();
  cb["deny_prefixes"] = json::array({"+1900", "+44??70"});
  ASSERT_FALSE(s->set_callback(cb));
  const std::vector<std::string> want{"+1900", "+44??70"};
  ASSERT_EQ(applied_.size(), 1U);
  EXPECT_EQ(applied_[0].deny_prefixes, want);
  EXPECT_EQ(s->callback()["deny_prefixes"], json(want));
  EXPECT_EQ(service(file_config(4, 60))->effective().deny_prefixes, want);
  // An empty list is the file's too: no prefix denied, libphonenumber's classes still apply.
  cb["deny_prefixes"] = json::array();
  ASSERT_FALSE(s->set_callback(cb));
  EXPECT_TRUE(service(file_config(4, 60))->effective().deny_prefixes.empty());
}

TEST_F(CallSettingsTest, ABadDenyPrefixIsRefusedByTheFilesRule) {
  auto s = service(file_config(4, 60));
  auto cb = s->callback();
  cb["deny_prefixes"] = json::array({"+1900", "+1x"});
  auto p = s->set_callback(cb);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->field, "deny_prefixes");
  EXPECT_EQ(p->message,
            "must be '+' then up to 15 digits or '?' (an E.164 prefix such as \"+1???976\"), got \"+1x\"");
  cb["deny_prefixes"] = json::array({"1900"});  // no '+': not E.164
  EXPECT_EQ(s->set_callback(cb)->field, "deny_prefixes");
  cb["deny_prefixes"] = json::array({"+1234567890123456"});  // 16 digits
  EXPECT_EQ(s->set_callback(cb)->field, "deny_prefixes");
  cb["deny_prefixes"] = "+1900";
  EXPECT_EQ(s->set_callback(cb)->message, "must be an array of strings");
  EXPECT_TRUE(applied_.empty());
  EXPECT_FALSE(store_->get("callback").has_value());
  EXPECT_EQ(s->effective().deny_prefixes, callback::default_deny_prefixes());
}

TEST_F(CallSettingsTest, ALinesChangeKeepsTheDenyPrefixesInEffect) {
  auto s = service(file_config(4, 60));
  auto cb = s->callback();
  cb["deny_prefixes"] = json::array({"+1900"});
  ASSERT_FALSE(s->set_callback(cb));
  ASSERT_FALSE(s->set_lines(json::array({line("fxo1", "127.0.0.1:5080", 2)})));
  EXPECT_EQ(applied_.back().deny_prefixes, std::vector<std::string>{"+1900"});
  // Callback settings without the key (an older client) keep the list too.
  cb.erase("deny_prefixes");
  cb["max_attempts"] = 2;
  ASSERT_FALSE(s->set_callback(cb));
  EXPECT_EQ(applied_.back().deny_prefixes, std::vector<std::string>{"+1900"});
}

TEST_F(CallSettingsTest, AReloadChangesDenyPrefixesOnlyUntilAnAdminSavedThem) {
  auto s = service(file_config(4, 60));
  Config next = file_config(4, 60);
  next.policy.deny_prefixes = {"+1976"};
  s->file_reloaded({next.lines, next.callback, next.policy.deny_prefixes});
  EXPECT_EQ(applied_.back().deny_prefixes, std::vector<std::string>{"+1976"});
  auto cb = s->callback();
  cb["deny_prefixes"] = json::array({"+1900"});
  ASSERT_FALSE(s->set_callback(cb));
  next.policy.deny_prefixes = {"+1555"};
  s->file_reloaded({next.lines, next.callback, next.policy.deny_prefixes});
  EXPECT_EQ(applied_.back().deny_prefixes, std::vector<std::string>{"+1900"});
}

// Callback settings an admin saved before deny_prefixes joined them: the list stays the file's, and follows
// it.
TEST_F(CallSettingsTest, CallbackSettingsStoredWithoutDenyPrefixesKeepTheFilesList) {
  store_->put("callback", json{{"max_attempts", 4}}.dump(), 1);
  Config file = file_config(4, 60);
  file.policy.deny_prefixes = {"+1900"};
  auto s = service(file);
  EXPECT_EQ(s->effective().callback.max_attempts, 4);
  EXPECT_EQ(s->effective().deny_prefixes, std::vector<std::string>{"+1900"});
  s->file_reloaded({file.lines, file.callback, {"+1976"}});
  EXPECT_EQ(s->effective().deny_prefixes, std::vector<std::string>{"+1976"});
  EXPECT_EQ(s->effective().callback.max_attempts, 4);
}

TEST_F(CallSettingsTest, AStoredBadDenyPrefixFallsBackToTheFile) {
  store_->put("callback", json{{"deny_prefixes", json::array({"bad"})}}.dump(), 1);
  auto s = service(file_config(4, 60));
  EXPECT_EQ(s->effective().deny_prefixes, callback::default_deny_prefixes());
}

TEST(ParseCallSettings, ReadsOnlyDenyPrefixesOfPolicy) {
  const std::string lines = "[[line]]\nname = \"a\"\ngateway = \"127.0.0.1:5070\"\n";
  auto ok = parse_call_settings(lines + "[policy]\ndeny_prefixes = [\"+1900\"]\n");
  ASSERT_TRUE(std::holds_alternative<CallSettings>(ok));
  EXPECT_EQ(std::get<CallSettings>(ok).deny_prefixes, std::vector<std::string>{"+1900"});
  auto none = parse_call_settings(lines);
  ASSERT_TRUE(std::holds_alternative<CallSettings>(none));
  EXPECT_EQ(std::get<CallSettings>(none).deny_prefixes, callback::default_deny_prefixes());
  // The rest of [policy] is the file's alone: web management cannot open international calls.
  auto other = parse_call_settings(lines + "[policy]\nallow_international = true\n");
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(other));
  EXPECT_EQ(std::get<std::vector<ConfigError>>(other)[0].key, "policy.allow_international");
  EXPECT_EQ(std::get<std::vector<ConfigError>>(other)[0].message, "unknown key");
}

// The toll-fraud caps of [callback] are part of what web management shows and saves: a save of another key
// must not put a stricter cap of the file back to its default.
TEST_F(CallSettingsTest, ASaveKeepsTheFilesCallbackCaps) {
  Config file = file_config(4, 60);
  file.callback.max_per_hour = 2;
  file.callback.max_per_day = 5;
  file.callback.max_concurrent = 3;
  auto s = service(file);
  json cb = s->callback();
  cb["max_attempts"] = 3;
  ASSERT_FALSE(s->set_callback(cb));
  const auto saved = s->effective().callback;
  EXPECT_EQ(saved.max_attempts, 3);
  EXPECT_EQ(saved.max_per_hour, 2);
  EXPECT_EQ(saved.max_per_day, 5);
  EXPECT_EQ(saved.max_concurrent, 3);
  auto again = service(file_config(4, 60));
  EXPECT_EQ(again->effective().callback.max_per_hour, 2) << "stored with the rest";
}

}  // namespace
}  // namespace callbackd::app
