#include "web/web_auth.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "callback/security_event.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

std::string set_cookie(const std::string& value, bool clear, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

Reply session_reply(const Session& s) {
  return Reply{200, json{{"name", s.admin}, {"csrf_token", s.csrf}}};
}

Reply not_logged_in() {
  return error_reply(401, "not logged in");
}

}  // namespace

std::optional<std::string> session_cookie(std::string_view header) {
  const std::string_view name = kSessionCookie;
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

WebAuth::WebAuth(store::AdminStore& admins, std::chrono::seconds idle_timeout, LoginLimits limits,
                 const NowFn& now)
    : admins_(admins), sessions_(idle_timeout, now), throttle_(limits.max_failures, limits.window, now) {}

WebAuth::Access WebAuth::check(std::string_view cookie_header, std::string_view method,
                               std::string_view csrf_header) {
  const auto id = session_cookie(cookie_header);
  if (!id) return Access::NoSession;
  const auto s = sessions_.touch(*id);
  if (!s) return Access::NoSession;
  if (method == "GET" || method == "HEAD") return Access::Allowed;
  return csrf_matches(*s, csrf_header) ? Access::Allowed : Access::BadCsrf;
}

std::optional<std::string> WebAuth::admin_of(std::string_view cookie_header) {
  const auto id = session_cookie(cookie_header);
  const auto s = id ? sessions_.touch(*id) : std::nullopt;
  if (!s) return std::nullopt;
  return s->admin;
}

nlohmann::json WebAuth::lockouts() {
  json out = json::array();
  for (const auto& l : throttle_.lockouts()) {
    out.push_back({{"kind", l.kind}, {"who", l.who}, {"retry_after_s", l.retry_after.count()}});
  }
  return out;
}

bool WebAuth::verify(const std::string& name, const std::string& password) {
  const auto admin = admins_.get_admin(name);
  if (admin) return store::verify_admin_password(password, admin->password_hash);
  std::call_once(dummy_once_, [this] { dummy_hash_ = store::hash_admin_password(random_token()); });
  store::verify_admin_password(password, dummy_hash_);
  return false;
}

Reply WebAuth::login(const std::string& body, const std::string& address, bool secure) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return error_reply(400, "the body is not a JSON object", "body");
  for (const char* field : {"name", "password"}) {
    if (!j.contains(field) || !j[field].is_string() || j[field].get<std::string>().empty()) {
      return error_reply(400, std::string(field) + " is required", field);
    }
  }
  const auto name = j["name"].get<std::string>();
  const auto password = j["password"].get<std::string>();
  if (const auto wait = throttle_.retry_after(address, name); wait.count() > 0) {
    callback::log_security_event(callback::SecurityEvent::WebLoginThrottled, address, {{"admin", name}});
    Reply r = error_reply(429, "too many failed logins; try again in " + std::to_string(wait.count()) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(wait.count()));
    return r;
  }
  if (!verify(name, password)) {
    throttle_.failed(address, name);
    callback::log_security_event(callback::SecurityEvent::WebLoginFailed, address, {{"admin", name}});
    return error_reply(401, "wrong admin name or password", "password");
  }
  throttle_.succeeded(name);
  const Session s = sessions_.create(name);
  spdlog::info("web: admin \"{}\" logged in from {}", callback::text::log_escape(name),
               callback::text::log_escape(address));
  Reply r = session_reply(s);
  r.headers.emplace_back("Set-Cookie", set_cookie(s.id, false, secure));
  return r;
}

Reply WebAuth::current(std::string_view cookie_header) {
  const auto id = session_cookie(cookie_header);
  const auto s = id ? sessions_.touch(*id) : std::nullopt;
  return s ? session_reply(*s) : not_logged_in();
}

Reply WebAuth::logout(std::string_view cookie_header, bool secure) {
  if (const auto id = session_cookie(cookie_header)) sessions_.remove(*id);
  Reply r{204, nullptr};
  r.headers.emplace_back("Set-Cookie", set_cookie("", true, secure));
  return r;
}

}  // namespace callbackd::web
