#include "web/api_server.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>

#include "callback/security_event.hpp"
#include "web/api_handlers.hpp"
#include "web/audit_api.hpp"
#include "web/call_settings_api.hpp"
#include "web/guarded_server.hpp"
#include "web/http.hpp"
#include "web/prompts_api.hpp"
#include "web/web_auth.hpp"
#include "web/web_handlers.hpp"
#include "web/web_routes.hpp"

namespace callbackd::web {
namespace {

constexpr std::size_t kMaxBodyBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxImportBytes = std::size_t{4} * 1024 * 1024;  // a CSV of 20,000 entries
constexpr std::size_t kMaxPromptBytes = std::size_t{8} * 1024 * 1024;  // two minutes of CD-quality FLAC
constexpr const char* kPromptRe = R"(/api/v1/prompts/([a-z]{2,8})/([A-Za-z0-9-]{1,64}))";
constexpr const char* kJson = "application/json";
constexpr const char* kIdRe = R"((-?\d{1,18}))";
constexpr const char* kNumberRe = R"(([^/]+))";
constexpr const char* kCallbackSettingsPath = "/api/v1/settings/callback";

std::array<unsigned char, EVP_MAX_MD_SIZE> sha256(std::string_view s) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

// Compares digests so that neither the content nor the length of the token leaks through timing.
bool token_matches(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  const auto a = sha256(given);
  const auto b = sha256(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool authorized(const httplib::Request& req, const std::string& token) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
  return token_matches(std::string_view(header).substr(kBearer.size()), token);
}

void send(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!reply.content_type.empty()) {
    res.set_content(reply.text, reply.content_type);
  } else if (!reply.body.is_null()) {
    res.set_content(reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
  }
}

const char* status_text(int status) {
  switch (status) {
    case 404:
      return "not found";
    case 413:
      return "request body too large (64 KiB; 4 MiB for a CSV import, 8 MiB for a prompt recording)";
    default:
      return "bad request";
  }
}

Query query_of(const httplib::Request& req) {
  Query q;
  for (const auto& [name, value] : req.params) q.emplace(name, value);
  return q;
}

std::optional<std::string> query(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

// Only a CSV import and a prompt recording may be larger than a JSON body.
std::size_t max_body(const httplib::Request& req) {
  if (req.path == kImportPath) return kMaxImportBytes;
  if (req.method == "PUT" && req.path.rfind("/api/v1/prompts/", 0) == 0) return kMaxPromptBytes;
  return kMaxBodyBytes;
}

// httplib's default also sets SO_REUSEPORT, which would let a second daemon share our port silently.
void reuse_address_only(socket_t sock) {
  const int on = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
}

}  // namespace

struct ApiServer::Impl {
  Impl(store::Store& store, ApiSettings s)
      : token(s.admin_token), settings(s), handlers(store, std::move(s)), server(settings.limits) {
    if (settings.admins != nullptr) {
      auth = std::make_unique<WebAuth>(*settings.admins, settings.session_idle);
      web = std::make_unique<WebHandlers>(store, *settings.admins, settings);
      prompts = std::make_unique<PromptsApi>(PromptDirs{settings.prompts_dir, settings.custom_prompts_dir},
                                             settings.prompt_catalog);
    }
    if (settings.call_settings != nullptr) calls = std::make_unique<CallSettingsApi>(*settings.call_settings);
    if (settings.audit != nullptr) {
      audit =
          std::make_unique<AuditTrail>(*settings.audit, entity_reader(handlers, prompts.get(), calls.get()));
    }
  }

  // Runs a handler, mapping storage failures to 503 (never a silent loss) and anything else to 500.
  template <typename F>
  httplib::Server::Handler wrap(F f) {
    return [this, f](const httplib::Request& req, httplib::Response& res) {
      try {
        const Reply reply = audited(req, [&] { return f(req); });
        // Refused changes are logged too (successful ones log their own detail); never the body: it may hold
        // a password.
        if (req.method != "GET" && reply.status >= 400) {
          spdlog::info("api: {} \"{}\" refused: {} {}", callback::text::log_escape(req.method),
                       callback::text::log_escape(req.path), reply.status,
                       callback::text::log_escape(reply.body.value("field", std::string())));
        }
        send(res, reply);
      } catch (const store::DuplicateError&) {
        send(res, error_reply(409, "The record already exists"));
      } catch (const store::StoreError& e) {
        spdlog::error("api: {} \"{}\": storage error: {}", callback::text::log_escape(req.method),
                      callback::text::log_escape(req.path), e.what());
        send(res, error_reply(503, std::string("storage unavailable: ") + e.what()));
      } catch (const std::exception& e) {
        spdlog::error("api: {} \"{}\": {}", callback::text::log_escape(req.method),
                      callback::text::log_escape(req.path), e.what());
        send(res, error_reply(500, "internal error"));
      }
    };
  }

  // Runs a handler; a change that succeeds is recorded in the audit log with who made it.
  Reply audited(const httplib::Request& req, const std::function<Reply()>& run) {
    const auto target = audit ? change_target(req.method, req.path) : std::nullopt;
    if (!target) return run();
    std::string actor = kApiTokenActor;
    if (!authorized(req, token))
      actor = auth ? auth->admin_of(req.get_header_value("Cookie")).value_or("?") : "?";
    return audit->record(*target, actor, req.remote_addr, req.body, run);
  }

  // Whether the browser reached us over TLS (through a proxy: callbackd itself speaks plain HTTP).
  bool over_https(const httplib::Request& req) const {
    if (settings.secure_cookie) return true;
    std::string proto = req.get_header_value("X-Forwarded-Proto");
    std::transform(proto.begin(), proto.end(), proto.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return proto == "https" || req.get_header_value("Forwarded").find("proto=https") != std::string::npos;
  }

  void add_routes();
  void add_phone_routes();
  void add_extension_routes();
  void add_job_routes();
  void add_call_settings_routes();
  void add_web_routes();
  void add_prompt_routes();
  bool admit(const httplib::Request& req, httplib::Response& res);

  std::string token;
  ApiSettings settings;
  ApiHandlers handlers;
  std::unique_ptr<WebAuth> auth;           // null without an AdminStore
  std::unique_ptr<WebHandlers> web;        // likewise
  std::unique_ptr<PromptsApi> prompts;     // likewise
  std::unique_ptr<CallSettingsApi> calls;  // null without a CallSettingsPort
  std::unique_ptr<AuditTrail> audit;       // null without an AuditLog
  WebCounters counters;
  GuardedServer server;
  std::thread thread;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> finished{false};
};

void ApiServer::Impl::add_phone_routes() {
  const std::string base = "/api/v1/authorized-phones";
  const std::string item = base + "/" + kIdRe;
  auto id = [](const httplib::Request& r) { return std::stoll(r.matches[1].str()); };
  server.Get(base, wrap([this](const auto& r) {
               return web ? web->search_phones(query_of(r)) : handlers.list_phones();
             }));
  server.Post(base, wrap([this](const auto& r) { return handlers.create_phone(r.body); }));
  server.Get(item, wrap([this, id](const auto& r) { return handlers.get_phone(id(r)); }));
  server.Put(item, wrap([this, id](const auto& r) { return handlers.replace_phone(id(r), r.body); }));
  server.Delete(item, wrap([this, id](const auto& r) { return handlers.delete_phone(id(r)); }));
}

void ApiServer::Impl::add_extension_routes() {
  const std::string base = "/api/v1/extensions";
  const std::string item = base + "/" + kNumberRe;
  auto number = [](const httplib::Request& r) { return r.matches[1].str(); };
  server.Get(base, wrap([this](const auto&) { return handlers.list_extensions(); }));
  server.Post(base, wrap([this](const auto& r) { return handlers.create_extension(r.body); }));
  server.Get(item, wrap([this, number](const auto& r) { return handlers.get_extension(number(r)); }));
  server.Put(item,
             wrap([this, number](const auto& r) { return handlers.replace_extension(number(r), r.body); }));
  server.Delete(item, wrap([this, number](const auto& r) { return handlers.delete_extension(number(r)); }));
}

void ApiServer::Impl::add_job_routes() {
  const std::string item = std::string("/api/v1/callbacks/") + kIdRe;
  auto id = [](const httplib::Request& r) { return std::stoll(r.matches[1].str()); };
  server.Get("/api/v1/callbacks",
             wrap([this](const auto& r) { return handlers.list_jobs(query(r, "limit")); }));
  server.Get(item, wrap([this, id](const auto& r) { return handlers.get_job(id(r)); }));
  server.Delete(item, wrap([this, id](const auto& r) { return handlers.cancel_job(id(r)); }));
  server.Get("/api/v1/call-records", wrap([this](const auto& r) {
               return web ? web->search_records(query_of(r)) : handlers.list_call_records(query(r, "limit"));
             }));
}

void ApiServer::Impl::add_call_settings_routes() {
  const std::string base = "/api/v1/lines";
  const std::string item = base + "/" + kNumberRe;
  auto name = [](const httplib::Request& r) { return r.matches[1].str(); };
  server.Get(base, wrap([this](const auto&) { return calls->list_lines(); }));
  server.Post(base, wrap([this](const auto& r) { return calls->create_line(r.body); }));
  server.Get(item, wrap([this, name](const auto& r) { return calls->get_line(name(r)); }));
  server.Put(item, wrap([this, name](const auto& r) { return calls->replace_line(name(r), r.body); }));
  server.Delete(item, wrap([this, name](const auto& r) { return calls->delete_line(name(r)); }));
  server.Get(kCallbackSettingsPath, wrap([this](const auto&) { return calls->get_callback(); }));
  server.Put(kCallbackSettingsPath, wrap([this](const auto& r) { return calls->replace_callback(r.body); }));
}

// The gate in front of every route: /api/ needs the bearer token or a web session (with its CSRF token for a
// change); only a CSV import (4 MiB) and a prompt recording (8 MiB) may send more than 64 KiB.
bool ApiServer::Impl::admit(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value<std::uint64_t>("Content-Length") > max_body(req)) {
    send(res, error_reply(413, status_text(413)));
    return false;
  }
  if (req.path.rfind("/api/", 0) != 0 || authorized(req, token)) return true;
  if (auth && req.path == kSessionPath && req.method == "POST") return true;
  const auto access =
      auth ? auth->check(req.get_header_value("Cookie"), req.method, req.get_header_value(kCsrfHeader))
           : WebAuth::Access::NoSession;
  if (access == WebAuth::Access::Allowed) return true;
  if (access == WebAuth::Access::BadCsrf) {
    send(res, error_reply(403, "missing or wrong CSRF token", kCsrfHeader));
    return false;
  }
  // Only a wrong token is an event: a browser asking without credentials, or with a session that timed out,
  // is not guessing anything, and must not get its address banned.
  if (req.has_header("Authorization")) {
    ++counters.unauthorized;
    callback::log_security_event(callback::SecurityEvent::ApiUnauthorized, req.remote_addr,
                                 {{"method", req.method}, {"path", req.path}});
  }
  res.set_header("WWW-Authenticate", "Bearer");
  send(res, error_reply(401, "missing or invalid bearer token"));
  return false;
}

void ApiServer::Impl::add_routes() {
  server.set_payload_max_length(kMaxPromptBytes);
  server.set_socket_options(reuse_address_only);
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return admit(req, res) ? httplib::Server::HandlerResponse::Unhandled
                           : httplib::Server::HandlerResponse::Handled;
  });
  add_ops_routes(server, settings.ops, counters);
  add_phone_routes();
  add_extension_routes();
  add_job_routes();
  if (calls) add_call_settings_routes();
  if (web) add_web_routes();
  // Unknown routes and httplib's own errors (413, 400) get the API's error shape too.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      send(res, error_reply(res.status, status_text(res.status)));
    }
  });
}

