#include "app/service.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

namespace callbackd::app {
namespace {

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000U + static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

}  // namespace

ServiceManager::ServiceManager() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
}

void ServiceManager::ready(const std::string& status) const {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceManager::reloading() const {
  // systemd 253+ wants the monotonic time with RELOADING=1; older versions ignore it.
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(monotonic_usec()));
}

void ServiceManager::stopping() const {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void ServiceManager::start_watchdog(sip::EventLoop& loop) const {
  if (watchdog_.count() == 0) return;
  spdlog::info("systemd: watchdog every {} ms", watchdog_.count() / 2000);
  ping_later(loop);
}

void ServiceManager::ping_later(sip::EventLoop& loop) const {
  sd_notify(0, "WATCHDOG=1");
  const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_ / 2);
  loop.start_timer(half, [this, &loop] { ping_later(loop); });
}

}  // namespace callbackd::app
