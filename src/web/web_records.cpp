// Call records for web management: filtered by date, number and outcome, as JSON or CSV.
#include <array>
#include <ctime>

#include "web/csv.hpp"
#include "web/json_codec.hpp"
#include "web/web_handlers.hpp"
#include "web/web_params.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxPage = 1000;
constexpr std::int64_t kMaxExport = 100000;
constexpr store::UnixTime kDay = 86400;

struct Parsed {
  std::optional<store::UnixTime> time;
  bool date_only = false;
};

// "2026-12-01" (a whole UTC day) or "2026-12-01T08:30:00Z"; nullopt `time` when malformed.
Parsed parse_time(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%d", &tm);
  if (end == nullptr) return {};
  if (*end == '\0') return {timegm(&tm), true};
  end = strptime(end, "T%H:%M:%S", &tm);
  if (end == nullptr || std::string_view(end) != "Z") return {};
  return {timegm(&tm), false};
}

std::optional<Reply> read_filters(const Query& q, store::RecordQuery& out) {
  for (const char* name : {"from", "to"}) {
    const std::string v = str_param(q, name);
    if (v.empty()) continue;
    const Parsed p = parse_time(v);
    if (!p.time)
      return error_reply(
          400, std::string(name) + " must be a date (2026-12-01) or a UTC time (2026-12-01T08:30:00Z)", name);
    // A date as the end of a range includes that whole day.
    if (std::string_view(name) == "to") {
      out.to = *p.time + (p.date_only ? kDay : 0);
    } else {
      out.from = *p.time;
    }
  }
  out.number = str_param(q, "number");
  out.result = str_param(q, "result");
  out.call_ref = str_param(q, "call");
  out.end_cause = str_param(q, "cause");
  return std::nullopt;
}

constexpr std::array<const char*, 13> kRecordColumns{
    "id",         "job_id",      "call_ref", "direction",  "line",   "caller",   "callee",
    "started_at", "answered_at", "ended_at", "duration_s", "result", "end_cause"};

}  // namespace

Reply WebHandlers::search_records(const Query& q) {
  store::RecordQuery query;
  if (auto bad = read_filters(q, query)) return *bad;
  const auto offset = int_param(q, "offset", 0, 0, INT64_MAX);
  if (!offset) return error_reply(400, "offset must be a non-negative integer", "offset");
  const auto limit = int_param(q, "limit", 100, 1, kMaxPage);
  if (!limit) return error_reply(400, "limit must be an integer between 1 and 1000", "limit");
  query.offset = *offset;
  query.limit = *limit;
  return Reply{200, to_json_array(admins_.search_call_records(query))};
}

Reply WebHandlers::export_records(const Query& q) {
  store::RecordQuery query;
  if (auto bad = read_filters(q, query)) return *bad;
  query.limit = kMaxExport;
  std::string text = csv_line(std::vector<std::string>(kRecordColumns.begin(), kRecordColumns.end()));
  for (const auto& r : admins_.search_call_records(query)) {
    const json j = to_json(r);
    std::vector<std::string> row;
    row.reserve(kRecordColumns.size());
    for (const char* c : kRecordColumns) {
      row.push_back(j[c].is_null() ? "" : j[c].is_string() ? j[c].get<std::string>() : j[c].dump());
    }
    text += csv_line(row);
  }
  Reply r(200, std::move(text), "text/csv; charset=utf-8");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"call-records.csv\"");
  return r;
}

}  // namespace callbackd::web
