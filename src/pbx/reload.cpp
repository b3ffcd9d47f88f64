// A configuration reload: lines and callback settings change between two events on the loop, so nothing in
// flight sees half of it. Calls in progress keep their line's channel (LinePool::replace); the job runner
// reads the callback settings when it uses them, so pending jobs get the new retry and ring times.
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {

void CallManager::reload(std::vector<Line> lines, const CallbackSettings& callback) {
  settings_.lines = lines;
  lines_.replace(std::move(lines));
  settings_.callback = callback;
}

}  // namespace callbackd::pbx
