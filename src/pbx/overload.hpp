#pragma once
// When to refuse new calls with 503: beyond a configured number of legs, when the store worker has fallen
// behind (a trigger would wait long for its job to be stored), and when the control loop itself lags (a
// probe timer that fires late: the loop is busier than it can keep up with). Refusing early and cheaply keeps
// the calls in progress (their audio, menus and callbacks) working, and the guard lifts by itself once the
// load drops.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pbx/ports.hpp"

namespace callbackd::pbx {

struct OverloadSettings {
  std::size_t max_calls = 1000;                 // legs at once (inbound and callbacks)
  std::size_t max_store_backlog = 5000;         // store calls queued on the worker
  std::chrono::milliseconds max_loop_lag{250};  // a probe this late means the loop is overloaded...
  std::chrono::milliseconds lag_hold{5000};     // ...and new calls are refused this long after it
  // Channels of each line that stay open past the guard ([sip] line_reserve): a flood on one line must not
  // cost a trusted caller on another line the callback. 0: none.
  int line_reserve = 2;
};

class Overload {
 public:
  Overload(Loop& loop, const Clock& clock, OverloadSettings settings);

  void start();  // arms the loop-lag probe
  void stop();
  // From now on every new call is refused: the server is draining before it stops (SIGTERM).
  void drain() { draining_ = true; }
  // Why a new call must be refused now; nullopt when it may come in. `line_in_use`: the channels busy on the
  // line it came from (nullopt for a phone's call); below line_reserve a line's call comes in anyway, unless
  // the server is draining.
  std::optional<std::string> refuse(std::size_t legs, std::size_t store_backlog,
                                    std::optional<int> line_in_use = std::nullopt);
  // Counts a refusal; one summary line per second says how many, not one line per refused call.
  void refused(const std::string& why);

 private:
  void probe();

  const Clock& clock_;
  OverloadSettings settings_;
  Timer probe_timer_;
  Timer summary_timer_;
  TimePoint expected_{};
  TimePoint lagging_until_{};
  std::chrono::milliseconds last_lag_{0};
  std::uint64_t refused_ = 0;
  std::string last_why_;
  bool draining_ = false;
};

}  // namespace callbackd::pbx
