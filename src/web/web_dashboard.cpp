// The dashboard's numbers: what the callback jobs in the database say about the last 24 hours. Live call
// state (active calls, busy channels) belongs to the pbx and is not read here.
#include <array>
#include <chrono>

#include "web/json_codec.hpp"
#include "web/web_handlers.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr store::UnixTime kHour = 3600;
constexpr int kHours = 24;
constexpr int kRecentFailures = 10;
constexpr std::array<const char*, 5> kStates{"pending", "dialing", "answered", "failed", "cancelled"};

store::UnixTime now_s() {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  return duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json iso(store::UnixTime t) {
  return iso8601(t);
}

// Every one of the last 24 hours, also those without a job, so the chart's axis is steady.
json hours_json(const std::vector<store::HourOfCallbacks>& rows, store::UnixTime first) {
  json out = json::array();
  std::size_t next = 0;
  for (int i = 0; i < kHours; ++i) {
    const store::UnixTime hour = first + i * kHour;
    store::HourOfCallbacks h{hour, 0, 0, 0};
    while (next < rows.size() && rows[next].hour < hour) ++next;
    if (next < rows.size() && rows[next].hour == hour) h = rows[next];
    out.push_back({{"hour", iso(hour)}, {"total", h.total}, {"answered", h.answered}, {"failed", h.failed}});
  }
  return out;
}

}  // namespace

Reply WebHandlers::dashboard() {
  const store::UnixTime first = (now_s() / kHour - (kHours - 1)) * kHour;
  const auto d = admins_.dashboard(first, kRecentFailures);
  json jobs = json::object();
  for (const char* s : kStates) jobs[s] = 0;
  for (const auto& [state, n] : d.jobs_by_state) jobs[state] = n;
  json failures = json::array();
  for (const auto& f : d.recent_failures) {
    failures.push_back({{"id", f.id},
                        {"caller", f.caller},
                        {"destination", f.destination},
                        {"line", f.line},
                        {"attempts", f.attempts},
                        {"created_at", iso(f.created_at)},
                        {"last_result", f.last_result}});
  }
  return Reply{
      200, json{{"jobs", jobs}, {"per_hour", hours_json(d.per_hour, first)}, {"recent_failures", failures}}};
}

}  // namespace callbackd::web
