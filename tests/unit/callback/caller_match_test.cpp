#include "callback/caller_match.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace callbackd::callback {
namespace {

store::AuthorizedPhone phone(std::int64_t id, std::string address) {
  store::AuthorizedPhone p;
  p.id = id;
  p.caller_address = std::move(address);
  p.callback_enabled = true;
  return p;
}

TEST(WildcardMatch, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(wildcard_match("+1555*", "+15550123"));
  EXPECT_TRUE(wildcard_match("+1555*", "+1555"));
  EXPECT_TRUE(wildcard_match("*", "+15550123"));
  EXPECT_TRUE(wildcard_match("+1*0123", "+15550123"));
  EXPECT_TRUE(wildcard_match("*0123", "+15550123"));
  EXPECT_FALSE(wildcard_match("+1556*", "+15550123"));
  EXPECT_FALSE(wildcard_match("*9", "+15550123"));
}

TEST(WildcardMatch, QuestionMarkMatchesExactlyOneChar) {
  EXPECT_TRUE(wildcard_match("+1555012?", "+15550123"));
  EXPECT_TRUE(wildcard_match("+1555????", "+15550123"));
  EXPECT_FALSE(wildcard_match("+1555???", "+15550123"));
  EXPECT_FALSE(wildcard_match("+1555?????", "+15550123"));
}

TEST(WildcardMatch, NoWildcardMeansExact) {
  EXPECT_TRUE(wildcard_match("+15550123", "+15550123"));
  EXPECT_FALSE(wildcard_match("+15550123", "+155501234"));
  EXPECT_FALSE(wildcard_match("+15550123", "15550123"));
  EXPECT_FALSE(wildcard_match("", "+15550123"));
}

TEST(WildcardMatch, PstnNumbersCompareNormalised) {
  EXPECT_TRUE(wildcard_match("+1 555-0100", "+15550100"));
  EXPECT_TRUE(wildcard_match("+15550100", "+1 (555) 01.00"));
  EXPECT_TRUE(wildcard_match("+1 555 *", "+1-555-0123"));
}

TEST(WildcardMatch, SipHostIsCaseInsensitiveUserIsNot) {
  EXPECT_TRUE(wildcard_match("alice@example.com", "alice@EXAMPLE.com"));
  EXPECT_TRUE(wildcard_match("*@Example.COM", "bob@example.com"));
  EXPECT_FALSE(wildcard_match("alice@example.com", "Alice@example.com"));
  EXPECT_FALSE(wildcard_match("alice@example.com", "alice@example.org"));
}

TEST(WildcardMatch, SipPrefixOptionalOnEitherSide) {
  EXPECT_TRUE(wildcard_match("sip:alice@example.com", "alice@example.com"));
  EXPECT_TRUE(wildcard_match("alice@example.com", "sip:alice@example.com"));
  EXPECT_TRUE(wildcard_match("SIP:alice@example.com", "sip:alice@example.com"));
  EXPECT_TRUE(wildcard_match("sip:*@example.com", "sip:carol@example.com"));
}

TEST(WildcardMatch, PathologicalPatternFinishesQuickly) {
  // Exponential for a naive recursive matcher; linear-ish for the two-pointer one.
  const std::string address(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "a*";
  pattern += "b";
  EXPECT_FALSE(wildcard_match(pattern, address + "@host"));
  EXPECT_TRUE(wildcard_match(pattern.substr(0, pattern.size() - 1), address + "@host"));
}

TEST(PstnNumber, Validity) {
  EXPECT_TRUE(is_valid_pstn_number("+15550123"));
  EXPECT_TRUE(is_valid_pstn_number("15550123"));
  EXPECT_TRUE(is_valid_pstn_number("+1 (555) 012-3"));
  EXPECT_TRUE(is_valid_pstn_number("12"));
  EXPECT_TRUE(is_valid_pstn_number("+" + std::string(15, '9')));
  EXPECT_FALSE(is_valid_pstn_number("+" + std::string(16, '9')));
  EXPECT_TRUE(is_valid_pstn_number(std::string(20, '9')));
  EXPECT_FALSE(is_valid_pstn_number(std::string(21, '9')));
  EXPECT_FALSE(is_valid_pstn_number("1"));
  EXPECT_FALSE(is_valid_pstn_number("+"));
  EXPECT_FALSE(is_valid_pstn_number(""));
  EXPECT_FALSE(is_valid_pstn_number("++15550123"));
  EXPECT_FALSE(is_valid_pstn_number("1555+0123"));
  EXPECT_FALSE(is_valid_pstn_number("555abc"));
  EXPECT_FALSE(is_valid_pstn_number("*15"));
}

TEST(PstnNumber, NormalizeStripsSeparatorsOnly) {
  EXPECT_EQ(normalize_number("+1 (555) 012-3.4"), "+155501234");
  EXPECT_EQ(normalize_number("abc"), "abc");
  EXPECT_EQ(normalize_number(""), "");
}

TEST(ClassifyCallerId, ValidFromUser) {
  const auto id = classify_caller_id({"+1 555 0123", "Alice", "", false, ""});
  EXPECT_EQ(id.status, CallerIdStatus::Valid);
  EXPECT_EQ(id.number, "+15550123");
}

TEST(ClassifyCallerId, AssertedIdentityWinsOverFrom) {
  const auto id = classify_caller_id({"+15550000", "", "+15559999", false, ""});
  EXPECT_EQ(id.status, CallerIdStatus::Valid);
  EXPECT_EQ(id.number, "+15559999");
  // An asserted identity that is malformed is not rescued by a good From.
  EXPECT_EQ(classify_caller_id({"+15550000", "", "gateway", false, ""}).status, CallerIdStatus::Malformed);
}

TEST(ClassifyCallerId, WithheldCases) {
  EXPECT_EQ(classify_caller_id({"+15550123", "", "", true, ""}).status, CallerIdStatus::Withheld);
  EXPECT_EQ(classify_caller_id({"", "", "", false, ""}).status, CallerIdStatus::Withheld);
  EXPECT_EQ(classify_caller_id({"", "Alice", "", false, ""}).status, CallerIdStatus::Withheld);
  for (const char* word :
       {"anonymous", "Anonymous", "UNKNOWN", "unavailable", "Restricted", "private", "Withheld"}) {
    EXPECT_EQ(classify_caller_id({word, "", "", false, ""}).status, CallerIdStatus::Withheld) << word;
    EXPECT_EQ(classify_caller_id({"+15550123", word, "", false, ""}).status, CallerIdStatus::Withheld)
        << word;
    EXPECT_EQ(classify_caller_id({"", "", word, false, ""}).status, CallerIdStatus::Withheld) << word;
  }
  EXPECT_EQ(classify_caller_id({"+15550123", "\"Anonymous\"", "", false, ""}).status,
            CallerIdStatus::Withheld);
  // A From that asks for anonymity is honoured even when an asserted identity is present: fail closed.
  EXPECT_EQ(classify_caller_id({"anonymous", "Anonymous", "+15550123", false, ""}).status,
            CallerIdStatus::Withheld);
  EXPECT_TRUE(classify_caller_id({"+15550123", "", "", true, ""}).number.empty());
}

TEST(ClassifyCallerId, MalformedCases) {
  for (const char* user : {"alice", "+", "1", "+1555abc", "+123456789012345678901", "15-55*"}) {
    const auto id = classify_caller_id({user, "", "", false, ""});
    EXPECT_EQ(id.status, CallerIdStatus::Malformed) << user;
    EXPECT_TRUE(id.number.empty());
  }
}

TEST(ClassifyCallerId, ACallerWithoutANumberIsKnownByItsSipAddress) {
  const auto id =
      classify_caller_id({"alice", "Alice", "", false, "sip:alice@Partner.Example:5070;transport=tcp"});
  EXPECT_EQ(id.status, CallerIdStatus::Valid);
  EXPECT_EQ(id.number, "sip:alice@partner.example") << "no port, no parameters, the host case-folded";
  EXPECT_EQ(classify_caller_id({"+15550123", "", "", false, "sip:+15550123@gw.example"}).number, "+15550123")
      << "a number stays a number";
  // Fail closed: no SIP address from an asserted identity that is no number, nor from a URI without a user,
  // with headers, or of another scheme; a withheld caller stays withheld.
  EXPECT_EQ(classify_caller_id({"alice", "", "carol", false, "sip:alice@partner.example"}).status,
            CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"alice", "", "", false, "sip:partner.example"}).status,
            CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"alice", "", "", false, "sip:alice@partner.example?Subject=x"}).status,
            CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"alice", "", "", false, "tel:alice"}).status, CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"al\r\nice", "", "", false, "sip:al%0D%0Aice@partner.example"}).status,
            CallerIdStatus::Malformed)
      << "an escaped user part is what a line passed on, not an identity";
  EXPECT_EQ(classify_caller_id({"al ice", "", "", false, "sip:al%20ice@partner.example"}).status,
            CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"alice", "", "", false, ""}).status, CallerIdStatus::Malformed);
  EXPECT_EQ(classify_caller_id({"anonymous", "", "", false, "sip:anonymous@anonymous.invalid"}).status,
            CallerIdStatus::Withheld);
  EXPECT_EQ(classify_caller_id({"alice", "", "", true, "sip:alice@partner.example"}).status,
            CallerIdStatus::Withheld);
}

