// Field-by-field parsing of the JSON bodies: types first, then formats.
#include <algorithm>
#include <set>

#include "callback/caller_match.hpp"
#include "callback/destination.hpp"
#include "callback/policy.hpp"
#include "web/validation.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDescription = 256;
constexpr std::size_t kMaxExtensionName = 64;
constexpr int kMaxDelayS = 3600;

FieldError type_error(const std::string& field, const char* expected) {
  return FieldError{field, field + " must be " + expected};
}

std::optional<FieldError> unknown_field(const json& body, const std::set<std::string>& known) {
  for (const auto& [key, value] : body.items()) {
    if (!known.contains(key)) return FieldError{key, "unknown field " + key};
  }
  return std::nullopt;
}

std::optional<FieldError> get_string(const json& body, const std::string& field, std::string& out) {
  if (!body.contains(field)) return std::nullopt;
  if (!body[field].is_string()) return type_error(field, "a string");
  out = body[field].get<std::string>();
  return std::nullopt;
}

std::optional<FieldError> get_bool(const json& body, const std::string& field, bool& out) {
  if (!body.contains(field)) return std::nullopt;
  if (!body[field].is_boolean()) return type_error(field, "true or false");
  out = body[field].get<bool>();
  return std::nullopt;
}

std::optional<FieldError> get_opt_string(const json& body, const std::string& field,
                                         std::optional<std::string>& out) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_string()) return type_error(field, "a string or null");
  const auto s = body[field].get<std::string>();
  if (!s.empty()) out = s;  // "" from a web form means "none"
  return std::nullopt;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::optional<FieldError> get_delay(const json& body, std::optional<int>& out) {
  const std::string field = "callback_delay_s";
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  const json& v = body[field];
  if (!v.is_number_integer()) return type_error(field, "an integer or null");
  const auto n = v.get<std::int64_t>();
  if (n < 0 || n > kMaxDelayS) return FieldError{field, "callback_delay_s must be between 0 and 3600"};
  out = static_cast<int>(n);
  return std::nullopt;
}

template <typename E>
std::optional<FieldError> get_enum(const json& body, const std::string& field, E& out,
                                   std::optional<E> (*from)(std::string_view), const char* allowed) {
  std::string s;
  if (auto e = get_string(body, field, s)) return type_error(field, allowed);
  if (!body.contains(field)) return std::nullopt;
  const auto v = from(s);
  if (!v) return type_error(field, allowed);
  out = *v;
  return std::nullopt;
}

std::optional<FieldError> check_caller_address(store::AuthorizedPhone& p) {
  const std::string field = "caller_address";
  std::string& a = p.caller_address;
  const bool pstn_ok = is_valid_pstn_pattern(a) && a.find('@') == std::string::npos;
  const bool sip_ok = is_valid_sip_pattern(a);
  const bool ok = p.caller_type == store::CallerType::Pstn  ? pstn_ok
                  : p.caller_type == store::CallerType::Sip ? sip_ok
                                                            : (pstn_ok || sip_ok);
  if (a.empty()) return FieldError{field, "caller_address is required"};
  if (!ok) {
    return FieldError{field, "caller_address \"" + a + "\" is not a valid " +
                                 store::to_string(p.caller_type) +
                                 " address (PSTN: +digits with * and ?; SIP: user@host)"};
  }
  if (pstn_ok) {
    a = callback::normalize_number(a);
  } else if (auto dead = unmatchable_caller_address(a)) {
    return FieldError{field, std::move(*dead)};
  }
  return std::nullopt;
}

// The one destination parser decides, so that what is stored here is what the dialer will dial; the stored
// text is the canonical form.
std::optional<FieldError> check_destination(store::AuthorizedPhone& p) {
  std::string& d = p.callback_destination;
  if (d.empty()) return std::nullopt;
  const auto parsed = callback::Destination::parse(d, p.callback_type);
  if (!parsed) {
    return FieldError{"callback_destination", "callback_destination \"" + d +
                                                  "\" is not valid for callback_type " +
                                                  store::to_string(p.callback_type) + ": " + parsed.error};
  }
  d = parsed->text();
  return std::nullopt;
}

}  // namespace

