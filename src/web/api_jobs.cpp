// Callback jobs and call records.
#include <spdlog/spdlog.h>

#include <charconv>

#include "web/api_handlers.hpp"
#include "web/json_codec.hpp"

namespace callbackd::web {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

// ?limit= is optional; when given it must be an integer 1..1000.
std::optional<int> parse_limit(const std::optional<std::string>& text) {
  if (!text) return kDefaultLimit;
  int n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || end != text->data() + text->size() || n < 1 || n > kMaxLimit) return std::nullopt;
  return n;
}

Reply bad_limit() {
  return error_reply(400, "limit must be an integer between 1 and 1000", "limit");
}
Reply job_not_found(std::int64_t id) {
  return error_reply(404, "no callback job " + std::to_string(id), "id");
}

Reply not_pending(const store::CallbackJob& j) {
  return error_reply(409,
                     "callback job " + std::to_string(j.id) + " is " + store::to_string(j.state) +
                         "; only a pending job can be cancelled",
                     "state");
}

}  // namespace

Reply ApiHandlers::list_jobs(const std::optional<std::string>& limit) {
  const auto n = parse_limit(limit);
  if (!n) return bad_limit();
  return Reply{200, to_json_array(store_.list_jobs(*n))};
}

Reply ApiHandlers::get_job(std::int64_t id) {
  const auto j = store_.get_job(id);
  return j ? Reply{200, to_json(*j)} : job_not_found(id);
}

Reply ApiHandlers::cancel_job(std::int64_t id) {
  const auto j = store_.get_job(id);
  if (!j) return job_not_found(id);
  if (j->state != store::JobState::Pending) return not_pending(*j);
  // The control thread may claim the job between the read and this update: the store's conditional update
  // decides, and the loser reports the state that won.
  if (!store_.transition_job(id, store::JobState::Pending, store::JobState::Cancelled, "cancelled")) {
    const auto now = store_.get_job(id);
    return now ? not_pending(*now) : job_not_found(id);
  }
  spdlog::info("api: cancelled callback job {}", id);
  std::function<void(std::int64_t)> hook;
  {
    std::lock_guard lock(hook_mu_);
    hook = on_cancelled_;
  }
  if (hook) hook(id);
  const auto after = store_.get_job(id);
  return after ? Reply{200, to_json(*after)} : job_not_found(id);
}

Reply ApiHandlers::list_call_records(const std::optional<std::string>& limit) {
  const auto n = parse_limit(limit);
  if (!n) return bad_limit();
  return Reply{200, to_json_array(store_.list_call_records(*n))};
}

}  // namespace callbackd::web