TEST(FindTrustedCaller, SipEntryMatchesTheCallersSipAddressOnly) {
  std::vector<store::AuthorizedPhone> phones(2);
  phones[0].id = 1;
  phones[0].caller_address = "sip:alice@partner.example";
  phones[1].id = 2;
  phones[1].caller_address = "+15550123";
  const auto alice = classify_caller_id({"alice", "", "", false, "sip:alice@Partner.example"});
  ASSERT_NE(find_trusted_caller(phones, alice.number), nullptr);
  EXPECT_EQ(find_trusted_caller(phones, alice.number)->id, 1);
  EXPECT_EQ(find_trusted_caller(
                phones, classify_caller_id({"mallory", "", "", false, "sip:mallory@partner.example"}).number),
            nullptr);
  EXPECT_EQ(find_trusted_caller(
                phones, classify_caller_id({"alice", "", "", false, "sip:alice@evil.example"}).number),
            nullptr);
}

// Each entry the API refuses names, as an admin would read it, a caller that classify_caller_id names
// otherwise, so it would never match; the entries it keeps do match that caller.
TEST(UnmatchableSipAddress, RefusedEntriesNeverMatchTheCallerTheyName) {
  struct Case {
    const char* entry;
    CallerIdInput caller;
    bool refused;
  };
  const Case cases[] = {
      {"sips:alice@partner.example", {"alice", "", "", false, "sip:alice@partner.example"}, true},
      {"sip:alice@partner.example:5060", {"alice", "", "", false, "sip:alice@partner.example:5060"}, true},
      {"sip:al%41ice@partner.example", {"alAice", "", "", false, "sip:al%41ice@partner.example"}, true},
      {"sip:4930123456@partner.example",
       {"4930123456", "", "", false, "sip:4930123456@partner.example"},
       true},
      {"sip:+49*@partner.example", {"+4930123456", "", "", false, "sip:+4930123456@partner.example"}, true},
      {"sip:alice@partner.example", {"alice", "", "", false, "sip:alice@partner.example:5060"}, false},
      {"*@partner.example", {"bob", "", "", false, "sip:bob@partner.example"}, false},
      {"sip:alice@[2001:db8::1]", {"alice", "", "", false, "sip:alice@[2001:db8::1]:5062"}, false},
      {"sip:7@partner.example", {"7", "", "", false, "sip:7@partner.example"}, false},
  };
  for (const auto& c : cases) {
    const auto reason = unmatchable_sip_address_reason(c.entry);
    EXPECT_EQ(reason.has_value(), c.refused) << c.entry << ": " << reason.value_or("");
    const auto id = classify_caller_id(c.caller);
    const bool matches = id.status == CallerIdStatus::Valid && wildcard_match(c.entry, id.number);
    EXPECT_NE(matches, c.refused) << c.entry << " against " << id.number;
  }
}

