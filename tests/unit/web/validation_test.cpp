#include "web/validation.hpp"

#include <gtest/gtest.h>

namespace callbackd::web {
namespace {

using nlohmann::json;

TEST(Validation, PstnPatterns) {
  for (const char* ok : {"+15550100", "5550100", "+1555*", "*", "+*", "+1 555-01??", "1", "(0711) 123.456"}) {
    EXPECT_TRUE(is_valid_pstn_pattern(ok)) << ok;
  }
  for (const char* bad :
       {"", "+", "12ab", "+1555x", "sip:1@h", "++1", "1+2", "123456789012345678901234567890123"}) {
    EXPECT_FALSE(is_valid_pstn_pattern(bad)) << bad;
  }
}

TEST(Validation, SipPatterns) {
  for (const char* ok : {"sip:alice@example.com", "alice@example.com", "*@example.com", "sip:bob@10.0.0.?",
                         "SIP:carol@host:5060", "sips:a.b@[::1]"}) {
    EXPECT_TRUE(is_valid_sip_pattern(ok)) << ok;
  }
  for (const char* bad :
       {"", "alice", "sip:", "@host", "alice@", "a@b@c", "al ice@host", "sip:alice@ho st"}) {
    EXPECT_FALSE(is_valid_sip_pattern(bad)) << bad;
  }
}

TEST(Validation, SipEntriesThatCouldNeverMatchAreRefusedWithTheReason) {
  for (const char* dead : {"sips:alice@partner.example", "alice@partner.example:5060", "sip:4930123456@gw",
                           "sip:+49*@gw", "sip:al%20ice@partner.example"}) {
    store::AuthorizedPhone p;
    const auto err = parse_phone(json{{"caller_type", "sip"}, {"caller_address", dead}}, p);
    ASSERT_TRUE(err) << dead;
    EXPECT_EQ(err->field, "caller_address");
    EXPECT_NE(err->message.find("would never match a caller: "), std::string::npos) << err->message;
    EXPECT_TRUE(parse_phone(json{{"caller_address", dead}}, p)) << dead << " as caller_type auto";
  }
  EXPECT_EQ(
      unmatchable_caller_address("sips:bob@gw").value_or(""),
      "caller_address \"sips:bob@gw\" would never match a caller: a caller is known by its sip: address "
      "(callbackd takes no TLS calls); write sip: instead");
  for (const char* fine : {"+1555*", "5550100", "sip:bob@gw", "*@gw", "not an address"}) {
    EXPECT_FALSE(unmatchable_caller_address(fine)) << fine;
  }
  store::AuthorizedPhone p;
  EXPECT_FALSE(parse_phone(json{{"caller_type", "sip"}, {"caller_address", "SIP:Alice@Partner.example"}}, p));
  EXPECT_FALSE(parse_phone(json{{"caller_address", "*@partner.example"}}, p));
}

TEST(Validation, Destinations) {
  EXPECT_TRUE(is_valid_extension_number("201"));
  EXPECT_FALSE(is_valid_extension_number("2"));
  EXPECT_FALSE(is_valid_extension_number("123456789"));
  EXPECT_FALSE(is_valid_extension_number("20a"));
}

// A SIP password lives in a phone: long, and not a few characters repeated. A 4-digit one was guessed by
// REGISTER in 1.4 s.
TEST(Validation, SipPasswords) {
  EXPECT_FALSE(password_problem("correct horse battery"));
  EXPECT_FALSE(password_problem("0123456789abcdef"));
  EXPECT_FALSE(password_problem(std::string(120, 'x') + "abcdefgh"));
  for (const char* bad : {"", "9137", "s3cret-pw", "correct horse b", "abababababababababab",
                          "1111111111111111", "12121212123123123"}) {
    EXPECT_TRUE(password_problem(bad)) << bad;
  }
  EXPECT_TRUE(password_problem(std::string(125, 'x') + "abcd"));
  EXPECT_TRUE(password_problem("correct horse\nbattery"));
}

TEST(Validation, KeypadPins) {
  EXPECT_FALSE(pin_problem("480215", "201"));
  EXPECT_FALSE(pin_problem("480215739124", "201"));
  for (const char* bad :
       {"", "48021", "4802157391240", "48021x", "000000", "123456", "987654", "720155", "+48021"}) {
    EXPECT_TRUE(pin_problem(bad, "201")) << bad;
  }
  EXPECT_EQ(pin_problem("720155", "201"), "pin must not contain the extension's number");
}

std::optional<FieldError> phone(const json& body, store::AuthorizedPhone& out) {
  return parse_phone(body, out);
}

std::string failing_field(const json& body) {
  store::AuthorizedPhone p;
  const auto err = parse_phone(body, p);
  return err ? err->field : "";
}

TEST(Validation, PhoneDefaultsAndFullBody) {
  store::AuthorizedPhone p;
  ASSERT_FALSE(phone(json{{"caller_address", "+1 555 0100"}}, p));
  EXPECT_EQ(p.caller_address, "+15550100");
  EXPECT_EQ(p.caller_type, store::CallerType::Auto);
  EXPECT_EQ(p.callback_type, store::CallbackType::Auto);
  EXPECT_FALSE(p.login_extension);
  EXPECT_FALSE(p.callback_delay_s);
  EXPECT_FALSE(p.callback_enabled);

  const json full{{"id", 9},
                  {"caller_type", "sip"},
                  {"caller_address", "sip:alice@example.com"},
                  {"login_extension", "201"},
                  {"auto_call_relay", true},
                  {"description", "Alice"},
                  {"callback_enabled", true},
                  {"callback_type", "pbx"},
                  {"callback_destination", "202"},
                  {"callback_delay_s", 0}};
  ASSERT_FALSE(phone(full, p));
  EXPECT_EQ(p.caller_type, store::CallerType::Sip);
  EXPECT_EQ(p.login_extension, "201");
  EXPECT_TRUE(p.auto_call_relay);
  EXPECT_EQ(p.description, "Alice");
  EXPECT_TRUE(p.callback_enabled);
  EXPECT_EQ(p.callback_type, store::CallbackType::Pbx);
  EXPECT_EQ(p.callback_destination, "202");
  EXPECT_EQ(p.callback_delay_s, 0);
}

TEST(Validation, PhoneErrorsNameTheField) {
  const json base{{"caller_type", "pstn"}, {"caller_address", "+15550100"}};
  auto with = [&](const char* key, json value) {
    json b = base;
    b[key] = std::move(value);
    return b;
  };
  EXPECT_EQ(failing_field(json::array()), "body");
  EXPECT_EQ(failing_field(json{{"caller_type", "pstn"}}), "caller_address");
  EXPECT_EQ(failing_field(with("caller_address", "12ab")), "caller_address");
  EXPECT_EQ(failing_field(with("caller_address", "alice@example.com")), "caller_address");
  EXPECT_EQ(failing_field(with("caller_address", 5550100)), "caller_address");
  EXPECT_EQ(failing_field(with("caller_type", "isdn")), "caller_type");
  EXPECT_EQ(failing_field(with("callback_type", "fax")), "callback_type");
  EXPECT_EQ(failing_field(with("callback_delay_s", -1)), "callback_delay_s");
  EXPECT_EQ(failing_field(with("callback_delay_s", 3601)), "callback_delay_s");
  EXPECT_EQ(failing_field(with("callback_delay_s", "5")), "callback_delay_s");
  EXPECT_EQ(failing_field(with("callback_delay_s", 1.5)), "callback_delay_s");
  EXPECT_EQ(failing_field(with("callback_enabled", "yes")), "callback_enabled");
  EXPECT_EQ(failing_field(with("auto_call_relay", 1)), "auto_call_relay");
  EXPECT_EQ(failing_field(with("login_extension", 201)), "login_extension");
  EXPECT_EQ(failing_field(with("description", std::string(257, 'd'))), "description");
  EXPECT_EQ(failing_field(with("colour", "red")), "colour");
  json pstn_dest = with("callback_type", "pstn");
  pstn_dest["callback_destination"] = "sip:bob@example.com";
  EXPECT_EQ(failing_field(pstn_dest), "callback_destination");
  EXPECT_EQ(failing_field(with("callback_delay_s", 3600)), "");
  EXPECT_EQ(failing_field(with("callback_delay_s", nullptr)), "");
}

TEST(Validation, DestinationMustFitTheCallbackType) {
  auto field_for = [](const char* type, const char* dest) {
    return failing_field(
        json{{"caller_address", "+15550100"}, {"callback_type", type}, {"callback_destination", dest}});
  };
  EXPECT_EQ(field_for("pstn", "+15550123"), "");
  EXPECT_EQ(field_for("pstn", "+1"), "callback_destination");
  EXPECT_EQ(field_for("sip", "sip:bob@example.com"), "");
  EXPECT_EQ(field_for("sip", "+15550123"), "callback_destination");
  EXPECT_EQ(field_for("pbx", "201"), "");
  EXPECT_EQ(field_for("pbx", "+15550123"), "callback_destination");
  EXPECT_EQ(field_for("auto", "201"), "");
  EXPECT_EQ(field_for("auto", "sip:bob@example.com"), "");
  EXPECT_EQ(field_for("auto", "bob"), "callback_destination");
  EXPECT_EQ(field_for("pstn", ""), "");
}

TEST(Validation, PhoneReferencesNeedExistingExtensions) {
  const ExtensionExists exists = [](const std::string& n) { return n == "201"; };
  store::AuthorizedPhone p;
  p.login_extension = "999";
  auto err = check_phone_references(p, exists);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->field, "login_extension");
  EXPECT_EQ(err->message, "unknown extension 999");
  p.login_extension = "201";
  EXPECT_FALSE(check_phone_references(p, exists));
  p.callback_type = store::CallbackType::Pbx;
  p.callback_destination = "202";
  err = check_phone_references(p, exists);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->field, "callback_destination");
}

