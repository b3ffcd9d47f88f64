// The Authorized Phones Database for web management: search, paging, CSV export.
#include <array>

#include "callback/caller_match.hpp"
#include "web/csv.hpp"
#include "web/json_codec.hpp"
#include "web/web_handlers.hpp"
#include "web/web_params.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxPage = 1000;

// The CSV columns, in the order of the JSON fields; the import reads the same header.
constexpr std::array<const char*, 9> kPhoneColumns{
    "caller_type",      "caller_address", "login_extension",      "auto_call_relay", "description",
    "callback_enabled", "callback_type",  "callback_destination", "callback_delay_s"};

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

json WebHandlers::phone_json(const store::AuthorizedPhone& p) const {
  json j = to_json(p);
  j["effective_callback_delay_s"] = p.callback_delay_s.value_or(settings_.effective_default_delay_s());
  // An entry stored before the policy refused its destination (the policy failed closed, a deny prefix was
  // added) is flagged, not changed: the admin decides, and the dialer refuses it meanwhile.
  if (auto refused = check_phone_policy(p, settings_.destination_policy))
    j["destination_warning"] = refused->message;
  // The same check POST and PUT answer with, so that the table can flag an entry that trusts nearly anyone
  // or (stored before the API refused such entries) can never match a caller.
  if (auto warning = caller_address_warning(p.caller_address)) j["warning"] = *warning;
  return j;
}

// Lets the form warn while the admin types, with the same rule as the answer to the save.
Reply WebHandlers::check_pattern(const Query& q) {
  json out = json::object();
  if (auto warning = caller_address_warning(str_param(q, "caller_address"))) out["warning"] = *warning;
  return Reply{200, out};
}

Reply WebHandlers::search_phones(const Query& q) {
  store::PhoneQuery query;
  query.text = str_param(q, "q");
  const auto offset = int_param(q, "offset", 0, 0, INT64_MAX);
  if (!offset) return error_reply(400, "offset must be a non-negative integer", "offset");
  const auto limit = int_param(q, "limit", -1, 1, kMaxPage);
  if (!limit) return error_reply(400, "limit must be an integer between 1 and 1000", "limit");
  query.offset = *offset;
  query.limit = *limit;
  std::string sort = str_param(q, "sort");
  if (!sort.empty() && sort[0] == '-') {
    query.descending = true;
    sort.erase(0, 1);
  }
  if (!sort.empty()) {
    const auto s = store::phone_sort_from(sort);
    if (!s) return error_reply(400, "cannot sort by " + sort, "sort");
    query.sort = *s;
  }
  const auto page = admins_.search_phones(query);
  json out = json::array();
  for (const auto& p : page.items) out.push_back(phone_json(p));
  Reply r{200, out};
  r.headers.emplace_back("X-Total-Count", std::to_string(page.total));
  return r;
}

Reply WebHandlers::export_phones() {
  std::string text = csv_line(std::vector<std::string>(kPhoneColumns.begin(), kPhoneColumns.end()));
  for (const auto& p : store_.list_phones()) {
    const json j = to_json(p);
    std::vector<std::string> row;
    row.reserve(kPhoneColumns.size());
    for (const char* c : kPhoneColumns) row.push_back(csv_value(j[c]));
    text += csv_line(row);
  }
  Reply r(200, std::move(text), "text/csv; charset=utf-8");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"authorized-phones.csv\"");
  return r;
}

Reply WebHandlers::settings() const {
  return Reply{200, settings_.settings_view.is_null() ? json::object() : settings_.settings_view};
}

}  // namespace callbackd::web
