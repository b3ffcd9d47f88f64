// Migration 9: the index keys of the Authorized Phones Database drop a "sip:" scheme and fold case, so that a
// SIP-type entry is found by the caller's SIP address; rows written before it get their keys computed again.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/caller_key.hpp"
#include "store/store.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

void exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(CallerKeys, SipAddressesDropTheSchemeAndFoldCase) {
  EXPECT_EQ(caller_keys("sip:alice@Partner.Example").exact_key, "alice@partnerexample");
  EXPECT_EQ(caller_keys("alice@partner.example").exact_key, "alice@partnerexample");
  EXPECT_EQ(caller_keys("SIP:al*@partner.example").pattern_prefix, "al");
  EXPECT_EQ(caller_keys("+1 555-0100").exact_key, "+15550100") << "numbers as before";
  EXPECT_EQ(index_form("sip:alice@partner.example"), "alice@partnerexample");
}

TEST(CallerKeys, AnEntryWrittenBeforeMigrationNineIsFoundByItsSipAddress) {
  testing::TempDir dir;
  const auto path = dir.file("callbackd.db");
  {
    auto store = open_sqlite_store(path);
    AuthorizedPhone p;
    p.caller_type = CallerType::Sip;
    p.caller_address = "sip:alice@Partner.Example";
    store->create_phone(p);
  }
  // The row's key as schema 8 wrote it (scheme and case kept), and the database back at schema 8.
  exec(path,
       "UPDATE authorized_phones SET exact_key = 'sip:alice@PartnerExample';"
       "DELETE FROM schema_version WHERE version >= 9;");
  auto store = open_sqlite_store(path);
  const auto candidates = store->trusted_caller_candidates("sip:alice@partner.example");
  ASSERT_EQ(candidates.size(), 1u) << "migration 9 computes the keys again";
  EXPECT_EQ(candidates[0].caller_address, "sip:alice@Partner.Example");
}

}  // namespace
}  // namespace callbackd::store
