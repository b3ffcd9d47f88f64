#pragma once
// The systemd side of the process (sd_notify(3)): READY, RELOADING, STOPPING, STATUS and the watchdog. Every
// call is a no-op when not started by systemd with Type=notify (no $NOTIFY_SOCKET).
#include <chrono>
#include <string>

#include "sip/event_loop.hpp"

namespace callbackd::app {

class ServiceManager {
 public:
  ServiceManager();
  void ready(const std::string& status) const;
  void reloading() const;
  void stopping() const;
  // With WatchdogSec= set, pings systemd from the call-control loop at half the interval: if that thread
  // hangs the pings stop and systemd restarts the service, which is the point.
  void start_watchdog(sip::EventLoop& loop) const;
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  void ping_later(sip::EventLoop& loop) const;
  std::chrono::microseconds watchdog_{0};
};

}  // namespace callbackd::app
