// The audit log's store: rows appended with JSON before/after, listed newest first, filtered and paged.
#include <gtest/gtest.h>

#include "store/audit.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

AuditEntry entry(std::int64_t at, std::string actor, std::string entity, std::string id) {
  AuditEntry e;
  e.at_ms = at;
  e.actor = std::move(actor);
  e.source = "127.0.0.1";
  e.action = "replace";
  e.entity = std::move(entity);
  e.entity_id = std::move(id);
  e.old_value = R"({"a":1})";
  e.new_value = R"({"a":2})";
  return e;
}

TEST(AuditLog, KeepsWhoWhatAndBothValuesNewestFirst) {
  testing::TempDir dir;
  auto log = open_sqlite_audit_log(dir.file("a.db"));
  auto created = entry(1000, "alice", "authorized-phone", "7");
  created.action = "create";
  created.old_value.reset();
  const auto first = log->append(created);
  const auto second = log->append(entry(2000, "api-token", "extension", "201"));
  EXPECT_GT(second, first);
  const auto page = log->list({});
  ASSERT_EQ(page.items.size(), 2U);
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(page.items[0].actor, "api-token");
  EXPECT_EQ(page.items[1].action, "create");
  EXPECT_FALSE(page.items[1].old_value.has_value());
  EXPECT_EQ(page.items[1].new_value, R"({"a":2})");
  EXPECT_EQ(page.items[1].at_ms, 1000);
  EXPECT_EQ(page.items[1].source, "127.0.0.1");
}

TEST(AuditLog, FiltersAndPages) {
  testing::TempDir dir;
  auto log = open_sqlite_audit_log(dir.file("a.db"));
  for (int i = 0; i < 5; ++i) log->append(entry(i, "alice", "authorized-phone", std::to_string(i % 2)));
  log->append(entry(9, "bob", "prompt", "en/welcome"));
  AuditQuery q;
  q.entity = "authorized-phone";
  q.entity_id = "1";
  EXPECT_EQ(log->list(q).total, 2);
  q = {};
  q.actor = "bob";
  ASSERT_EQ(log->list(q).items.size(), 1U);
  EXPECT_EQ(log->list(q).items[0].entity_id, "en/welcome");
  q = {};
  q.limit = 2;
  q.offset = 2;
  const auto page = log->list(q);
  EXPECT_EQ(page.total, 6);
  ASSERT_EQ(page.items.size(), 2U);
  EXPECT_EQ(page.items[0].at_ms, 3);  // ids 6,5 skipped; 4 (at 3) and 3 (at 2) follow
}

TEST(AuditLog, SurvivesReopening) {
  testing::TempDir dir;
  open_sqlite_audit_log(dir.file("a.db"))->append(entry(1, "alice", "extension", "201"));
  EXPECT_EQ(open_sqlite_audit_log(dir.file("a.db"))->list({}).total, 1);
}

}  // namespace
}  // namespace callbackd::store
