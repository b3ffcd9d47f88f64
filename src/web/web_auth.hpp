#pragma once
// Admin logins for web management: name and password against the admins table, a session in an HttpOnly,
// SameSite=Strict cookie with an idle expiry, a CSRF token that every change must echo in X-CSRF-Token, and
// throttling per address and per account. Free of HTTP plumbing: api_server.cpp passes headers in.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "store/admin_store.hpp"
#include "web/api_handlers.hpp"
#include "web/session.hpp"

namespace callbackd::web {

inline constexpr const char* kSessionCookie = "callbackd_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

// The session id in a Cookie header, if it carries one.
std::optional<std::string> session_cookie(std::string_view cookie_header);

struct LoginLimits {
  int max_failures = 5;  // per address and per account, within `window`
  std::chrono::seconds window{300};
};

class WebAuth {
 public:
  enum class Access { Allowed, NoSession, BadCsrf };

  WebAuth(store::AdminStore& admins, std::chrono::seconds idle_timeout, LoginLimits limits = {},
          const NowFn& now = std::chrono::steady_clock::now);

  // Whether the session cookie admits a request: any method needs a live session, and all but GET and HEAD
  // also need the session's CSRF token.
  Access check(std::string_view cookie_header, std::string_view method, std::string_view csrf_header);

  // The admin whose live session the cookie names (who made a change, for the audit log).
  std::optional<std::string> admin_of(std::string_view cookie_header);

  // 200 + Set-Cookie, 401, 429. `secure`: the cookie gets the Secure attribute (the page came over HTTPS).
  // [{"kind": "address"|"account", "who", "retry_after_s"}]: web logins refused right now.
  nlohmann::json lockouts();

  Reply login(const std::string& body, const std::string& address, bool secure = false);
  Reply current(std::string_view cookie_header);                      // 200 {name, csrf_token} or 401
  Reply logout(std::string_view cookie_header, bool secure = false);  // 204, cookie cleared

 private:
  bool verify(const std::string& name, const std::string& password);

  store::AdminStore& admins_;
  SessionTable sessions_;
  LoginThrottle throttle_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified for unknown names, so that timing does not tell which names exist
};

}  // namespace callbackd::web
