#include "pbx/overload.hpp"

#include <spdlog/spdlog.h>

namespace callbackd::pbx {
namespace {
constexpr std::chrono::milliseconds kProbeEvery{100};
constexpr std::chrono::seconds kSummaryEvery{1};
}  // namespace

Overload::Overload(Loop& loop, const Clock& clock, OverloadSettings settings)
    : clock_(clock), settings_(settings), probe_timer_(loop), summary_timer_(loop) {}

void Overload::start() {
  expected_ = clock_.now() + kProbeEvery;
  probe_timer_.start(kProbeEvery, [this] { probe(); });
}

void Overload::stop() {
  probe_timer_.cancel();
  summary_timer_.cancel();
}

void Overload::probe() {
  const TimePoint now = clock_.now();
  const auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(now - expected_);
  if (lag > settings_.max_loop_lag) {
    if (now >= lagging_until_)
      spdlog::warn("overload: the control loop is {} ms late; refusing new calls", lag.count());
    lagging_until_ = now + settings_.lag_hold;
    last_lag_ = lag;
  }
  expected_ = now + kProbeEvery;
  probe_timer_.start(kProbeEvery, [this] { probe(); });
}

std::optional<std::string> Overload::refuse(std::size_t legs, std::size_t store_backlog,
                                            std::optional<int> line_in_use) {
  if (draining_) return "draining before shutdown";
  // The reserve adds at most line_reserve legs per line to max_calls, and a flooded line has used its own.
  if (line_in_use && *line_in_use < settings_.line_reserve) return std::nullopt;
  if (legs >= settings_.max_calls) return "calls at the limit (" + std::to_string(settings_.max_calls) + ")";
  if (store_backlog >= settings_.max_store_backlog) {
    return "store behind by " + std::to_string(store_backlog) + " calls";
  }
  if (clock_.now() < lagging_until_)
    return "control loop late by " + std::to_string(last_lag_.count()) + " ms";
  return std::nullopt;
}

void Overload::refused(const std::string& why) {
  ++refused_;
  last_why_ = why;
  if (summary_timer_.armed()) return;
  summary_timer_.start(kSummaryEvery, [this] {
    spdlog::warn("overload: 503 to {} new call(s) in the last {} s ({})", refused_, kSummaryEvery.count(),
                 last_why_);
    refused_ = 0;
  });
}

}  // namespace callbackd::pbx
