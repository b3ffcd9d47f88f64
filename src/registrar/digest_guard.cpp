#include "registrar/digest_guard.hpp"

#include <iterator>

namespace callbackd::registrar {
namespace {

void expire(std::deque<callback::TimePoint>& failures, callback::TimePoint now, std::chrono::seconds window) {
  while (!failures.empty() && failures.front() + window <= now) failures.pop_front();
}

}  // namespace

DigestGuard::DigestGuard(DigestGuardSettings settings, const callback::ClockSource& clock)
    : settings_(settings), clock_(clock) {}

DigestGuard::Record* DigestGuard::find(Records& records, const std::string& key,
                                       std::chrono::seconds window) {
  const auto it = records.find(key);
  if (it == records.end()) return nullptr;
  expire(it->second.failures, clock_.now(), window);
  return &it->second;
}

void DigestGuard::forget_idle(Records& records, std::chrono::seconds window) {
  const auto now = clock_.now();
  for (auto it = records.begin(); it != records.end();) {
    expire(it->second.failures, now, window);
    const bool idle = it->second.failures.empty() && it->second.locked_until <= now;
    it = idle ? records.erase(it) : std::next(it);
  }
}

DigestGuard::Record* DigestGuard::track(Records& records, const std::string& key,
                                        std::chrono::seconds window) {
  if (Record* r = find(records, key, window)) return r;
  if (records.size() >= settings_.max_tracked) forget_idle(records, window);
  // Still full: filling the table takes max_tracked guessing sources or names within one window, and what is
  // tracked already stays tracked.
  if (records.size() >= settings_.max_tracked) return nullptr;
  return &records[key];
}

DigestGuard::Gate DigestGuard::gate(const std::string& user, const std::string& ip, bool bound_here) {
  const auto now = clock_.now();
  if (settings_.source_failures > 0) {
    const Record* source = find(sources_, ip, settings_.source_window);
    if (source != nullptr && source->failures.size() >= static_cast<std::size_t>(settings_.source_failures)) {
      return Gate::SourceThrottled;
    }
  }
  if (settings_.lockout_failures > 0 && !bound_here) {
    const Record* ext = find(extensions_, user, settings_.lockout_window);
    if (ext != nullptr && ext->locked_until > now) return Gate::ExtensionLocked;
  }
  return Gate::Check;
}

DigestGuard::Changed DigestGuard::guessed_wrong(const std::string& user, const std::string& ip) {
  const auto now = clock_.now();
  Changed changed;
  if (settings_.source_failures > 0) {
    if (Record* source = track(sources_, ip, settings_.source_window)) {
      source->failures.push_back(now);
      changed.source_throttled =
          source->failures.size() == static_cast<std::size_t>(settings_.source_failures);
    }
  }
  if (settings_.lockout_failures > 0) {
    Record* ext = track(extensions_, user, settings_.lockout_window);
    if (ext != nullptr && ext->locked_until <= now) {
      ext->failures.push_back(now);
      if (ext->failures.size() >= static_cast<std::size_t>(settings_.lockout_failures)) {
        ext->locked_until = now + settings_.lockout;
        ext->failures.clear();
        changed.extension_locked = true;
      }
    }
  }
  return changed;
}

}  // namespace callbackd::registrar
