// Authorized phones and extensions.
#include "web/api_handlers.hpp"

#include <spdlog/spdlog.h>

#include "callback/caller_match.hpp"
#include "store/password.hpp"
#include "web/json_codec.hpp"
#include "web/validation.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr const char* kDuplicate = "The record already exists";

// Parses a request body; a body that is not JSON is a 400 naming "body".
std::optional<Reply> parse_body(const std::string& body, json& out) {
  out = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return error_reply(400, "the body is not valid JSON", "body");
  return std::nullopt;
}

Reply field_error(const FieldError& e) {
  return error_reply(400, e.message, e.field);
}

Reply phone_not_found(std::int64_t id) {
  return error_reply(404, "no authorized phone " + std::to_string(id), "id");
}
Reply extension_not_found(const std::string& n) {
  return error_reply(404, "no extension " + n, "number");
}

// The body of POST and PUT: the entry, plus a warning when its caller pattern would trust nearly anyone.
Reply phone_written(int status, json entry, const store::AuthorizedPhone& p) {
  if (auto warning = caller_address_warning(p.caller_address)) entry["warning"] = *warning;
  return Reply{status, entry};
}

}  // namespace

std::optional<std::string> caller_address_warning(const std::string& caller_address) {
  if (auto dead = unmatchable_caller_address(caller_address)) return dead;
  const auto reason = callback::overbroad_pattern_reason(caller_address);
  if (!reason) return std::nullopt;
  return "caller_address \"" + caller_address + "\" " + *reason;
}

Reply error_reply(int status, const std::string& message, const std::string& field) {
  json body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  return Reply{status, body};
}

json ApiHandlers::phone_json(const store::AuthorizedPhone& p) const {
  json j = to_json(p);
  j["effective_callback_delay_s"] = p.callback_delay_s.value_or(settings_.effective_default_delay_s());
  // An entry stored before the policy refused its destination (the policy failed closed, a deny prefix was
  // added) is flagged, not changed: the admin decides, and the dialer refuses it meanwhile.
  if (auto refused = check_phone_policy(p, settings_.destination_policy))
    j["destination_warning"] = refused->message;
  return j;
}

std::optional<Reply> ApiHandlers::check_references(const store::AuthorizedPhone& p) {
  const auto err =
      check_phone_references(p, [this](const std::string& n) { return store_.get_extension(n).has_value(); });
  if (err) return field_error(*err);
  if (const auto refused = check_phone_policy(p, settings_.destination_policy)) return field_error(*refused);
  return std::nullopt;
}

Reply ApiHandlers::list_phones() {
  json out = json::array();
  for (const auto& p : store_.list_phones()) out.push_back(phone_json(p));
  return Reply{200, out};
}

Reply ApiHandlers::get_phone(std::int64_t id) {
  const auto p = store_.get_phone(id);
  return p ? Reply{200, phone_json(*p)} : phone_not_found(id);
}

Reply ApiHandlers::create_phone(const std::string& body) {
  json j;
  if (auto bad = parse_body(body, j)) return *bad;
  store::AuthorizedPhone p;
  if (auto err = parse_phone(j, p)) return field_error(*err);
  if (auto bad = check_references(p)) return *bad;
  try {
    p = store_.create_phone(p);
  } catch (const store::DuplicateError&) {
    return error_reply(409, kDuplicate, "caller_address");
  }
  spdlog::info("api: created authorized phone {} ({} {})", p.id, store::to_string(p.caller_type),
               p.caller_address);
  return phone_written(201, phone_json(p), p);
}

Reply ApiHandlers::replace_phone(std::int64_t id, const std::string& body) {
  json j;
  if (auto bad = parse_body(body, j)) return *bad;
  store::AuthorizedPhone p;
  if (auto err = parse_phone(j, p)) return field_error(*err);
  if (j.contains("id") && j["id"] != json(id)) return error_reply(400, "id does not match the URL", "id");
  if (auto bad = check_references(p)) return *bad;
  p.id = id;
  try {
    if (!store_.update_phone(p)) return phone_not_found(id);
  } catch (const store::DuplicateError&) {
    return error_reply(409, kDuplicate, "caller_address");
  }
  spdlog::info("api: replaced authorized phone {} ({} {})", id, store::to_string(p.caller_type),
               p.caller_address);
  return phone_written(200, phone_json(p), p);
}

