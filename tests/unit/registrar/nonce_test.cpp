#include "registrar/nonce.hpp"

#include <gtest/gtest.h>

#include "test_clock.hpp"

namespace callbackd::registrar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Nonce, ValidUntilTheTtlThenStale) {
  TestClock clock;
  const NonceSigner signer("secret", seconds(300));
  const std::string nonce = signer.make(clock.now(), "192.0.2.7");
  EXPECT_EQ(nonce.size(), 56U);
  EXPECT_EQ(signer.check(nonce, clock.now(), "192.0.2.7"), NonceCheck::Valid);
  clock.advance(seconds(300));
  EXPECT_EQ(signer.check(nonce, clock.now(), "192.0.2.7"), NonceCheck::Valid);
  clock.advance(milliseconds(1));
  EXPECT_EQ(signer.check(nonce, clock.now(), "192.0.2.7"), NonceCheck::Stale);
}

TEST(Nonce, AnotherSourceOrSecretOrAnyAlteredDigitIsInvalid) {
  TestClock clock;
  const NonceSigner signer("secret", seconds(300));
  const std::string nonce = signer.make(clock.now(), "192.0.2.7");
  EXPECT_EQ(signer.check(nonce, clock.now(), "192.0.2.8"), NonceCheck::Invalid);
  EXPECT_EQ(NonceSigner("other", seconds(300)).check(nonce, clock.now(), "192.0.2.7"), NonceCheck::Invalid);
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    std::string altered = nonce;
    altered[i] = altered[i] == '0' ? '1' : '0';
    EXPECT_EQ(signer.check(altered, clock.now(), "192.0.2.7"), NonceCheck::Invalid) << "digit " << i;
  }
  EXPECT_EQ(signer.check("", clock.now(), "192.0.2.7"), NonceCheck::Invalid);
  EXPECT_EQ(signer.check(nonce + "0", clock.now(), "192.0.2.7"), NonceCheck::Invalid);
}

TEST(Nonce, FromTheFutureIsInvalid) {
  TestClock clock;
  const NonceSigner signer("secret", seconds(300));
  clock.advance(seconds(60));
  const std::string nonce = signer.make(clock.now(), "192.0.2.7");
  TestClock earlier;
  EXPECT_EQ(signer.check(nonce, earlier.now(), "192.0.2.7"), NonceCheck::Invalid);
}

TEST(Nonce, TwoNoncesDiffer) {
  TestClock clock;
  const NonceSigner signer(seconds(300));
  const std::string a = signer.make(clock.now(), "192.0.2.7");
  clock.advance(milliseconds(1));
  EXPECT_NE(a, signer.make(clock.now(), "192.0.2.7"));
  EXPECT_NE(signer.make(clock.now(), "192.0.2.7"), signer.make(clock.now(), "192.0.2.7"));  // the same ms
  EXPECT_NE(NonceSigner(seconds(300)).make(clock.now(), "x"),
            NonceSigner(seconds(300)).make(clock.now(), "x"));
}

}  // namespace
}  // namespace callbackd::registrar
