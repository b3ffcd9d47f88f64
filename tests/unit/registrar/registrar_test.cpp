#include "registrar/registrar.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "store/password.hpp"
#include "test_clock.hpp"

namespace callbackd::registrar {
namespace {

using std::chrono::seconds;

constexpr const char* kRealm = "pbx.example";
constexpr const char* kUri = "sip:192.0.2.1:5060";

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest()
      : registrar_(
            {kRealm, seconds(300), 60, 3600, {}}, clock_,
            [this](const std::string& n, const std::function<void(const std::optional<std::string>&)>& done) {
              auto it = ha1_.find(n);
              done(it == ha1_.end() ? std::nullopt : std::optional<std::string>(it->second));
            }) {
    ha1_["201"] = store::digest_ha1("201", kRealm, "s3cret-pw");
  }

  sip::RegisterRequest request(const std::string& user, std::optional<int> expires = 600) {
    sip::RegisterRequest r;
    r.request_uri = kUri;
    r.to_user = user;
    r.contacts.push_back({"sip:" + user + "@10.0.0.5:5062", std::nullopt});
    r.expires = expires;
    r.source_ip = "192.0.2.7";
    r.source_port = 5062;
    r.transport = sip::Transport::Udp;
    return r;
  }

  sip::SipReply send(const sip::RegisterRequest& r) {
    std::optional<sip::SipReply> out;
    registrar_.handle(r, [&out](const sip::SipReply& reply) { out = reply; });
    EXPECT_TRUE(out) << "no answer";
    return out.value_or(sip::SipReply{});
  }

  static std::string nonce_of(const sip::SipReply& reply) {
    std::smatch m;
    EXPECT_FALSE(reply.headers.empty());
    if (reply.headers.empty() || !std::regex_search(reply.headers[0], m, std::regex("nonce=\"([0-9a-f]+)\"")))
      return {};
    return m[1];
  }

  std::string credentials(const std::string& user, const std::string& password, const std::string& nonce,
                          const std::string& nc = "00000001") {
    DigestCredentials c{user, kRealm, nonce, kUri, "", "MD5", "0a4f113b", "auth", nc, ""};
    const std::string response = digest_response(store::digest_ha1(user, kRealm, password), "REGISTER", c);
    return "Digest username=\"" + user + "\", realm=\"" + kRealm + "\", nonce=\"" + nonce + "\", uri=\"" +
           kUri + "\", response=\"" + response + "\", algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=" + nc;
  }

  // A REGISTER answered with credentials for a fresh challenge.
  sip::SipReply authenticated(sip::RegisterRequest r, const std::string& password,
                              const std::string& user = "") {
    const std::string nonce = nonce_of(send(r));
    r.authorization = credentials(user.empty() ? r.to_user : user, password, nonce);
    return send(r);
  }

