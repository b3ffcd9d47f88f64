#include "app/ops_metrics.hpp"

#include <chrono>
#include <future>

#include "store/store.hpp"
#include "web/prom_text.hpp"

namespace callbackd::app {
namespace {

constexpr std::chrono::seconds kLoopAnswer{1};

}  // namespace

OpsMetrics::OpsMetrics(sip::EventLoop& loop, pbx::CallManager& manager, const sip::SipStack& sip,
                       const std::string& db_path)
    : loop_(loop), manager_(manager), sip_(sip), probe_(db_path) {}

std::optional<std::string> OpsMetrics::not_ready() {
  if (draining_) return "draining";
  if (!sip_bound_) return "SIP transports not bound yet";
  if (auto why = probe_.write_refused()) return "database refuses writes: " + *why;
  return std::nullopt;
}

std::optional<OpsMetrics::Live> OpsMetrics::live() {
  // Shared, because after a timeout the loop may still run the task once this function has returned.
  auto done = std::make_shared<std::promise<Live>>();
  auto result = done->get_future();
  loop_.post([this, done] {
    Live l;
    l.legs = static_cast<long long>(manager_.legs());
    for (const auto& line : manager_.lines().all()) {
      l.lines.push_back(
          {line.name, line.channels, manager_.lines().in_use(line.name), manager_.lines().up(line.name)});
    }
    done->set_value(std::move(l));
  });
  if (result.wait_for(kLoopAnswer) != std::future_status::ready) return std::nullopt;
  return result.get();
}

std::string OpsMetrics::metrics() {
  web::PromText p;
  const auto counts = probe_.counts();
  long long jobs = 0;
  for (const auto& [state, n] : counts.jobs_by_state) jobs += n;
  p.family("callbackd_triggers_total", "counter", "Ring-once triggers that made a callback job.")
      .sample(jobs);
  p.family("callbackd_callbacks_total", "counter", "Callback jobs finished, by outcome.");
  for (const char* outcome : {"answered", "failed", "cancelled"}) {
    p.sample(counts.jobs_by_state.at(outcome), {{"outcome", outcome}});
  }
  p.family("callbackd_relayed_calls_total", "counter", "Calls relayed to a third party.")
      .sample(counts.relayed_calls);
  p.family("callbackd_callback_jobs_pending", "gauge", "Callback jobs waiting for their time or a free line.")
      .sample(counts.jobs_by_state.at("pending"));
  p.family("callbackd_callback_jobs_dialing", "gauge", "Callback jobs with an attempt in flight.")
      .sample(counts.jobs_by_state.at("dialing"));
  p.family("callbackd_sip_throttled_total", "counter",
           "INVITEs and REGISTERs from strangers refused beyond sip.stranger_rate (a bare 403).")
      .sample(static_cast<long long>(sip_.throttled()));
  const auto l = live();
  p.family("callbackd_up", "gauge", "1 when the call-control loop answered this scrape within 1 s.")
      .sample(l ? 1 : 0);
  if (!l) return p.str();
  p.family("callbackd_active_legs", "gauge", "SIP dialogs (call legs) the call core holds.").sample(l->legs);
  p.family("callbackd_line_channels", "gauge", "Channels of each line.");
  for (const auto& line : l->lines) p.sample(line.channels, {{"line", line.name}});
  p.family("callbackd_line_channels_in_use", "gauge", "Channels of each line in use.");
  for (const auto& line : l->lines) p.sample(line.in_use, {{"line", line.name}});
  p.family("callbackd_line_up", "gauge", "1 while the line's gateway answers the OPTIONS keepalive.");
  for (const auto& line : l->lines) p.sample(line.up ? 1 : 0, {{"line", line.name}});
  return p.str();
}

}  // namespace callbackd::app
