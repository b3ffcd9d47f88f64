// The REST API's request bodies: JSON text (nlohmann, without exceptions, as the server parses it) turned
// into an authorized phone by web::parse_phone and into an extension by web::parse_extension. What they
// accept must round-trip: the JSON the API answers with (to_json) is a valid PUT body giving the same entry,
// or a client that reads an entry and writes it back would be refused or change it.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "web/json_codec.hpp"
#include "web/validation.hpp"

namespace {

using nlohmann::json;
using namespace callbackd;

bool same(const store::AuthorizedPhone& a, const store::AuthorizedPhone& b) {
  return a.caller_type == b.caller_type && a.caller_address == b.caller_address &&
         a.login_extension == b.login_extension && a.auto_call_relay == b.auto_call_relay &&
         a.description == b.description && a.callback_enabled == b.callback_enabled &&
         a.callback_type == b.callback_type && a.callback_destination == b.callback_destination &&
         a.callback_delay_s == b.callback_delay_s;
}

void phone(const json& body) {
  store::AuthorizedPhone p;
  const auto error = web::parse_phone(body, p);
  if (error) {
    FUZZ_CHECK(!error->message.empty());  // the field may be "", for an unknown "" key
    return;
  }
  store::AuthorizedPhone again;
  FUZZ_CHECK(!web::parse_phone(web::to_json(p), again));
  FUZZ_CHECK(same(p, again));
}

void extension(const json& body) {
  store::Extension e;
  web::ExtensionSecrets secrets;
  if (web::parse_extension(body, true, e, secrets)) return;
  // Accepted: at least one secret, and each one present passes its own rule.
  FUZZ_CHECK(secrets.password || secrets.pin);
  FUZZ_CHECK(!secrets.password || !web::password_problem(*secrets.password));
  FUZZ_CHECK(!secrets.pin || !web::pin_problem(*secrets.pin, e.number));
  store::Extension again;
  web::ExtensionSecrets none;
  FUZZ_CHECK(!web::parse_extension(web::to_json(e), false, again, none));
  FUZZ_CHECK(again.number == e.number && again.name == e.name &&
             again.allow_call_relay == e.allow_call_relay);
  FUZZ_CHECK(!none.password && !none.pin);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json body = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  phone(body);
  extension(body);
  return 0;
}
