#include "registrar/registrar.hpp"

#include <openssl/rand.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "callback/security_event.hpp"
#include "store/password.hpp"

namespace callbackd::registrar {
namespace {

// Bounds the replay table: beyond this many live nonces the oldest are forgotten (their next use fails the
// count check only if replayed, and then it is a fresh challenge, not a hole: see fresh_count()).
constexpr std::size_t kMaxTrackedNonces = 10000;
constexpr std::size_t kMaxContactUri = 512;

std::string random_text() {
  unsigned char buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string out;
  for (unsigned char b : buf) out += fmt::format("{:02x}", b);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<std::uint32_t> parse_nc(const std::string& nc) {
  std::uint32_t value = 0;
  if (nc.size() != 8) return std::nullopt;
  const auto [end, ec] = std::from_chars(nc.data(), nc.data() + nc.size(), value, 16);
  if (ec != std::errc{} || end != nc.data() + nc.size()) return std::nullopt;
  return value;
}

// Why the credentials cannot be right whoever the user is, or nullptr. Checked before the store lookup, so
// it never depends on whether the extension exists.
const char* malformed(const DigestCredentials& c, const DigestRequest& req, const std::string& realm) {
  if (c.username != req.user) return "username is not the caller";
  if (c.realm != realm) return "wrong realm";
  if (!c.algorithm.empty() && lower(c.algorithm) != "md5") return "unsupported algorithm";
  if (c.qop != "auth") return "qop is not auth";
  if (c.cnonce.empty() || !parse_nc(c.nc)) return "bad cnonce or nc";
  if (c.uri != req.request_uri) return "uri is not the Request-URI";
  if (c.response.size() != 32) return "malformed response";
  return nullptr;
}

// A Contact URI we are willing to store and echo in a header: printable, no quoting or bracket characters.
bool safe_uri(const std::string& uri) {
  if (uri.empty() || uri.size() > kMaxContactUri) return false;
  return std::all_of(uri.begin(), uri.end(), [](char c) {
    return c > ' ' && c < 127 && c != '<' && c != '>' && c != '"' && c != '\\';
  });
}

}  // namespace

Registrar::Registrar(RegistrarSettings settings, const callback::ClockSource& clock, Ha1Lookup lookup)
    : Registrar(std::move(settings), clock, std::move(lookup), random_text() + random_text()) {}

Registrar::Registrar(RegistrarSettings settings, const callback::ClockSource& clock, Ha1Lookup lookup,
                     std::string nonce_secret)
    : settings_(std::move(settings)),
      clock_(clock),
      lookup_(std::move(lookup)),
      nonces_(std::move(nonce_secret), settings_.nonce_ttl),
      location_(clock),
      guard_(settings_.guard, clock),
      dummy_password_(random_text()) {}

Registrar::~Registrar() {
  *alive_ = false;
}

sip::SipReply Registrar::challenge(const DigestRequest& req, bool stale) const {
  const bool proxy = req.kind == ChallengeKind::Proxy;
  // Exactly these fields in this order for everyone: only the nonce differs from one challenge to the next.
  return {proxy ? 407 : 401,
          {fmt::format(R"({}: Digest realm="{}", nonce="{}", algorithm=MD5, qop="auth"{})",
                       proxy ? "Proxy-Authenticate" : "WWW-Authenticate", settings_.realm,
                       nonces_.make(clock_.now(), req.source_ip), stale ? ", stale=true" : "")}};
}

void Registrar::fail(const DigestRequest& req, const std::string& user, const char* reason,
                     const DigestDone& done) const {
  callback::log_security_event(callback::SecurityEvent::SipDigestFailed, req.source_ip,
                               {{"port", std::to_string(req.source_port)},
                                {"user", user},
                                {"reason", reason},
                                {"method", req.method}});
  done({false, {}, challenge(req, false)});
}

void Registrar::guessed_wrong(const DigestRequest& req, const std::string& user) {
  const auto& g = settings_.guard;
  const auto changed = guard_.guessed_wrong(user, req.source_ip);
  if (changed.source_throttled) {
    callback::log_security_event(callback::SecurityEvent::SipAuthThrottled, req.source_ip,
                                 {{"failures", std::to_string(g.source_failures)},
                                  {"seconds", std::to_string(g.source_window.count())}});
  }
  if (changed.extension_locked) {
    callback::log_security_event(callback::SecurityEvent::SipDigestLockout, req.source_ip,
                                 {{"user", user},
                                  {"failures", std::to_string(g.lockout_failures)},
                                  {"seconds", std::to_string(g.lockout.count())}});
  }
}

void Registrar::handle(const sip::RegisterRequest& req, sip::RegisterResponder respond) {
  const DigestRequest digest{"REGISTER",    req.request_uri, req.to_user,       req.authorization,
                             req.source_ip, req.source_port, ChallengeKind::Www};
  authenticate(digest, [this, alive = alive_, req, respond = std::move(respond)](const DigestVerdict& v) {
    if (!*alive) return;
    respond(v.ok ? apply_bindings(req) : v.reply);
  });
}

void Registrar::authenticate(const DigestRequest& req, DigestDone done) {
  if (req.authorization.empty()) return done({false, {}, challenge(req, false)});
  const auto creds = parse_digest(req.authorization);
  if (!creds) return fail(req, req.user, "malformed credentials", done);
  if (const char* why = malformed(*creds, req, settings_.realm)) return fail(req, creds->username, why, done);
  const NonceCheck nonce = nonces_.check(creds->nonce, clock_.now(), req.source_ip);
  if (nonce == NonceCheck::Invalid) return fail(req, creds->username, "nonce not ours", done);
  const bool bound_here = location_.bound_from(creds->username, req.source_ip);
  // No event per refused attempt: the guesses that led here were logged, and a flood must not become one.
  if (guard_.gate(creds->username, req.source_ip, bound_here) != DigestGuard::Gate::Check) {
    return done({false, {}, challenge(req, false)});
  }
  lookup_(creds->username, [this, alive = alive_, req, creds = *creds, stale = nonce == NonceCheck::Stale,
                            done = std::move(done)](const std::optional<std::string>& ha1) {
    if (*alive) verified(req, creds, stale, ha1, done);
  });
}

void Registrar::verified(const DigestRequest& req, const DigestCredentials& creds, bool stale,
                         const std::optional<std::string>& ha1, const DigestDone& done) {
  // The same hashing for a missing extension as for a known one: the answer's timing says nothing.
  const std::string dummy = store::digest_ha1(creds.username, settings_.realm, dummy_password_);
  const std::string expected = digest_response(ha1.value_or(dummy), req.method, creds);
  if (!equal_secret(expected, lower(creds.response)) || !ha1) {
    guessed_wrong(req, creds.username);
    return fail(req, creds.username, "wrong credentials", done);
  }
  // RFC 2617 3.2.1: the password was right, only the nonce is old; the phone retries without asking anyone.
  if (stale) return done({false, {}, challenge(req, true)});
  if (!fresh_count(creds.nonce, creds.nc)) return fail(req, creds.username, "replayed nonce count", done);
  done({true, creds.username, {}});
}

bool Registrar::fresh_count(const std::string& nonce, const std::string& nc) {
  const auto oldest_live = std::chrono::duration_cast<std::chrono::milliseconds>(
                               (clock_.now() - settings_.nonce_ttl).time_since_epoch())
                               .count();
  while (!last_nc_.empty() && (NonceSigner::issued_ms(last_nc_.begin()->first) < oldest_live ||
                               last_nc_.size() > kMaxTrackedNonces)) {
    last_nc_.erase(last_nc_.begin());
  }
  const std::uint32_t count = parse_nc(nc).value_or(0);
  auto [it, inserted] = last_nc_.emplace(nonce, count);
  if (inserted) return true;
  if (count <= it->second) return false;
  it->second = count;
  return true;
}

sip::SipReply Registrar::apply_bindings(const sip::RegisterRequest& req) {
  const std::string& ext = req.to_user;
  if (req.wildcard) {
    // RFC 3261 10.3 step 6: "*" only alone and only with Expires: 0.
    if (!req.contacts.empty() || req.expires != 0) return {400, {}};
    location_.remove_all(ext);
    spdlog::info("registrar: {} removed all its contacts", callback::text::log_escape(ext));
    return bindings_reply(ext);
  }
  std::vector<BindingUpdate> updates;
  for (const auto& c : req.contacts) {
    if (!safe_uri(c.uri)) return {400, {}};
    const int asked = c.expires.value_or(req.expires.value_or(settings_.max_expires_s));
    if (asked != 0 && asked < settings_.min_expires_s) {
      return {423, {fmt::format("Min-Expires: {}", settings_.min_expires_s)}};
    }
    updates.push_back({c.uri, req.source_ip, req.source_port, req.transport == sip::Transport::Tcp,
                       std::min(asked, settings_.max_expires_s)});
  }
  for (const auto& u : updates) {
    if (!location_.update(ext, u)) return {403, {}};
    spdlog::info("registrar: {} {} \"{}\" from {}:{} for {} s", callback::text::log_escape(ext),
                 u.expires_s == 0 ? "removed" : "registered", callback::text::log_escape(u.uri), u.source_ip,
                 u.source_port, u.expires_s);
  }
  return bindings_reply(ext);
}

sip::SipReply Registrar::bindings_reply(const std::string& extension) const {
  sip::SipReply reply{200, {}};
  for (const Contact& c : location_.contacts(extension)) {
    reply.headers.push_back(fmt::format("Contact: <{}>;expires={}", c.uri, c.expires_s));
  }
  return reply;
}

}  // namespace callbackd::registrar
