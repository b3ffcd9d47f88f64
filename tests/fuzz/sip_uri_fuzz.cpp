// callback::parse_sip_uri, the strict RFC 3261 URI grammar the REST API and the caller match rely on, run on
// libFuzzer's own buffer so that reading one byte past the text is an ASan report. Also the functions built
// on it: sip_identity_key (the SIP caller match) and the caller-pattern check of the REST API.
#include <cstddef>
#include <cstdint>

#include "callback/destination.hpp"
#include "callback/sip_uri.hpp"
#include "fuzz_check.hpp"
#include "web/validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd;
  const auto text = fuzz::text(data, size);
  const auto parsed = callback::parse_sip_uri(text);
  if (parsed.uri) {
    const callback::SipUri& u = *parsed.uri;
    FUZZ_CHECK(parsed.error.empty());
    FUZZ_CHECK(!u.host.empty());
    FUZZ_CHECK(!u.port || *u.port != 0);
    FUZZ_CHECK(callback::decoded_user(u).size() <= u.user.size());
  } else {
    FUZZ_CHECK(!parsed.error.empty());
  }
  if (const auto key = callback::sip_identity_key(text)) FUZZ_CHECK(key->starts_with("sip"));
  (void)web::is_valid_sip_pattern(text);
  (void)web::is_valid_pstn_pattern(text);
  return 0;
}