TEST(FindTrustedCaller, NoMatchGivesNull) {
  const std::vector<store::AuthorizedPhone> phones{phone(1, "+15550100"), phone(2, "+1666*")};
  EXPECT_EQ(find_trusted_caller(phones, "+15550123"), nullptr);
  EXPECT_EQ(find_trusted_caller({}, "+15550123"), nullptr);
}

TEST(FindTrustedCaller, ExactBeatsPattern) {
  const std::vector<store::AuthorizedPhone> phones{phone(1, "+1555012?"), phone(2, "+1 555 0123"),
                                                   phone(3, "*")};
  const auto* p = find_trusted_caller(phones, "+15550123");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, 2);
}

TEST(FindTrustedCaller, MoreLiteralCharsWins) {
  const std::vector<store::AuthorizedPhone> phones{phone(1, "*"), phone(2, "+1555*"), phone(3, "+155501*"),
                                                   phone(4, "+1*")};
  const auto* p = find_trusted_caller(phones, "+15550123");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, 3);
}

TEST(FindTrustedCaller, SeparatorsDoNotCountAsLiterals) {
  const std::vector<store::AuthorizedPhone> phones{phone(1, "+1 (555) 0*"), phone(2, "+155501*")};
  const auto* p = find_trusted_caller(phones, "+15550123");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, 2);
}