void ApiServer::Impl::add_web_routes() {
  server.Post(kSessionPath, wrap([this](const auto& r) {
                Reply reply = auth->login(r.body, r.remote_addr, over_https(r));
                if (reply.status == 401) ++counters.login_failures;
                if (reply.status == 429) ++counters.lockouts;
                return reply;
              }));
  server.Get(kSessionPath,
             wrap([this](const auto& r) { return auth->current(r.get_header_value("Cookie")); }));
  server.Delete(kSessionPath, wrap([this](const auto& r) {
                  return auth->logout(r.get_header_value("Cookie"), over_https(r));
                }));
  server.Post(kImportPath, wrap([this](const auto& r) { return web->import_phones(r.body); }));
  server.Get("/api/v1/authorized-phones/export", wrap([this](const auto&) { return web->export_phones(); }));
  server.Get("/api/v1/authorized-phones/check",
             wrap([this](const auto& r) { return web->check_pattern(query_of(r)); }));
  server.Get("/api/v1/call-records/export",
             wrap([this](const auto& r) { return web->export_records(query_of(r)); }));
  server.Get("/api/v1/settings", wrap([this](const auto&) { return web->settings(); }));
  server.Get("/api/v1/dashboard", wrap([this](const auto&) {
               Reply r = web->dashboard();
               r.body["web_lockouts"] = auth->lockouts();  // in memory, not in the database
               if (calls) r.body["live"] = calls->live();  // from the call core, not the database
               return r;
             }));
  if (audit) server.Get("/api/v1/audit", wrap([this](const auto& r) { return audit->list(query_of(r)); }));
  add_prompt_routes();
  add_ui_routes(server);
}

