#include "app/reload.hpp"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>

namespace callbackd::app {
namespace {

// Every setting of a section as one string, so that "did [x] change" is one comparison per section.
std::map<std::string, std::string> sections(const Config& c) {
  std::map<std::string, std::string> s;
  s["[sip]"] = c.sip.listen.str() + "|" + c.sip.user_agent + "|" + std::to_string(c.sip.shutdown_grace_s);
  s["[media]"] = c.media.address + "|" + std::to_string(c.media.port_min) + "-" +
                 std::to_string(c.media.port_max) + "|" + c.media.prompts_dir + "|" + c.media.language;
  s["[store]"] = c.store.sqlite;
  s["[web]"] = fmt::format("{}|{}|{}|{}", c.web.listen.str(), c.web.admin_token, c.web.request_timeout_s,
                           c.web.max_connections);
  const auto& cb = c.callback;
  s["[callback]"] =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", cb.trigger_window_s, cb.default_delay_s,
                  cb.ring_timeout_s, cb.max_attempts, cb.retry_delay_s, cb.min_interval_s,
                  cb.max_call_duration_s, cb.line_wait_s, cb.max_per_hour, cb.max_per_day, cb.max_concurrent);
  std::string lines;
  for (const auto& l : c.lines) {
    lines += fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{};", l.name, l.gateway.str(),
                         static_cast<int>(l.transport), l.number, l.channels, static_cast<int>(l.inbound),
                         l.inbound_extension, l.answer_delay_s, l.country, fmt::join(l.strip_prefixes, ","),
                         l.allow_carrier_codes, callback::to_string(l.dial_format), l.max_relay_calls,
                         l.allow_international);
  }
  s["[[line]]"] = lines;
  const auto& p = c.policy;
  s["[policy]"] = fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", p.country, p.allow_international, p.allow_premium,
      p.allow_shared_cost, p.allow_satellite, p.allow_special, fmt::join(p.allow, ","),
      fmt::join(p.deny, ","), fmt::join(p.deny_prefixes, ","), fmt::join(p.remote_allow, ","),
      fmt::join(p.relay_sip_hosts, ","), p.max_relay_calls_per_caller, p.max_relay_calls,
      p.max_relay_calls_per_hour, p.max_relay_calls_per_day, p.max_relay_duration_s);
  return s;
}

}  // namespace

ReloadResult reload_config(const std::string& path, Config& running, const ApplyCallSettings& apply) {
  ReloadResult r;
  auto loaded = load_config(path);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&loaded)) {
    for (const auto& e : *errors) spdlog::error("reload: {}: {}: {}", path, e.key, e.message);
    spdlog::error("reload: {} has {} error(s); the running configuration stays", path, errors->size());
    return r;
  }
  const Config& next = std::get<Config>(loaded);
  r.ok = true;
  auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ", ") + item; };
  if (next.log_level != running.log_level) {
    spdlog::set_level(spdlog::level::from_str(next.log_level));
    add(r.applied, "log_level " + next.log_level + " (was " + running.log_level + ")");
    running.log_level = next.log_level;
  }
  const auto before = sections(running);
  const auto after = sections(next);
  static constexpr std::array kLive = {"[[line]]", "[callback]", "[policy]"};
  const auto changed = [&](std::string_view name) {
    return before.at(std::string(name)) != after.at(std::string(name));
  };
  if (std::any_of(kLive.begin(), kLive.end(), changed)) {
    apply(next.lines, next.callback, next.policy);
    for (const char* name : kLive) {
      if (changed(name)) add(r.applied, name);
    }
    running.lines = next.lines;
    running.callback = next.callback;
    running.policy = next.policy;
  }
  for (const auto& [name, text] : after) {
    const bool live = std::find(kLive.begin(), kLive.end(), name) != kLive.end();
    if (before.at(name) != text && !live) add(r.ignored, name);
  }
  spdlog::warn("reload: {} read; applied: {}; changed but needing a restart: {}", path,
               r.applied.empty() ? "nothing changed" : r.applied, r.ignored.empty() ? "none" : r.ignored);
  return r;
}

}  // namespace callbackd::app
