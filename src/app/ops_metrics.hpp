#pragma once
// What /readyz and /metrics report about the call core and the store (the web layer adds its own counters).
// Called on HTTP threads; call state is read on the call-control loop, never across threads.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "pbx/call_manager.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/probe.hpp"

namespace callbackd::app {

class OpsMetrics {
 public:
  OpsMetrics(sip::EventLoop& loop, pbx::CallManager& manager, const sip::SipStack& sip,
             const std::string& db_path);

  void sip_bound() { sip_bound_ = true; }
  void draining() { draining_ = true; }  // /readyz says so: a load balancer stops sending new work
  // Empty while the SIP transports are bound and the database takes writes; else the reason.
  std::optional<std::string> not_ready();
  // Prometheus text of the families listed in docs/operations.md ("Metrics") besides the web layer's.
  std::string metrics();

  // What the call core holds now; also shown on the dashboard and the Lines page (app/call_settings.cpp).
  struct Live {
    long long legs = 0;
    struct Line {
      std::string name;
      int channels = 0;
      int in_use = 0;
      bool up = true;  // its gateway answers the OPTIONS keepalive (pbx/line_keepalive.hpp)
    };
    std::vector<Line>
        lines;  // in configuration order, as the call core has them now (a reload may change them)
  };
  std::optional<Live> live();  // read on the loop; empty when the loop does not answer within 1 s

 private:
  sip::EventLoop& loop_;
  pbx::CallManager& manager_;
  const sip::SipStack& sip_;
  store::StoreProbe probe_;
  std::atomic<bool> sip_bound_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace callbackd::app
