// The settings store: a key is absent until put, replaced whole, kept across connections, and removable.
#include "store/settings_store.hpp"

#include <gtest/gtest.h>

#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

TEST(SettingsStore, AbsentUntilPutThenReplacedWhole) {
  testing::TempDir dir;
  auto s = open_sqlite_settings_store(dir.file("s.db"));
  EXPECT_FALSE(s->get("lines").has_value());
  s->put("lines", R"([{"name":"a"}])", 1000);
  s->put("lines", R"([{"name":"b"}])", 2000);
  EXPECT_EQ(s->get("lines"), R"([{"name":"b"}])");
  EXPECT_FALSE(s->get("callback").has_value());
}

TEST(SettingsStore, KeptAcrossConnectionsAndRemovable) {
  testing::TempDir dir;
  open_sqlite_settings_store(dir.file("s.db"))->put("callback", R"({"max_attempts":3})", 1);
  auto again = open_sqlite_settings_store(dir.file("s.db"));
  EXPECT_EQ(again->get("callback"), R"({"max_attempts":3})");
  again->remove("callback");
  EXPECT_FALSE(again->get("callback").has_value());
}

}  // namespace
}  // namespace callbackd::store