void ApiServer::Impl::add_prompt_routes() {
  server.Get("/api/v1/prompts", wrap([this](const auto&) { return prompts->list(); }));
  server.Get(kPromptRe, wrap([this](const auto& r) { return prompts->audio(r.matches[1], r.matches[2]); }));
  server.Put(kPromptRe,
             wrap([this](const auto& r) { return prompts->replace(r.matches[1], r.matches[2], r.body); }));
  server.Delete(kPromptRe,
                wrap([this](const auto& r) { return prompts->restore(r.matches[1], r.matches[2]); }));
}

ApiServer::ApiServer(store::Store& store, ApiSettings settings)
    : impl_(std::make_unique<Impl>(store, std::move(settings))) {
  impl_->add_routes();
}

ApiServer::~ApiServer() {
  stop();
}

bool ApiServer::listen(const std::string& host, std::uint16_t port) {
  if (impl_->thread.joinable()) return false;
  int bound = port;
  if (port == 0) {
    bound = impl_->server.bind_to_any_port(host);
  } else if (!impl_->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    spdlog::error("api: cannot listen on {}:{}", host, port);
    return false;
  }
  impl_->port = static_cast<std::uint16_t>(bound);
  impl_->finished = false;
  impl_->thread = std::thread([this] {
    impl_->server.listen_after_bind();
    impl_->finished = true;
  });
  // httplib's stop() is a no-op until the accept loop runs: wait for it so that an early stop() cannot hang.
  while (!impl_->server.is_running() && !impl_->finished)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  spdlog::info("api: listening on {}:{}", host, bound);
  return true;
}

std::uint16_t ApiServer::port() const {
  return impl_->port;
}

void ApiServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

void ApiServer::on_job_cancelled(std::function<void(std::int64_t)> cb) {
  impl_->handlers.on_job_cancelled(std::move(cb));
}

}  // namespace callbackd::web
