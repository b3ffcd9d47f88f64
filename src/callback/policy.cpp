#include "callback/policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>

namespace callbackd::callback {
namespace {

constexpr std::string_view kSipScheme = "sip:";
constexpr std::size_t kMaxUriLength = 256;
constexpr std::size_t kMaxExtensionDigits = 16;
constexpr int kMaxPort = 65535;

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool has_sip_scheme(std::string_view s) {
  return s.size() >= kSipScheme.size() && std::equal(kSipScheme.begin(), kSipScheme.end(), s.begin(),
                                                     [](char a, char b) { return a == lower(b); });
}

// RFC 3261 user characters minus the ones that could smuggle parameters, headers or quoting (';', '?', '/',
// quotes, parentheses): a callback user part is a number or a plain name.
bool valid_user(std::string_view user) {
  constexpr std::string_view kExtra = "-_.!~*+&=$,";
  if (user.empty()) return false;
  for (std::size_t i = 0; i < user.size(); ++i) {
    const char c = user[i];
    if (c == '%') {
      if (i + 2 >= user.size()) return false;
      if (!is_hex(user[i + 1]) || !is_hex(user[i + 2])) return false;
      i += 2;
    } else if (!is_alnum(c) && kExtra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.front() == '.' || host.back() == '.' ||
      host.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) return false;
  int value = 0;
  std::from_chars(port.data(), port.data() + port.size(), value);
  return value >= 1 && value <= kMaxPort;
}

// host[:port], host being a name, an IPv4 address or a bracketed IPv6 address.
bool valid_hostport(std::string_view hp) {
  std::string_view host = hp;
  std::string_view port;
  bool has_port = false;
  if (!hp.empty() && hp.front() == '[') {
    const auto close = hp.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const auto inner = hp.substr(1, close - 1);
    if (!std::all_of(inner.begin(), inner.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; })) {
      return false;
    }
    const auto rest = hp.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    has_port = !rest.empty();
    port = has_port ? rest.substr(1) : rest;
    return !has_port || valid_port(port);
  }
  const auto colon = hp.find(':');
  if (colon != std::string_view::npos) {
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
    has_port = true;
  }
  return valid_hostname(host) && (!has_port || valid_port(port));
}

std::string check_sip_uri(std::string_view uri) {
  if (uri.size() > kMaxUriLength) return "SIP URI too long";
  if (std::any_of(uri.begin(), uri.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>';
      })) {
    return "SIP URI contains spaces, quotes, angle brackets or control characters";
  }
  if (!has_sip_scheme(uri)) return "SIP URI must start with sip:";
  const auto rest = uri.substr(kSipScheme.size());
  const auto at = rest.find('@');
  if (at == std::string_view::npos) return "SIP URI has no user part";
  if (!valid_user(rest.substr(0, at))) return "SIP URI user part is empty or has forbidden characters";
  if (!valid_hostport(rest.substr(at + 1))) return "SIP URI host or port is invalid";
  return {};
}

// Policy steps: each returns the rejection, or nullopt to continue down the chain.
std::optional<Verdict> check_caller_id(const CallerId& id) {
  switch (id.status) {
    case CallerIdStatus::Withheld:
      return Verdict::RejectWithheld;
    case CallerIdStatus::Malformed:
      return Verdict::RejectMalformed;
    case CallerIdStatus::Valid:
      break;
  }
  return std::nullopt;
}

std::optional<Verdict> check_enabled(const store::AuthorizedPhone& phone) {
  if (!phone.callback_enabled) return Verdict::RejectDisabled;
  return std::nullopt;
}

std::optional<Verdict> check_window(const TriggerInput& in) {
  // A long ring can mean the call was answered elsewhere or that someone is probing: only short rings count.
  if (in.ring_time < std::chrono::milliseconds::zero() || in.ring_time > in.trigger_window) {
    return Verdict::RejectLateCancel;
  }
  return std::nullopt;
}

std::optional<DialTarget> classify_auto(std::string_view dest) {
  if (has_sip_scheme(dest)) return DialTarget{DialTarget::Kind::SipUri, std::string(dest)};
  if (dest.find('@') != std::string_view::npos) {
    return DialTarget{DialTarget::Kind::SipUri, std::string(kSipScheme) + std::string(dest)};
  }
  if (is_valid_pstn_number(dest)) return DialTarget{DialTarget::Kind::Pstn, normalize_number(dest)};
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Accept:
      return "accept";
    case Verdict::RejectWithheld:
      return "reject-withheld";
    case Verdict::RejectMalformed:
      return "reject-malformed";
    case Verdict::RejectUnknown:
      return "reject-unknown";
    case Verdict::RejectDisabled:
      return "reject-disabled";
    case Verdict::RejectLateCancel:
      return "reject-late-cancel";
    case Verdict::RejectDuplicate:
      return "reject-duplicate";
  }
  return "unknown-verdict";
}

TriggerDecision screen_trigger(const TriggerInput& in, const std::vector<store::AuthorizedPhone>& phones) {
  const CallerId id = classify_caller_id(in.caller);
  const bool valid = id.status == CallerIdStatus::Valid;
  return screen_trigger(in, id, valid ? find_trusted_caller(phones, id.number) : nullptr);
}

TriggerDecision screen_trigger(const TriggerInput& in, const CallerId& id,
                               const store::AuthorizedPhone* phone) {
  if (const auto v = check_caller_id(id)) return {*v, {}, nullptr};
  if (phone == nullptr) return {Verdict::RejectUnknown, id.number, nullptr};
  if (const auto v = check_enabled(*phone)) return {*v, id.number, phone};
  if (const auto v = check_window(in)) return {*v, id.number, phone};
  return {Verdict::Accept, id.number, phone};
}

std::optional<DialTarget> resolve_destination(const store::AuthorizedPhone& phone,
                                              std::string_view caller_number) {
  const std::string_view dest =
      phone.callback_destination.empty() ? caller_number : phone.callback_destination;
  if (dest.empty()) return std::nullopt;
  std::optional<DialTarget> target;
  switch (phone.callback_type) {
    case store::CallbackType::Pbx:
      target = DialTarget{DialTarget::Kind::Extension, std::string(dest)};
      break;
    case store::CallbackType::Pstn:
      target = DialTarget{DialTarget::Kind::Pstn, normalize_number(dest)};
      break;
    case store::CallbackType::Sip:
      target =
          DialTarget{DialTarget::Kind::SipUri,
                     has_sip_scheme(dest) ? std::string(dest) : std::string(kSipScheme) + std::string(dest)};
      break;
    case store::CallbackType::Auto:
      target = classify_auto(dest);
      break;
  }
  if (!target || !check_outgoing(*target).empty()) return std::nullopt;
  return target;
}

std::string check_outgoing(const DialTarget& target) {
  switch (target.kind) {
    case DialTarget::Kind::Pstn:
      if (!is_valid_pstn_number(target.value) || target.value != normalize_number(target.value)) {
        return "invalid PSTN number: expected an optional '+' and 2 to 20 digits";
      }
      return {};
    case DialTarget::Kind::Extension:
      if (target.value.empty() || target.value.size() > kMaxExtensionDigits ||
          !std::all_of(target.value.begin(), target.value.end(), is_digit)) {
        return "invalid extension: expected 1 to 16 digits";
      }
      return {};
    case DialTarget::Kind::SipUri:
      return check_sip_uri(target.value);
  }
  return "unknown target kind";
}

}  // namespace callbackd::callback
