#include <gtest/gtest.h>

#include "store/password.hpp"
#include "store/types.hpp"

namespace callbackd::store {
namespace {

TEST(StoreTypes, EnumsRoundTripThroughTheirNames) {
  for (auto t : {CallerType::Pstn, CallerType::Sip, CallerType::Auto})
    EXPECT_EQ(caller_type_from(to_string(t)), t);
  for (auto t : {CallbackType::Pbx, CallbackType::Pstn, CallbackType::Sip, CallbackType::Auto}) {
    EXPECT_EQ(callback_type_from(to_string(t)), t);
  }
  for (auto s :
       {JobState::Pending, JobState::Dialing, JobState::Answered, JobState::Failed, JobState::Cancelled}) {
    EXPECT_EQ(job_state_from(to_string(s)), s);
  }
  EXPECT_STREQ(to_string(CallbackType::Pbx), "pbx");
  EXPECT_STREQ(to_string(JobState::Cancelled), "cancelled");
  EXPECT_STREQ(to_string(CallerType::Sip), "sip");
}

TEST(StoreTypes, UnknownNamesAreRejected) {
  EXPECT_FALSE(caller_type_from("PSTN"));
  EXPECT_FALSE(callback_type_from(""));
  EXPECT_FALSE(job_state_from("done"));
}

TEST(Password, HashVerifiesAndHasTheDocumentedFormat) {
  const std::string h = hash_password("s3cret-pass");
  EXPECT_EQ(h.rfind("pbkdf2-sha256$100000$", 0), 0u) << h;
  EXPECT_EQ(h.find("s3cret"), std::string::npos);
  EXPECT_TRUE(verify_password("s3cret-pass", h));
}

TEST(Password, WrongPasswordFails) {
  const std::string h = hash_password("correct horse");
  EXPECT_FALSE(verify_password("correct hors", h));
  EXPECT_FALSE(verify_password("", h));
  EXPECT_FALSE(verify_password("correct horse ", h));
}

TEST(Password, TwoHashesOfTheSamePasswordDiffer) {
  const std::string a = hash_password("4711");
  const std::string b = hash_password("4711");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password("4711", a));
  EXPECT_TRUE(verify_password("4711", b));
}

TEST(Password, MalformedStoredValuesNeverVerify) {
  EXPECT_FALSE(verify_password("x", ""));
  EXPECT_FALSE(verify_password("x", "x"));
  EXPECT_FALSE(verify_password("x", "pbkdf2-sha256$abc$AAAA$AAAA"));
  EXPECT_FALSE(verify_password("x", "pbkdf2-sha256$1000$!!!!$AAAA"));
  EXPECT_FALSE(verify_password("x", "md5$1000$AAAA$AAAA"));
  EXPECT_FALSE(verify_password("x", "pbkdf2-sha256$0$AAAA$AAAA"));
}

}  // namespace
}  // namespace callbackd::store