TEST(FindTrustedCaller, TieGoesToLowestId) {
  const std::vector<store::AuthorizedPhone> phones{phone(9, "+1555*"), phone(4, "+1555????"),
                                                   phone(7, "+155?*")};
  const auto* p = find_trusted_caller(phones, "+15550123");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, 4);
}

// A number pattern names phone numbers only: a SIP address whose user starts with its digits, a caller ID
// with letters, wildcards of its own or too many digits is no number it may match.
TEST(WildcardMatch, NumberPatternMatchesOnlyValidNumbers) {
  EXPECT_TRUE(wildcard_match("+1777*", "+17775550100"));
  EXPECT_FALSE(wildcard_match("+1777*", "sip:+1777attacker@127.0.0.3"));
  EXPECT_FALSE(wildcard_match("+1777*", "+1777attacker@127.0.0.3"));
  EXPECT_FALSE(wildcard_match("+1666*", "+1666ABC1234"));
  EXPECT_FALSE(wildcard_match("+1666*", "+1666" + std::string(496, '5')));
  EXPECT_FALSE(wildcard_match("+1666*", "+1666*"));
  EXPECT_FALSE(wildcard_match("+1666*", "+1666?234"));
  EXPECT_FALSE(wildcard_match("*", "sip:alice@example.com"));
  // And a SIP pattern never matches a number.
  EXPECT_FALSE(wildcard_match("*@example.com", "+17775550100"));
}

TEST(FindTrustedCaller, NumberEntryIgnoresSipCallersThatLookLikeIt) {
  const std::vector<store::AuthorizedPhone> phones{phone(1, "+1777*"), phone(2, "sip:*@127.0.0.3")};
  EXPECT_EQ(find_trusted_caller(phones, "+17775550100")->id, 1);
  EXPECT_EQ(find_trusted_caller(phones, "sip:+1777attacker@127.0.0.3")->id, 2);
  EXPECT_EQ(find_trusted_caller({phone(1, "+1777*")}, "sip:+1777attacker@127.0.0.3"), nullptr);
}

TEST(PstnNumber, PlusNumbersHaveAtMostFifteenDigits) {
  EXPECT_TRUE(is_valid_pstn_number("+123456789012345"));
  EXPECT_FALSE(is_valid_pstn_number("+1234567890123456"));
  EXPECT_TRUE(is_valid_pstn_number("01112015550100123"));
  EXPECT_TRUE(is_pstn_pattern("+1 777 *"));
  EXPECT_FALSE(is_pstn_pattern("+1777*@host"));
  EXPECT_FALSE(is_pstn_pattern("+"));
}

TEST(OverbroadPattern, Detects) {
  for (const char* pat : {"*",
                          "+*",
                          "?*",
                          "??*",
                          "+1*",
                          "+12?*",
                          "1 2 3*",
                          "*@*",
                          "alice@*",
                          "*@a.b",
                          "sip:*",
                          "*@example.com",
                          "sip:*@example.com",
                          "a@*",
                          "+1555*",
                          "+1809*",
                          "+1 809 *",
                          "+44*",
                          "+353*",
                          "0044*",
                          "+1809???????"}) {
    EXPECT_TRUE(is_overbroad_pattern(pat)) << pat;
  }
  for (const char* pat : {"+1809555*", "+1 555 01??", "1234*", "+15550123", "alice@example.com",
                          "sip:alice*@example.com", "12", "112", "+4420*", "004420*", "+3531*"}) {
    EXPECT_FALSE(is_overbroad_pattern(pat)) << pat;
  }
}

TEST(OverbroadPattern, SaysWhy) {
  EXPECT_EQ(overbroad_pattern_reason("+1809*"), "matches every number of area code +1 809");
  EXPECT_EQ(overbroad_pattern_reason("+44*"), "matches a whole country code (+44) or more");
  EXPECT_EQ(overbroad_pattern_reason("0033*"), "matches a whole country code (+33) or more");
  EXPECT_EQ(overbroad_pattern_reason("+1*"), "matches every number of country code +1 (North America)");
  EXPECT_EQ(overbroad_pattern_reason("+180*"), "matches several +1 area codes");
  EXPECT_EQ(overbroad_pattern_reason("*"), "matches nearly every caller");
  EXPECT_EQ(overbroad_pattern_reason("12?*"), "matches nearly every caller");
  EXPECT_EQ(overbroad_pattern_reason("*@example.com"), "matches every caller of example.com");
  EXPECT_EQ(overbroad_pattern_reason("+1809"), std::nullopt);  // no wildcard: one number
}

}  // namespace
}  // namespace callbackd::callback
