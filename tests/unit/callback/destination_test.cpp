#include "callback/destination.hpp"

#include <gtest/gtest.h>

namespace callbackd::callback {
namespace {

// Valid by RFC 3261 section 25 (SIP-URI), and so parsed by the grammar.
TEST(SipUriGrammar, AcceptsWhatTheAbnfAllows) {
  for (const char* uri :
       {"sip:bob@example.com", "SIP:bob@EXAMPLE.com:5070", "sips:bob@example.com", "sip:example.com",
        "sip:bob;x=1@example.com", "sip:bob@[2001:db8::1]:5061", "sip:bob@10.0.0.1;lr;maddr=10.0.0.2",
        "sip:bob@example.com?subject=hi", "sip:%41lice@a-b.example.com", "sip:'b(o)b'@h.com"}) {
    EXPECT_TRUE(parse_sip_uri(uri).uri) << uri << ": " << parse_sip_uri(uri).error;
  }
}

TEST(SipUriGrammar, RefusesWhatTheAbnfRefuses) {
  for (const char* uri : {"bob@example.com",      "sip:",
                          "sip:@example.com",     "sip:bob@",
                          "sip:bob smith@h.com",  "sip:bob@-h.com",
                          "sip:bob@h-.com",       "sip:bob@h..com",
                          "sip:bob@1.2.3.256",    "sip:bob@[::1",
                          "sip:bob@[::1]x",       "sip:bob@[zz::1]",
                          "sip:bob@h.com:0",      "sip:bob@h.com:70000",
                          "sip:bob@h.com:",       "sip:bob%4@h.com",
                          "sip:bob@a@b",          "sip:bob@h.com;=x",
                          "sip:bob:secret@h.com", "sip:bob@h.com\r\nVia: x"}) {
    EXPECT_FALSE(parse_sip_uri(uri).uri) << uri;
  }
}

// Found by tests/fuzz/sip_uri_fuzz (corpus file sip_uri/regress-params-without-host): parameters right after
// the scheme or the '@' left an empty host:port, whose front() was read (undefined behaviour; an abort with
// _GLIBCXX_ASSERTIONS, as in build-asan). Reached from the REST API by destinations like ";transport=tcp".
TEST(SipUriGrammar, ParametersWithoutAHostAreRefused) {
  for (const char* uri : {"sip:;transport=tcp", "sip:bob@;user=phone", "sips:;", "sip:;x?y"}) {
    const auto parsed = parse_sip_uri(uri);
    EXPECT_FALSE(parsed.uri) << uri;
    EXPECT_EQ(parsed.error, "the host is missing") << uri;
  }
  EXPECT_FALSE(Destination::parse(";transport=tcp4", store::CallbackType::Sip));
  EXPECT_FALSE(sip_identity_key(";transport=tcp.com"));
}

TEST(Destination, SipAcceptedInCanonicalForm) {
  const std::pair<const char*, const char*> cases[] = {
      {"sip:bob@example.com", "sip:bob@example.com"},
      {"bob@Example.COM", "sip:bob@example.com"},
      {"SIP:+15550123@GW.example.com:5070;Transport=TCP", "sip:+15550123@gw.example.com:5070;transport=tcp"},
      {"sip:bob@[::1]:5060;user=phone", "sip:bob@[::1]:5060;user=phone"},
      {"sip:a.b-c_d!~*%41@host", "sip:a.b-c_d!~*%41@host"}};
  for (const auto& [in, canon] : cases) {
    const auto d = Destination::parse_sip(in);
    ASSERT_TRUE(d) << in << ": " << d.error;
    EXPECT_EQ(d->text(), canon);
    EXPECT_EQ(*Destination::parse_sip(d->text()), *d) << "canonical text parses to itself";
  }
}

TEST(Destination, SipRefusedWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"sips:bob@example.com", "sips: is not supported (this server cannot dial TLS)"},
      {"sip:example.com:5070", "a SIP destination needs a user part (user@host)"},
      {"sip:bob;x=1@example.com", "the user part may only hold letters, digits, escapes and -_.!~*+&=$,"},
      {"sip:bob@example.com;maddr=10.0.0.1",
       "URI parameter maddr is not accepted (only transport=udp|tcp and user=phone)"},
      {"sip:bob@example.com;transport=tls", "transport must be udp or tcp"},
      {"sip:bob@example.com;transport=udp;transport=tcp", "URI parameter transport repeats"},
      {"sip:bob@example.com?X-Evil=1", "headers (?...) are not accepted in a destination"},
      {"sip:bob@exa mple.com", "not a SIP URI: the host name is invalid"}};
  for (const auto& [in, why] : cases) EXPECT_EQ(Destination::parse_sip(in).error, why) << in;
  EXPECT_FALSE(Destination::parse_sip("sip:bob@" + std::string(300, 'a')));
}

