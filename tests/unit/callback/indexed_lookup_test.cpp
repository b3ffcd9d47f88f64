// The indexed lookup must choose exactly what the linear one chooses: same entries, same winner, for random
// mixes of exact numbers (with separators), patterns ('*', '?', leading wildcards) and SIP addresses.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "callback/caller_match.hpp"
#include "callback/policy.hpp"
#include "store/store.hpp"
#include "unit/store/temp_dir.hpp"

namespace callbackd::callback {
namespace {

// A small alphabet, so that random patterns and numbers often match.
std::string random_number(std::mt19937& rng) {
  std::string s = (rng() % 2 != 0) ? "+" : "";
  const auto len = 2 + rng() % 5;
  for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('0' + rng() % 3));
  return s;
}

std::string random_address(std::mt19937& rng) {
  std::string s = random_number(rng);
  switch (rng() % 6) {
    case 0:
      return s;
    case 1:
      return s.insert(1 + rng() % (s.size() - 1), " ");  // a separator: still exact after normalising
    case 2:
      return s.insert(rng() % (s.size() + 1), "*");
    case 3:
      return s.replace(rng() % s.size(), 1, "?");
    case 4:
      return "*" + s.substr(s.size() / 2);
    default:
      return "sip:" + s + "@example.com";
  }
}

// Stores `count` entries drawn by next_address (an address drawn twice is stored once).
template <typename Draw>
void fill(store::Store& store, int count, store::CallerType type, Draw next_address) {
  for (int i = 0; i < count; ++i) {
    store::AuthorizedPhone p;
    p.caller_type = type;
    p.caller_address = next_address();
    try {
      store.create_phone(p);
    } catch (const store::DuplicateError&) {
    }
  }
}

// Looks each caller up both ways; they must agree. Returns how many callers matched an entry: the comparison
// means something only if many do.
int expect_same_choices(store::Store& store, const std::vector<std::string>& callers) {
  const auto all = store.list_phones();
  int matched = 0;
  for (const auto& caller : callers) {
    const auto* linear = find_trusted_caller(all, caller);
    const auto indexed = find_trusted_caller(store, caller);
    EXPECT_EQ(linear != nullptr, indexed.has_value()) << caller;
    if (linear != nullptr && indexed) {
      EXPECT_EQ(linear->id, indexed->id) << caller;
      ++matched;
    }
  }
  return matched;
}

TEST(IndexedLookup, ChoosesWhatTheLinearMatchChooses) {
  testing::TempDir dir;
  auto store = store::open_sqlite_store(dir.file("callbackd.db"));
  std::mt19937 rng(42);
  fill(*store, 300, store::CallerType::Pstn, [&rng] { return random_address(rng); });
  std::vector<std::string> numbers;
  for (int i = 0; i < 2000; ++i) numbers.push_back(random_number(rng));
  EXPECT_GT(expect_same_choices(*store, numbers), 500);
}

// SIP-type entries as admins type them (with or without "sip:", the host in any case; exact or a user
// pattern) against callers as classify_caller_id names them: "sip:user@host", the host case-folded.
std::string random_user(std::mt19937& rng) {
  static const char* const kUsers[] = {"alice", "Alice", "bob", "al", "alex"};
  return kUsers[rng() % 5];
}

std::string random_sip_entry(std::mt19937& rng) {
  static const char* const kHosts[] = {"partner.example", "Partner.Example", "other.example"};
  std::string user = random_user(rng);
  if (rng() % 4 == 0) user = user.substr(0, 2) + "*";
  return std::string(rng() % 2 != 0 ? "sip:" : "") + user + "@" + kHosts[rng() % 3];
}

TEST(IndexedLookup, SipCallersChooseWhatTheLinearMatchChooses) {
  testing::TempDir dir;
  auto store = store::open_sqlite_store(dir.file("callbackd.db"));
  std::mt19937 rng(7);
  fill(*store, 40, store::CallerType::Sip, [&rng] { return random_sip_entry(rng); });
  std::vector<std::string> callers;
  for (int i = 0; i < 300; ++i) {
    const std::string user = random_user(rng);
    const std::string from = "sip:" + user + (rng() % 2 != 0 ? "@Partner.example" : "@other.example");
    const auto id = classify_caller_id({user, "", "", false, from});
    ASSERT_EQ(id.status, CallerIdStatus::Valid) << from;
    callers.push_back(id.number);
  }
  EXPECT_GT(expect_same_choices(*store, callers), 100);
}

TEST(IndexedLookup, ScreeningWithAFoundEntryDecidesLikeScreeningTheList) {
  store::AuthorizedPhone p;
  p.id = 7;
  p.caller_address = "+1555*";
  p.callback_enabled = true;
  TriggerInput in;
  in.caller.from_user = "+15550100";
  in.ring_time = std::chrono::milliseconds(500);
  in.trigger_window = std::chrono::seconds(10);
  const auto id = classify_caller_id(in.caller);
  const auto found = screen_trigger(in, id, &p);
  EXPECT_EQ(found.verdict, Verdict::Accept);
  EXPECT_EQ(found.phone, &p);
  EXPECT_EQ(screen_trigger(in, id, nullptr).verdict, Verdict::RejectUnknown);
  in.caller.privacy_id = true;
  EXPECT_EQ(screen_trigger(in, classify_caller_id(in.caller), &p).verdict, Verdict::RejectWithheld);
}

}  // namespace
}  // namespace callbackd::callback