std::optional<FieldError> parse_phone(const json& body, store::AuthorizedPhone& out) {
  if (!body.is_object()) return FieldError{"body", "the body must be a JSON object"};
  static const std::set<std::string> kKnown{
      "id",          "caller_type",      "caller_address", "login_extension",      "auto_call_relay",
      "description", "callback_enabled", "callback_type",  "callback_destination", "callback_delay_s"};
  store::AuthorizedPhone p;
  p.caller_type = store::CallerType::Auto;
  p.callback_type = store::CallbackType::Auto;
  std::optional<FieldError> err = unknown_field(body, kKnown);
  if (!err)
    err = get_enum(body, "caller_type", p.caller_type, store::caller_type_from,
                   "\"pstn\", \"sip\" or \"auto\"");
  if (!err) err = get_string(body, "caller_address", p.caller_address);
  if (!err) err = get_opt_string(body, "login_extension", p.login_extension);
  if (!err) err = get_bool(body, "auto_call_relay", p.auto_call_relay);
  if (!err) err = get_string(body, "description", p.description);
  if (!err) err = get_bool(body, "callback_enabled", p.callback_enabled);
  if (!err) {
    err = get_enum(body, "callback_type", p.callback_type, store::callback_type_from,
                   "\"pbx\", \"pstn\", \"sip\" or \"auto\"");
  }
  if (!err) err = get_string(body, "callback_destination", p.callback_destination);
  if (!err) err = get_delay(body, p.callback_delay_s);
  if (!err) err = check_caller_address(p);
  if (!err && p.login_extension && !is_valid_extension_number(*p.login_extension)) {
    err = FieldError{"login_extension", "unknown extension " + *p.login_extension};
  }
  if (!err && utf8_length(p.description) > kMaxDescription) {
    err = FieldError{"description", "description must be at most 256 characters"};
  }
  if (!err) err = check_destination(p);
  if (!err) out = p;
  return err;
}

std::optional<FieldError> check_phone_references(const store::AuthorizedPhone& phone,
                                                 const ExtensionExists& exists) {
  if (phone.login_extension && !exists(*phone.login_extension)) {
    return FieldError{"login_extension", "unknown extension " + *phone.login_extension};
  }
  if (phone.callback_type == store::CallbackType::Pbx && !phone.callback_destination.empty() &&
      !exists(phone.callback_destination)) {
    return FieldError{"callback_destination", "unknown extension " + phone.callback_destination};
  }
  return std::nullopt;
}

std::optional<FieldError> check_phone_policy(const store::AuthorizedPhone& phone,
                                             const DestinationPolicy& policy) {
  if (!policy) return std::nullopt;
  const bool one_number = phone.caller_address.find_first_of("*?") == std::string::npos;
  const auto target = callback::resolve_destination(phone, one_number ? phone.caller_address : "");
  if (!target)
    return std::nullopt;  // an empty destination with a pattern: the caller's number decides, later
  const std::string why = policy(*target);
  if (why.empty()) return std::nullopt;
  return FieldError{"callback_destination", "callback_destination \"" + target->text() +
                                                "\" is refused by the toll-fraud policy: " + why +
                                                " (see [policy] in the configuration)"};
}

std::optional<FieldError> parse_extension(const json& body, bool require_secret, store::Extension& out,
                                          ExtensionSecrets& secrets) {
  if (!body.is_object()) return FieldError{"body", "the body must be a JSON object"};
  static const std::set<std::string> kKnown{"number",           "name",           "password", "pin",
                                            "allow_call_relay", "remote_callback"};
  store::Extension e;
  std::string pw;
  std::string pin;
  std::optional<FieldError> err = unknown_field(body, kKnown);
  if (!err) err = get_string(body, "number", e.number);
  if (!err) err = get_string(body, "name", e.name);
  if (!err) err = get_string(body, "password", pw);
  if (!err) err = get_string(body, "pin", pin);
  if (!err) err = get_bool(body, "allow_call_relay", e.allow_call_relay);
  if (!err) err = get_bool(body, "remote_callback", e.remote_callback);
  if (err) return err;
  if (!is_valid_extension_number(e.number)) return FieldError{"number", "number must be 2 to 8 digits"};
  if (utf8_length(e.name) > kMaxExtensionName)
    return FieldError{"name", "name must be at most 64 characters"};
  if (body.contains("password")) {
    if (auto problem = password_problem(pw)) return FieldError{"password", *problem};
    secrets.password = pw;
  }
  if (body.contains("pin")) {
    if (auto problem = pin_problem(pin, e.number)) return FieldError{"pin", *problem};
    secrets.pin = pin;
  }
  if (require_secret && !secrets.password && !secrets.pin) {
    return FieldError{"password",
                      "password (for a SIP phone) or pin (for the keypad login) is required, or both"};
  }
  out = e;
  return std::nullopt;
}

}  // namespace callbackd::web