// The 256-character limit applied to the text as typed, but the stored canonical form has "sip:" in front:
// "user@host" of 253 to 256 characters was accepted and then refused when read back from the job row. Found
// by the round-trip check of tests/fuzz/destination_fuzz (corpus file
// destination/regress-long-without-scheme).
TEST(Destination, LongestAcceptedSipDestinationParsesAgain) {
  const std::string user(250, 'a');
  EXPECT_FALSE(Destination::parse_sip(user + "@h.co")) << "sip:" << user << "@h.co is 259 characters";
  const auto longest = Destination::parse_sip(user + "@h");
  ASSERT_TRUE(longest) << longest.error;
  EXPECT_EQ(longest->text().size(), 256U);
  EXPECT_EQ(*Destination::parse_sip(longest->text()), *longest);
}

TEST(Destination, PstnAndExtension) {
  EXPECT_EQ(Destination::parse_pstn("+44 20 7946-0000")->text(), "+442079460000");
  EXPECT_FALSE(Destination::parse_pstn("+"));
  EXPECT_FALSE(Destination::parse_pstn("900abc"));
  EXPECT_FALSE(Destination::parse_pstn(std::string(21, '1')));
  EXPECT_EQ(Destination::parse_extension("201")->kind(), Destination::Kind::Extension);
  EXPECT_FALSE(Destination::parse_extension("2"));
  EXPECT_FALSE(Destination::parse_extension("123456789"));
  EXPECT_FALSE(Destination::parse_extension("20a"));
}

TEST(Destination, AutoPicksSipForASchemeOrAnAt) {
  EXPECT_EQ(Destination::parse("bob@example.com", store::CallbackType::Auto)->kind(),
            Destination::Kind::SipUri);
  EXPECT_EQ(Destination::parse("+1 555 0123", store::CallbackType::Auto)->kind(), Destination::Kind::Pstn);
  EXPECT_FALSE(Destination::parse("bob", store::CallbackType::Auto));
}

// Call Relay's keypad dial string for IP destinations: '*' for the dots, then the one SIP URI grammar.
TEST(IpDial, SpellsASipUriWithAnOptionalUserAndPort) {
  const struct {
    const char* keys;
    const char* uri;
  } cases[] = {
      {"192*168*0*10", "sip:192.168.0.10"},
      {"201*192*168*0*10", "sip:201@192.168.0.10"},
      {"201*192*168*0*10*5070", "sip:201@192.168.0.10:5070"},
      {"*127*0*0*1*5090", "sip:127.0.0.1:5090"},
      {"*127*0*0*1", "sip:127.0.0.1"},
      {"5550123*10*0*0*7*05060", "sip:5550123@10.0.0.7:5060"},
  };
  for (const auto& c : cases) {
    const auto d = Destination::parse_ip_dial(c.keys);
    ASSERT_TRUE(d) << c.keys << ": " << d.error;
    EXPECT_EQ(d->kind(), Destination::Kind::SipUri);
    EXPECT_EQ(d->text(), c.uri) << c.keys;
  }
  EXPECT_EQ(Destination::parse_ip_dial("201*192*168*0*10*5070")->sip()->port, 5070);
  EXPECT_TRUE(Destination::parse_ip_dial("192*168*0*10")->sip()->user.empty());
}

TEST(IpDial, RefusesWhatSpellsNoUsableUri) {
  for (const char* keys : {"", "5550123", "192*168*0", "1*2*3*4*5*6*7", "192**168*0*10", "192*168*0*10*",
                           "201*192*168*0*256", "201*192*168*0*10*0", "201*192*168*0*10*70000",
                           "192*168*0*1a", "192.168.0.10", "192*168*0*10#", "+1*2*3*4", "201*1*2*3*0004"}) {
    const auto d = Destination::parse_ip_dial(keys);
    EXPECT_FALSE(d) << keys << " -> " << (d ? d->text() : "");
    EXPECT_FALSE(d.error.empty()) << keys;
  }
}

TEST(SipIdentityKey, SameCallerSameKey) {
  const auto key = sip_identity_key("sip:alice@example.com");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "sip:alice@example.com:5060");
  for (const char* same : {"SIP:alice@EXAMPLE.COM", "sip:alice@example.com:5060", "alice@example.com",
                           "sip:%61lice@example.com", "sip:alice@example.com;transport=tcp"}) {
    EXPECT_EQ(sip_identity_key(same), key) << same;
  }
  for (const char* other : {"sip:Alice@example.com", "sip:alice@example.com:5070", "sips:alice@example.com",
                            "sip:alice@example.org"}) {
    EXPECT_NE(sip_identity_key(other), key) << other;
  }
  EXPECT_EQ(sip_identity_key("sips:alice@example.com"), "sips:alice@example.com:5061");
  EXPECT_FALSE(sip_identity_key("sip:example.com"));
  EXPECT_FALSE(sip_identity_key("sip:alice@example.com?subject=x"));
  EXPECT_FALSE(sip_identity_key("+15550123"));
}

}  // namespace
}  // namespace callbackd::callback