  TestClock clock_;
  std::map<std::string, std::string> ha1_;
  Registrar registrar_;
};

TEST_F(RegistrarTest, ChallengeIsDigestMd5WithQopAuth) {
  const auto reply = send(request("201"));
  EXPECT_EQ(reply.status, 401);
  ASSERT_EQ(reply.headers.size(), 1U);
  EXPECT_TRUE(std::regex_match(
      reply.headers[0],
      std::regex(
          R"(WWW-Authenticate: Digest realm="pbx\.example", nonce="[0-9a-f]{56}", algorithm=MD5, qop="auth")")))
      << reply.headers[0];
}

TEST_F(RegistrarTest, RightPasswordRegistersAndListsTheContact) {
  const auto reply = authenticated(request("201"), "s3cret-pw");
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(reply.headers.size(), 1U);
  EXPECT_EQ(reply.headers[0], "Contact: <sip:201@10.0.0.5:5062>;expires=600");
  const auto contacts = registrar_.location().contacts("201");
  ASSERT_EQ(contacts.size(), 1U);
  EXPECT_EQ(contacts[0].target, "sip:201@192.0.2.7:5062");
}

TEST_F(RegistrarTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  const auto wrong = authenticated(request("201"), "not-the-pw");
  const auto unknown = authenticated(request("299"), "s3cret-pw");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  const std::regex nonce("nonce=\"[0-9a-f]+\"");
  ASSERT_EQ(wrong.headers.size(), unknown.headers.size());
  EXPECT_EQ(std::regex_replace(wrong.headers[0], nonce, ""),
            std::regex_replace(unknown.headers[0], nonce, ""));
  EXPECT_EQ(std::regex_replace(wrong.headers[0], nonce, ""),
            std::regex_replace(send(request("201")).headers[0], nonce, ""));
  EXPECT_FALSE(registrar_.location().registered("201"));
  EXPECT_FALSE(registrar_.location().registered("299"));
}

TEST_F(RegistrarTest, AnExtensionWithoutHa1CannotRegister) {
  ha1_.erase("201");  // a row from before schema 6: no H(A1) until a new password
  EXPECT_EQ(authenticated(request("201"), "s3cret-pw").status, 401);
}

TEST_F(RegistrarTest, CredentialsForAnotherUserOrRealmOrUriAreRefused) {
  EXPECT_EQ(authenticated(request("202"), "s3cret-pw", "201").status, 401);  // 201's password for 202's AOR
  auto r = request("201");
  r.authorization = credentials("201", "s3cret-pw", nonce_of(send(r)));
  r.request_uri = "sip:other.example";
  EXPECT_EQ(send(r).status, 401);
  r = request("201");
  const std::string nonce = nonce_of(send(r));
  r.authorization =
      std::regex_replace(credentials("201", "s3cret-pw", nonce), std::regex("pbx\\.example"), "x");
  EXPECT_EQ(send(r).status, 401);
  r.authorization =
      std::regex_replace(credentials("201", "s3cret-pw", nonce), std::regex("qop=auth"), "qop=auth-int");
  EXPECT_EQ(send(r).status, 401);
  r.source_ip = "192.0.2.99";  // the nonce was issued to another address
  r.authorization = credentials("201", "s3cret-pw", nonce);
  EXPECT_EQ(send(r).status, 401);
  EXPECT_FALSE(registrar_.location().registered("201"));
}

TEST_F(RegistrarTest, ANonceCountIsAcceptedOnce) {
  auto r = request("201");
  const std::string nonce = nonce_of(send(r));
  r.authorization = credentials("201", "s3cret-pw", nonce, "00000001");
  EXPECT_EQ(send(r).status, 200);
  EXPECT_EQ(send(r).status, 401);  // the same request again: a replay
  r.authorization = credentials("201", "s3cret-pw", nonce, "00000002");
  EXPECT_EQ(send(r).status, 200);
}

TEST_F(RegistrarTest, AnExpiredNonceGetsStaleTrueOnlyWithTheRightPassword) {
  auto r = request("201");
  const std::string nonce = nonce_of(send(r));
  clock_.advance(seconds(301));
  r.authorization = credentials("201", "s3cret-pw", nonce);
  const auto stale = send(r);
  EXPECT_EQ(stale.status, 401);
  ASSERT_EQ(stale.headers.size(), 1U);
  EXPECT_NE(stale.headers[0].find(", stale=true"), std::string::npos) << stale.headers[0];
  r.authorization = credentials("201", "wrong-pw", nonce);
  EXPECT_EQ(send(r).headers[0].find("stale"), std::string::npos);
  r.authorization = credentials("201", "s3cret-pw", nonce_of(stale));
  EXPECT_EQ(send(r).status, 200);
}

TEST_F(RegistrarTest, ExpiresBelowTheMinimumIs423AndAboveTheMaximumIsClamped) {
  auto reply = authenticated(request("201", 30), "s3cret-pw");
  EXPECT_EQ(reply.status, 423);
  EXPECT_EQ(reply.headers, std::vector<std::string>{"Min-Expires: 60"});
  auto r = request("201", std::nullopt);
  r.contacts[0].expires = 99999;  // the contact's own parameter wins over the (absent) header
  reply = authenticated(r, "s3cret-pw");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers[0], "Contact: <sip:201@10.0.0.5:5062>;expires=3600");
}

TEST_F(RegistrarTest, ExpiresZeroRemovesOneAndStarRemovesAll) {
  auto second = request("201");
  second.contacts[0].uri = "sip:201@10.0.0.6:5062";
  ASSERT_EQ(authenticated(request("201"), "s3cret-pw").status, 200);
  ASSERT_EQ(authenticated(second, "s3cret-pw").headers.size(), 2U);
  auto reply = authenticated(request("201", 0), "s3cret-pw");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers, std::vector<std::string>{"Contact: <sip:201@10.0.0.6:5062>;expires=600"});
  auto star = request("201", 600);
  star.contacts.clear();
  star.wildcard = true;
  EXPECT_EQ(authenticated(star, "s3cret-pw").status, 400);  // "*" needs Expires: 0
  star.expires = 0;
  reply = authenticated(star, "s3cret-pw");
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.headers.empty());
  EXPECT_FALSE(registrar_.location().registered("201"));
}

TEST_F(RegistrarTest, AContactThatCannotBeEchoedSafelyIs400) {
  auto r = request("201");
  r.contacts[0].uri = "sip:201@10.0.0.5>;evil=\"x";
  EXPECT_EQ(authenticated(r, "s3cret-pw").status, 400);
}

}  // namespace
}  // namespace callbackd::registrar

namespace callbackd::registrar {
namespace {

// The guard in the registrar: past the limits even the right password gets the same challenge, without the
// credentials being checked, and what is locked says nothing about which extensions exist.
TEST_F(RegistrarTest, WrongPasswordsThrottleTheSourceThenLockTheExtension) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(authenticated(request("201"), "guess-" + std::to_string(i)).status, 401);
  EXPECT_EQ(authenticated(request("201"), "s3cret-pw").status, 401);  // this source is throttled
  auto elsewhere = request("201");
  elsewhere.source_ip = "192.0.2.8";
  EXPECT_EQ(authenticated(elsewhere, "s3cret-pw").status, 200);
  // Five more guesses from other addresses lock 201 everywhere but where its phone is registered.
  for (int i = 0; i < 5; ++i) {
    auto r = request("201");
    r.source_ip = "198.51.100." + std::to_string(i + 1);
    EXPECT_EQ(authenticated(r, "guess").status, 401);
  }
  auto third = request("201");
  third.source_ip = "203.0.113.9";
  EXPECT_EQ(authenticated(third, "s3cret-pw").status, 401);
  EXPECT_EQ(authenticated(elsewhere, "s3cret-pw").status, 200);
  clock_.advance(std::chrono::seconds(900));
  EXPECT_EQ(authenticated(third, "s3cret-pw").status, 200);
}

}  // namespace
}  // namespace callbackd::registrar
