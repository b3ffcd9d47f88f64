#include "web/json_codec.hpp"

#include <array>
#include <ctime>

#include "store/phone_json.hpp"

namespace callbackd::web {
namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

// Times go out as ISO 8601 UTC ("2026-11-26T07:27:34Z"): what an admin reads, and what every JSON client
// parses.
nlohmann::json iso8601(store::UnixTime t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return nullptr;
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

namespace {

// Its own name: as an overload of iso8601 in this inner namespace it would hide the outer one, and
// iso8601(*t) would call itself through the optional's converting constructor.
nlohmann::json iso8601_or_null(const std::optional<store::UnixTime>& t) {
  return t ? iso8601(*t) : nullptr;
}

}  // namespace

nlohmann::json to_json(const store::AuthorizedPhone& p) {
  return store::phone_json(p);
}

nlohmann::json to_json(const store::Extension& e) {
  return {{"number", e.number},
          {"name", e.name},
          {"allow_call_relay", e.allow_call_relay},
          {"remote_callback", e.remote_callback}};
}

nlohmann::json to_json(const store::CallbackJob& j) {
  return {{"id", j.id},
          {"authorized_phone_id", or_null(j.authorized_phone_id)},
          {"caller", j.caller},
          {"destination", j.destination},
          {"line", j.line},
          {"state", store::to_string(j.state)},
          {"attempts", j.attempts},
          {"created_at", iso8601(j.created_at)},
          {"due_at", iso8601(j.due_at)},
          {"last_result", j.last_result},
          {"one_time", j.one_time}};
}

nlohmann::json to_json(const store::CallRecord& r) {
  return {
      {"id", r.id},
      {"job_id", or_null(r.job_id)},
      {"direction", r.direction},
      {"line", r.line},
      {"caller", r.caller},
      {"callee", r.callee},
      {"started_at", iso8601(r.started_at)},
      {"answered_at", iso8601_or_null(r.answered_at)},
      {"ended_at", iso8601_or_null(r.ended_at)},
      {"duration_s", r.answered_at && r.ended_at ? nlohmann::json(*r.ended_at - *r.answered_at) : nullptr},
      {"result", r.result},
      {"end_cause", r.end_cause},
      {"call_ref", r.call_ref}};
}

}  // namespace callbackd::web
