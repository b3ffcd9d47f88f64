#include "pbx/line_keepalive.hpp"

#include <spdlog/spdlog.h>

#include "callback/text.hpp"

namespace callbackd::pbx {

bool gateway_answered(int status) {
  return status >= 100 && status != 408 && status != 503;
}

std::string keepalive_uri(const Line& line) {
  return "sip:" + line.gateway.str() + (line.transport == LineTransport::Tcp ? ";transport=tcp" : "");
}

LineKeepalive::LineKeepalive(Loop& loop, Pinger& pinger, LinePool& lines, KeepaliveSettings settings)
    : loop_(loop), pinger_(pinger), lines_(lines), settings_(settings) {}

LineKeepalive::~LineKeepalive() {
  stop();
}

void LineKeepalive::start() {
  if (settings_.interval_s <= 0) return;
  running_ = true;
  lines_changed();
}

void LineKeepalive::stop() {
  running_ = false;
  for (auto& [name, probe] : probes_) {
    probe->timer.cancel();
    if (probe->in_flight) pinger_.drop_ping(*std::exchange(probe->in_flight, std::nullopt));
  }
}

void LineKeepalive::lines_changed() {
  if (!running_) return;
  for (auto it = probes_.begin(); it != probes_.end();) {
    if (lines_.find(it->first) != nullptr) {
      ++it;
      continue;
    }
    if (it->second->in_flight) pinger_.drop_ping(*it->second->in_flight);
    it = probes_.erase(it);
  }
  for (const Line& line : lines_.all()) {
    auto& probe = probes_[line.name];
    const std::string uri = keepalive_uri(line);
    if (probe && probe->uri == uri) continue;
    // A new line, or a line whose gateway moved: its state so far says nothing about the new address.
    if (probe && probe->in_flight) pinger_.drop_ping(*probe->in_flight);
    probe = std::make_unique<Probe>(loop_);
    probe->uri = uri;
    lines_.set_up(line.name, true);
    send(line.name);
  }
}

void LineKeepalive::send(const std::string& name) {
  auto it = probes_.find(name);
  if (it == probes_.end() || !running_) return;
  Probe& probe = *it->second;
  if (probe.in_flight) {
    pinger_.drop_ping(*std::exchange(probe.in_flight, std::nullopt));
    failed(name, probe, "no answer within " + std::to_string(settings_.interval_s) + " s");
  }
  const std::uint64_t token = next_token_++;
  probe.token = token;
  probe.in_flight =
      pinger_.ping(probe.uri, [this, name, token](int status) { answered(name, token, status); });
  probe.timer.start(std::chrono::seconds(settings_.interval_s), [this, name] { send(name); });
}

void LineKeepalive::answered(const std::string& name, std::uint64_t token, int status) {
  auto it = probes_.find(name);
  if (it == probes_.end() || it->second->token != token) return;  // an answer to an OPTIONS we gave up on
  Probe& probe = *it->second;
  probe.in_flight.reset();
  if (!gateway_answered(status)) return failed(name, probe, "answered " + std::to_string(status));
  probe.failures = 0;
  if (lines_.set_up(name, true)) {
    spdlog::info("line {}: gateway {} answers again (OPTIONS {}); line up", callback::text::log_escape(name),
                 callback::text::log_escape(probe.uri), status);
  }
}

void LineKeepalive::failed(const std::string& name, Probe& probe, const std::string& why) {
  if (++probe.failures < settings_.failures) return;
  if (lines_.set_up(name, false)) {
    spdlog::warn(
        "line {}: gateway {} failed {} OPTIONS in a row (last: {}); line down, skipped until it answers",
        callback::text::log_escape(name), callback::text::log_escape(probe.uri), probe.failures, why);
  }
}

}  // namespace callbackd::pbx
