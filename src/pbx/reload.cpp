// A configuration reload: lines, callback settings and the toll-fraud policy change between two events on the
// loop, so nothing in flight sees half of it. Calls in progress keep their line's channel
// (LinePool::replace); the job runner reads the callback settings when it uses them, so pending jobs get the
// new retry and ring times.
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {

void CallManager::reload(std::vector<Line> lines, const CallbackSettings& callback,
                         const callback::PolicySettings& policy) {
  // Built before the lines move: a destination is judged by the lines it can leave on.
  policy_ = make_toll_policy(policy, lines);
  settings_.policy = policy;
  relay_caps_.set_limits(policy.max_relay_calls_per_hour, policy.max_relay_calls_per_day);
  settings_.lines = lines;
  lines_.replace(std::move(lines));
  if (keepalive_) keepalive_->lines_changed();
  settings_.callback = callback;
}

}  // namespace callbackd::pbx
