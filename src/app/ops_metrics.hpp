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
#include "store/probe.hpp"

namespace callbackd::app {

class OpsMetrics {
 public:
  OpsMetrics(sip::EventLoop& loop, pbx::CallManager& manager, std::vector<LineConfig> lines,
             const std::string& db_path);

  void sip_bound() { sip_bound_ = true; }
  // Empty while the SIP transports are bound and the database takes writes; else the reason.
  std::optional<std::string> not_ready();
  // Prometheus text of the families listed in docs/operations.md ("Metrics") besides the web layer's.
  std::string metrics();

 private:
  struct Live {
    long long legs = 0;
    std::vector<std::pair<std::string, int>> channels_in_use;  // per line, in configuration order
  };
  std::optional<Live> live();  // read on the loop; empty when the loop does not answer within 1 s

  sip::EventLoop& loop_;
  pbx::CallManager& manager_;
  std::vector<LineConfig> lines_;
  store::StoreProbe probe_;
  std::atomic<bool> sip_bound_{false};
};

}  // namespace callbackd::app
