// What the API accepts, the dialer dials: the same inputs go through the REST validation, the trigger's
// resolve_destination and the job row's round trip to check_outgoing, and all must agree.
#include <gtest/gtest.h>

#include "callback/policy.hpp"
#include "pbx/job_destination.hpp"  // header-only encoding of the jobs table
#include "web/validation.hpp"

namespace callbackd::web {
namespace {

using store::CallbackType;

struct Case {
  CallbackType type;
  const char* destination;
  bool accepted;
};

const Case kCases[] = {
    {CallbackType::Sip, "sip:bob@example.com", true},
    {CallbackType::Sip, "bob@example.com", true},
    {CallbackType::Sip, "sip:bob@127.0.0.1:5070;transport=tcp", true},
    {CallbackType::Sip, "sip:bob@[::1]:5060", true},
    {CallbackType::Auto, "SIP:Bob@Example.com", true},
    {CallbackType::Auto, "+44 20 7946-0000", true},
    {CallbackType::Pstn, "(201) 555-0123", true},
    {CallbackType::Pbx, "201", true},
    {CallbackType::Sip, "sips:bob@example.com", false},
    {CallbackType::Sip, "sip:example.com:5070", false},
    {CallbackType::Sip, "sip:bob;x=1@example.com", false},
    {CallbackType::Sip, "sip:bob@example.com;maddr=evil.example", false},
    {CallbackType::Sip, "sip:bob@example.com?Route=x", false},
    {CallbackType::Sip, "sip:bob@example.com:0", false},
    {CallbackType::Auto, "sip:", false},
    {CallbackType::Auto, "bob", false},
    {CallbackType::Pstn, "bob@example.com", false},
    {CallbackType::Pbx, "2", false},
};

TEST(DestinationAgreement, RestValidationAndOutgoingPolicyAgree) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(store::to_string(c.type)) + " " + c.destination);
    store::AuthorizedPhone phone;
    const nlohmann::json body{{"caller_address", "+15550100"},
                              {"callback_type", store::to_string(c.type)},
                              {"callback_destination", c.destination}};
    const auto rest_error = parse_phone(body, phone);
    if (rest_error) {
      EXPECT_EQ(rest_error->field, "callback_destination");
    }

    store::AuthorizedPhone raw;  // the entry as an older version may have stored it
    raw.callback_type = c.type;
    raw.callback_destination = c.destination;
    const auto resolved = callback::resolve_destination(raw, "+15550100");

    EXPECT_EQ(!rest_error, c.accepted);
    EXPECT_EQ(static_cast<bool>(resolved), c.accepted) << resolved.error;
    if (!c.accepted || rest_error || !resolved) continue;
    // The stored entry resolves to the same destination, and the job row gives it back to the dialer intact.
    const auto from_stored = callback::resolve_destination(phone, "+15550100");
    ASSERT_TRUE(from_stored);
    EXPECT_EQ(*from_stored, *resolved);
    const auto from_job = pbx::from_job_destination(pbx::to_job_destination(*resolved));
    // The grammar is what must agree here; the toll-fraud rules have their own tests (toll_policy_test).
    callback::PolicySettings open;
    open.allow_international = true;
    EXPECT_EQ(callback::check_outgoing(callback::TollPolicy(open), from_job, {}).refused, "");
    EXPECT_EQ(*from_job, *resolved);
  }
}

}  // namespace
}  // namespace callbackd::web