Reply ApiHandlers::delete_phone(std::int64_t id) {
  if (!store_.delete_phone(id)) return phone_not_found(id);
  spdlog::info("api: deleted authorized phone {}", id);
  return Reply{204, nullptr};
}

json ApiHandlers::extension_json(const store::Extension& e, const Registrations& live) const {
  json j = to_json(e);
  // No H(A1) (no SIP password, or a row from before SIP digest): it cannot register until it gets one.
  j["needs_new_password"] = e.digest_ha1.empty();
  j["has_pin"] = !e.pin_hash.empty();
  // A row from before PINs logs in at the keypad with its SIP password until it gets a PIN.
  j["needs_pin"] = e.pin_hash.empty() && e.keypad_sip_password;
  const auto found = live.find(e.number);
  j["registered"] = found != live.end() && !found->second.empty();
  j["contacts"] = json::array();
  if (found != live.end()) {
    for (const auto& c : found->second) j["contacts"].push_back({{"uri", c.uri}, {"expires_s", c.expires_s}});
  }
  return j;
}

Registrations ApiHandlers::registrations() const {
  return settings_.registrations ? settings_.registrations() : Registrations{};
}

Reply ApiHandlers::list_extensions() {
  const Registrations live = registrations();
  json out = json::array();
  for (const auto& e : store_.list_extensions()) out.push_back(extension_json(e, live));
  return Reply{200, out};
}

Reply ApiHandlers::get_extension(const std::string& number) {
  const auto e = store_.get_extension(number);
  return e ? Reply{200, extension_json(*e, registrations())} : extension_not_found(number);
}

Reply ApiHandlers::create_extension(const std::string& body) {
  json j;
  if (auto bad = parse_body(body, j)) return *bad;
  store::Extension e;
  ExtensionSecrets secrets;
  if (auto err = parse_extension(j, /*require_secret=*/true, e, secrets)) return field_error(*err);
  if (secrets.password) e.digest_ha1 = store::digest_ha1(e.number, settings_.sip_realm, *secrets.password);
  if (secrets.pin) e.pin_hash = store::hash_password(*secrets.pin);
  try {
    store_.create_extension(e);
  } catch (const store::DuplicateError&) {
    return error_reply(409, kDuplicate, "number");
  }
  spdlog::info("api: created extension {}", e.number);
  return Reply{201, extension_json(e, registrations())};
}

Reply ApiHandlers::replace_extension(const std::string& number, const std::string& body) {
  json j;
  if (auto bad = parse_body(body, j)) return *bad;
  if (j.is_object() && !j.contains("number")) j["number"] = number;
  store::Extension e;
  ExtensionSecrets secrets;
  if (auto err = parse_extension(j, /*require_secret=*/false, e, secrets)) return field_error(*err);
  if (e.number != number) return error_reply(400, "number does not match the URL", "number");
  const auto old = store_.get_extension(number);
  if (!old) return extension_not_found(number);
  // Each secret given replaces its own; one not given stays as it was. Either one ends a pre-PIN row's use of
  // the SIP password at the keypad.
  const auto& pw = secrets.password;
  e.digest_ha1 = pw ? store::digest_ha1(e.number, settings_.sip_realm, *pw) : old->digest_ha1;
  e.pin_hash = secrets.pin ? store::hash_password(*secrets.pin) : old->pin_hash;
  e.keypad_sip_password = old->keypad_sip_password && !pw && !secrets.pin;
  if (!store_.update_extension(e)) return extension_not_found(number);
  spdlog::info("api: replaced extension {}{}{}", number, pw ? " (new password)" : "",
               secrets.pin ? " (new pin)" : "");
  return Reply{200, extension_json(e, registrations())};
}

Reply ApiHandlers::delete_extension(const std::string& number) {
  for (const auto& p : store_.list_phones()) {
    if (p.login_extension == number) {
      return error_reply(
          409, "extension " + number + " is the login_extension of authorized phone " + std::to_string(p.id),
          "login_extension");
    }
  }
  if (!store_.delete_extension(number)) return extension_not_found(number);
  spdlog::info("api: deleted extension {}", number);
  return Reply{204, nullptr};
}

void ApiHandlers::on_job_cancelled(std::function<void(std::int64_t)> cb) {
  std::lock_guard lock(hook_mu_);
  on_cancelled_ = std::move(cb);
}

}  // namespace callbackd::web
