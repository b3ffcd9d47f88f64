#include "registrar/digest.hpp"

#include <gtest/gtest.h>

#include "store/password.hpp"
#include "store/types.hpp"

namespace callbackd::registrar {
namespace {

// RFC 2617 section 3.5's example: Mufasa, "Circle Of Life", GET /dir/index.html.
DigestCredentials rfc2617_example() {
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  return c;
}

TEST(Digest, Rfc2617ExampleResponse) {
  const auto c = rfc2617_example();
  const std::string ha1 = store::digest_ha1(c.username, c.realm, "Circle Of Life");
  EXPECT_EQ(ha1, "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(digest_response(ha1, "GET", c), "6629fae49393a05397450978507c4ef1");
  EXPECT_NE(digest_response(store::digest_ha1(c.username, c.realm, "Circle of Life"), "GET", c),
            "6629fae49393a05397450978507c4ef1");
}

TEST(Digest, Md5OfEmptyIsTheKnownVector) {
  EXPECT_EQ(store::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(Digest, ParsesTheRfc2617AuthorizationHeader) {
  const auto c = parse_digest(
      R"(Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
      R"(uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", )"
      R"(response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "testrealm@host.com");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_EQ(c->cnonce, "0a4f113b");
  EXPECT_EQ(c->response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(c->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(digest_response("939e7578ed9e3c518a452acee763bce9", "GET", *c), c->response);
}

TEST(Digest, QuotedEscapesAndUnknownParameters) {
  const auto c = parse_digest(R"(digest username="a\"b", foo=bar, realm="r")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "a\"b");
  EXPECT_EQ(c->realm, "r");
}

TEST(Digest, RefusesBrokenHeaders) {
  EXPECT_FALSE(parse_digest(R"(Basic dXNlcjpwYXNz)"));
  EXPECT_FALSE(parse_digest(R"(Digest)"));
  EXPECT_FALSE(parse_digest(R"(Digest username="unterminated)"));
  EXPECT_FALSE(parse_digest(R"(Digest username="a", username="b")"));  // a repeated parameter
  EXPECT_FALSE(parse_digest(R"(Digest username="a" realm="b")"));      // no comma
  EXPECT_FALSE(parse_digest(R"(Digest =x)"));
  EXPECT_FALSE(parse_digest("Digest username=\"" + std::string(2000, 'a') + "\""));
}

TEST(Digest, EqualSecret) {
  EXPECT_TRUE(equal_secret("abc", "abc"));
  EXPECT_FALSE(equal_secret("abc", "abd"));
  EXPECT_FALSE(equal_secret("abc", "abcd"));
}

// The keypad login checks the PIN, never the SIP password; only a row from before PINs (keypad_sip_password)
// still logs in with its SIP password, for the realm it was set in.
TEST(ExtensionPin, ThePinAloneLogsInAndOnlyPrePinRowsUseTheSipPassword) {
  store::Extension e;
  e.number = "201";
  e.digest_ha1 = store::digest_ha1("201", "pbx.example", "913700");
  EXPECT_FALSE(store::verify_extension_pin(e, "913700", "pbx.example"));  // a SIP password is no PIN
  e.keypad_sip_password = true;
  EXPECT_TRUE(store::verify_extension_pin(e, "913700", "pbx.example"));
  EXPECT_FALSE(store::verify_extension_pin(e, "913701", "pbx.example"));
  EXPECT_FALSE(store::verify_extension_pin(e, "913700", "other.realm"));  // a changed realm invalidates it
  e.pin_hash = store::hash_password("480215");
  EXPECT_TRUE(store::verify_extension_pin(e, "480215", "pbx.example"));
  EXPECT_FALSE(store::verify_extension_pin(e, "913700", "pbx.example"));  // the PIN, once set, decides
  store::Extension nobody;
  nobody.pin_hash = store::kNobodysPinHash;
  EXPECT_FALSE(store::verify_extension_pin(nobody, "", "pbx.example"));
  EXPECT_FALSE(store::verify_extension_pin(nobody, "000000", "pbx.example"));
}

}  // namespace
}  // namespace callbackd::registrar
