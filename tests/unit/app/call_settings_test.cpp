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
  s->file_reloaded({next.lines, next.callback});
  EXPECT_EQ(s->effective().lines[0].channels, 8);        // the file's: no admin changed the lines
  EXPECT_EQ(s->effective().callback.retry_delay_s, 60);  // the admin's settings stay whole
  EXPECT_EQ(s->effective().callback.max_attempts, 3);
  EXPECT_EQ(applied_.back().lines[0].channels, 8);
}

}  // namespace
}  // namespace callbackd::app
