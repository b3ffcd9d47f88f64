#include "web/audit_api.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <ctime>
#include <regex>

#include "callback/text.hpp"
#include "web/call_settings_api.hpp"
#include "web/prompts_api.hpp"
#include "web/web_auth.hpp"
#include "web/web_params.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

struct Rule {
  const char* method;
  std::regex path;  // group 1, if any, is the entity id
  const char* action;
  const char* entity;
};

// Every change route of api_server.cpp; a route missing here is not audited.
const std::array<Rule, 14>& rules() {
  static const std::array<Rule, 14> kRules{{
      {"POST", std::regex("/api/v1/authorized-phones"), "create", "authorized-phone"},
      {"PUT", std::regex(R"(/api/v1/authorized-phones/(-?\d{1,18}))"), "replace", "authorized-phone"},
      {"DELETE", std::regex(R"(/api/v1/authorized-phones/(-?\d{1,18}))"), "delete", "authorized-phone"},
      {"POST", std::regex("/api/v1/authorized-phones/import"), "import", "authorized-phones"},
      {"POST", std::regex("/api/v1/extensions"), "create", "extension"},
      {"PUT", std::regex("/api/v1/extensions/([^/]+)"), "replace", "extension"},
      {"DELETE", std::regex("/api/v1/extensions/([^/]+)"), "delete", "extension"},
      {"DELETE", std::regex(R"(/api/v1/callbacks/(-?\d{1,18}))"), "cancel", "callback-job"},
      {"PUT", std::regex("/api/v1/prompts/([a-z]{2,8}/[A-Za-z0-9-]{1,64})"), "upload", "prompt"},
      {"DELETE", std::regex("/api/v1/prompts/([a-z]{2,8}/[A-Za-z0-9-]{1,64})"), "restore", "prompt"},
      {"POST", std::regex("/api/v1/lines"), "create", "line"},
      {"PUT", std::regex("/api/v1/lines/([^/]+)"), "replace", "line"},
      {"DELETE", std::regex("/api/v1/lines/([^/]+)"), "delete", "line"},
      {"PUT", std::regex("/api/v1/settings/(callback)"), "replace", "callback-settings"},
  }};
  return kRules;
}

std::int64_t now_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string iso8601_ms(std::int64_t ms) {
  const std::time_t secs = ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(buf.data(), n) + frac.data();
}

std::optional<std::string> dump(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parse_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(*text) : j;  // a hand-edited row: show its text
}

// The new value: what the change answered, or (for a 204) nothing. An extension's password and PIN are never
// in a reply; the log says that they were set, without them.
json after_value(const ChangeTarget& t, const Reply& reply, const std::string& request_body) {
  json after = reply.status == 204 ? json(nullptr) : reply.body;
  if (t.entity == "extension" && after.is_object()) {
    const json req = json::parse(request_body, nullptr, /*allow_exceptions=*/false);
    for (const char* secret : {"password", "pin"}) {
      if (req.is_object() && req.contains(secret)) after[secret] = "(set)";
    }
  }
  return after;
}

}  // namespace

AuditTrail::Reader entity_reader(ApiHandlers& handlers, const PromptsApi* prompts, CallSettingsApi* calls) {
  return [&handlers, prompts, calls](const ChangeTarget& t) -> json {
    Reply r{404, nullptr};
    if (t.entity == "authorized-phone") {
      r = handlers.get_phone(std::stoll(t.entity_id));
    } else if (t.entity == "extension") {
      r = handlers.get_extension(t.entity_id);
    } else if (t.entity == "callback-job") {
      r = handlers.get_job(std::stoll(t.entity_id));
    } else if (t.entity == "line" && calls != nullptr) {
      r = calls->get_line(t.entity_id);
    } else if (t.entity == "callback-settings" && calls != nullptr) {
      r = calls->get_callback();
    } else if (t.entity == "prompt" && prompts != nullptr) {
      const auto slash = t.entity_id.find('/');
      return prompts->state(t.entity_id.substr(0, slash), t.entity_id.substr(slash + 1));
    }
    return r.status == 200 ? r.body : json(nullptr);
  };
}

std::optional<ChangeTarget> change_target(std::string_view method, std::string_view path) {
  const std::string p(path);
  for (const auto& r : rules()) {
    std::smatch m;
    if (method != r.method || !std::regex_match(p, m, r.path)) continue;
    return ChangeTarget{r.action, r.entity, m.size() > 1 ? m[1].str() : std::string()};
  }
  return std::nullopt;
}

Reply AuditTrail::record(ChangeTarget t, const std::string& actor, const std::string& source,
                         const std::string& request_body, const std::function<Reply()>& change) {
  const json before = t.entity_id.empty() ? json(nullptr) : read_(t);
  Reply reply = change();
  if (reply.status < 200 || reply.status >= 300) return reply;
  if (t.entity_id.empty() && reply.body.is_object()) {  // a create: the id is the server's
    if (reply.body.contains("id")) t.entity_id = reply.body["id"].dump();
    if (reply.body.contains("number")) t.entity_id = reply.body.value("number", std::string());
    if (t.entity == "line") t.entity_id = reply.body.value("name", std::string());
  }
  store::AuditEntry e;
  e.at_ms = now_ms();
  e.actor = actor;
  e.source = source;
  e.action = t.action;
  e.entity = t.entity;
  e.entity_id = t.entity_id;
  e.old_value = dump(before);
  e.new_value = dump(after_value(t, reply, request_body));
  try {
    log_.append(e);
  } catch (const std::exception& ex) {
    spdlog::error("audit: cannot record {} {} {} by \"{}\": {}", e.action, e.entity,
                  callback::text::log_escape(e.entity_id), callback::text::log_escape(actor), ex.what());
  }
  return reply;
}

Reply AuditTrail::list(const Query& q) {
  const auto offset = int_param(q, "offset", 0, 0, INT64_MAX);
  if (!offset) return error_reply(400, "offset must be a non-negative integer", "offset");
  const auto limit = int_param(q, "limit", 100, 1, 1000);
  if (!limit) return error_reply(400, "limit must be an integer between 1 and 1000", "limit");
  store::AuditQuery query{str_param(q, "entity"), str_param(q, "entity_id"), str_param(q, "actor"), *offset,
                          *limit};
  const auto page = log_.list(query);
  json out = json::array();
  for (const auto& e : page.items) {
    out.push_back({{"id", e.id},
                   {"at", iso8601_ms(e.at_ms)},
                   {"actor", e.actor},
                   {"source", e.source},
                   {"action", e.action},
                   {"entity", e.entity},
                   {"entity_id", e.entity_id},
                   {"old", parse_or_null(e.old_value)},
                   {"new", parse_or_null(e.new_value)}});
  }
  Reply r{200, out};
  r.headers.emplace_back("X-Total-Count", std::to_string(page.total));
  return r;
}

}  // namespace callbackd::web