constexpr const char* kSip = "desk phone 201 secret";

TEST(Validation, Extensions) {
  store::Extension e;
  ExtensionSecrets secrets;
  ASSERT_FALSE(parse_extension(json{{"number", "201"},
                                    {"name", "Desk"},
                                    {"password", kSip},
                                    {"pin", "480215"},
                                    {"allow_call_relay", true}},
                               true, e, secrets));
  EXPECT_EQ(e.number, "201");
  EXPECT_EQ(e.name, "Desk");
  EXPECT_TRUE(e.allow_call_relay);
  EXPECT_FALSE(e.remote_callback);
  EXPECT_TRUE(e.pin_hash.empty());
  EXPECT_TRUE(e.digest_ha1.empty());
  EXPECT_EQ(secrets.password, kSip);
  EXPECT_EQ(secrets.pin, "480215");

  auto field = [](const json& body, bool require_secret) {
    store::Extension out;
    ExtensionSecrets s;
    const auto err = parse_extension(body, require_secret, out, s);
    return err ? err->field : "";
  };
  EXPECT_EQ(field(json{{"number", "201"}}, true), "password");
  EXPECT_EQ(field(json{{"number", "201"}}, false), "");
  EXPECT_EQ(field(json{{"number", "201"}, {"pin", "480215"}}, true), "");  // a keypad-only extension
  EXPECT_EQ(field(json{{"number", "2"}, {"password", kSip}}, true), "number");
  EXPECT_EQ(field(json{{"number", 201}, {"password", kSip}}, true), "number");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", "9137"}}, true), "password");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", kSip}, {"pin", "4802"}}, true), "pin");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", kSip}, {"pin", 480215}}, true), "pin");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", kSip}, {"name", std::string(65, 'n')}}, true), "name");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", kSip}, {"allow_call_relay", "no"}}, true),
            "allow_call_relay");
  EXPECT_EQ(field(json{{"number", "201"}, {"password", kSip}, {"remote_callback", 1}}, true),
            "remote_callback");
  EXPECT_EQ(field(json{{"number", "201"}, {"password_hash", "x"}}, false), "password_hash");
  // 64 characters, counted as characters rather than UTF-8 bytes.
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xC3\xA4";
  EXPECT_EQ(field(json{{"number", "201"}, {"name", umlauts}}, false), "");
}

}  // namespace
}  // namespace callbackd::web
